// The checks every Store implementation applies to each mutation before writing it: keys must
// be present, so nothing is stored that a later remove or cascade could not find. Not domain
// validation (names, roles, states): the server does that before it builds a batch.
#pragma once

#include <string_view>
#include <variant>

#include "core/ports/store.hpp"

namespace colonies::ports {

namespace store_checks_detail {
inline Status require(std::string_view value, std::string_view what, std::string_view mutation) {
  if (value.empty()) return fail(ErrorCode::BadRequest, "{}: {} is empty", mutation, what);
  return ok();
}
}  // namespace store_checks_detail

// BadRequest naming the mutation and the missing key, or ok.
inline Status check_mutation(const Mutation& m) {
  using store_checks_detail::require;
  return std::visit(
      [](const auto& v) -> Status {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, mutation::SetServerId>) {
          return require(v.id, "id", "SetServerId");
        } else if constexpr (std::is_same_v<T, mutation::PutColony>) {
          return require(v.colony.name, "colony name", "PutColony");
        } else if constexpr (std::is_same_v<T, mutation::RemoveColony>) {
          return require(v.name, "colony name", "RemoveColony");
        } else if constexpr (std::is_same_v<T, mutation::PutUser>) {
          COLONIES_CHECK(require(v.user.colonyname, "colonyname", "PutUser"));
          return require(v.user.name, "name", "PutUser");
        } else if constexpr (std::is_same_v<T, mutation::RemoveUser>) {
          COLONIES_CHECK(require(v.colonyname, "colonyname", "RemoveUser"));
          return require(v.name, "name", "RemoveUser");
        } else if constexpr (std::is_same_v<T, mutation::PutExecutor>) {
          COLONIES_CHECK(require(v.executor.colonyname, "colonyname", "PutExecutor"));
          return require(v.executor.executorname, "executorname", "PutExecutor");
        } else if constexpr (std::is_same_v<T, mutation::RemoveExecutor>) {
          COLONIES_CHECK(require(v.colonyname, "colonyname", "RemoveExecutor"));
          return require(v.executorname, "executorname", "RemoveExecutor");
        } else if constexpr (std::is_same_v<T, mutation::PutLocation>) {
          COLONIES_CHECK(require(v.location.colonyname, "colonyname", "PutLocation"));
          return require(v.location.name, "name", "PutLocation");
        } else if constexpr (std::is_same_v<T, mutation::RemoveLocation>) {
          COLONIES_CHECK(require(v.colonyname, "colonyname", "RemoveLocation"));
          return require(v.name, "name", "RemoveLocation");
        } else if constexpr (std::is_same_v<T, mutation::PutFunction>) {
          COLONIES_CHECK(require(v.function.colonyname, "colonyname", "PutFunction"));
          return require(v.function.functionid, "functionid", "PutFunction");
        } else if constexpr (std::is_same_v<T, mutation::RemoveFunction>) {
          return require(v.functionid, "functionid", "RemoveFunction");
        } else if constexpr (std::is_same_v<T, mutation::PutProcess>) {
          COLONIES_CHECK(require(v.process.processid, "processid", "PutProcess"));
          COLONIES_CHECK(require(v.process.spec.conditions.colonyname, "spec.conditions.colonyname", "PutProcess"));
          for (const auto& a : v.process.attributes) COLONIES_CHECK(require(a.attributeid, "attributeid", "PutProcess"));
          return ok();
        } else if constexpr (std::is_same_v<T, mutation::RemoveProcess>) {
          return require(v.processid, "processid", "RemoveProcess");
        } else if constexpr (std::is_same_v<T, mutation::RemoveProcesses>) {
          return require(v.colonyname, "colonyname", "RemoveProcesses");
        } else if constexpr (std::is_same_v<T, mutation::AppendLog>) {
          return require(v.log.colonyname, "colonyname", "AppendLog");
        } else if constexpr (std::is_same_v<T, mutation::AppendChannelEntry>) {
          COLONIES_CHECK(require(v.entry.processid, "processid", "AppendChannelEntry"));
          COLONIES_CHECK(require(v.entry.name, "name", "AppendChannelEntry"));
          if (v.entry.position <= 0) {
            return fail(ErrorCode::BadRequest, "AppendChannelEntry needs a position > 0");
          }
          return ok();
        } else if constexpr (std::is_same_v<T, mutation::SetPaused>) {
          return require(v.colonyname, "colonyname", "SetPaused");
        } else if constexpr (std::is_same_v<T, mutation::AddFile>) {
          COLONIES_CHECK(require(v.file.fileid, "fileid", "AddFile"));
          COLONIES_CHECK(require(v.file.colonyname, "colonyname", "AddFile"));
          COLONIES_CHECK(require(v.file.label, "label", "AddFile"));
          return require(v.file.name, "name", "AddFile");
        } else if constexpr (std::is_same_v<T, mutation::RemoveFile>) {
          COLONIES_CHECK(require(v.colonyname, "colonyname", "RemoveFile"));
          return require(v.fileid, "fileid", "RemoveFile");
        } else if constexpr (std::is_same_v<T, mutation::RemoveFileRevisions>) {
          COLONIES_CHECK(require(v.colonyname, "colonyname", "RemoveFileRevisions"));
          COLONIES_CHECK(require(v.label, "label", "RemoveFileRevisions"));
          return require(v.name, "name", "RemoveFileRevisions");
        } else if constexpr (std::is_same_v<T, mutation::PutSnapshot>) {
          COLONIES_CHECK(require(v.snapshot.snapshotid, "snapshotid", "PutSnapshot"));
          COLONIES_CHECK(require(v.snapshot.colonyname, "colonyname", "PutSnapshot"));
          return require(v.snapshot.name, "name", "PutSnapshot");
        } else if constexpr (std::is_same_v<T, mutation::RemoveSnapshot>) {
          COLONIES_CHECK(require(v.colonyname, "colonyname", "RemoveSnapshot"));
          return require(v.snapshotid, "snapshotid", "RemoveSnapshot");
        } else if constexpr (std::is_same_v<T, mutation::RemoveSnapshots>) {
          return require(v.colonyname, "colonyname", "RemoveSnapshots");
        } else if constexpr (std::is_same_v<T, mutation::PutProcessGraph>) {
          COLONIES_CHECK(require(v.graph.processgraphid, "processgraphid", "PutProcessGraph"));
          return require(v.graph.colonyname, "colonyname", "PutProcessGraph");
        } else if constexpr (std::is_same_v<T, mutation::RemoveProcessGraph>) {
          return require(v.processgraphid, "processgraphid", "RemoveProcessGraph");
        } else if constexpr (std::is_same_v<T, mutation::RemoveProcessGraphs>) {
          return require(v.colonyname, "colonyname", "RemoveProcessGraphs");
        } else if constexpr (std::is_same_v<T, mutation::PutCron>) {
          COLONIES_CHECK(require(v.cron.cronid, "cronid", "PutCron"));
          return require(v.cron.colonyname, "colonyname", "PutCron");
        } else if constexpr (std::is_same_v<T, mutation::RemoveCron>) {
          return require(v.cronid, "cronid", "RemoveCron");
        } else if constexpr (std::is_same_v<T, mutation::PutGenerator>) {
          COLONIES_CHECK(require(v.generator.generatorid, "generatorid", "PutGenerator"));
          return require(v.generator.colonyname, "colonyname", "PutGenerator");
        } else if constexpr (std::is_same_v<T, mutation::RemoveGenerator>) {
          return require(v.generatorid, "generatorid", "RemoveGenerator");
        } else if constexpr (std::is_same_v<T, mutation::AppendGeneratorArg>) {
          COLONIES_CHECK(require(v.arg.generatorid, "generatorid", "AppendGeneratorArg"));
          return require(v.arg.colonyname, "colonyname", "AppendGeneratorArg");
        } else if constexpr (std::is_same_v<T, mutation::ConsumeGeneratorArgs>) {
          return require(v.generatorid, "generatorid", "ConsumeGeneratorArgs");
        } else if constexpr (std::is_same_v<T, mutation::AppendAudit>) {
          // An entry the commit thread did not chain (seq 0, no hash) is a bug, never stored.
          if (v.entry.seq <= 0) return fail(ErrorCode::BadRequest, "AppendAudit: seq must be > 0 (the entry was not chained)");
          COLONIES_CHECK(require(v.entry.hash, "hash", "AppendAudit"));
          COLONIES_CHECK(require(v.entry.prevhash, "prevhash", "AppendAudit"));
          COLONIES_CHECK(require(v.entry.msgtype, "msgtype", "AppendAudit"));
          return require(v.entry.signer, "signer", "AppendAudit");
        } else if constexpr (std::is_same_v<T, mutation::PruneAudit>) {
          if (v.before <= 0) return fail(ErrorCode::BadRequest, "PruneAudit: before must be a time after 1970");
          return ok();
        } else {
          static_assert(std::is_same_v<T, mutation::PurgeFinished>, "every mutation needs a check");
          if (v.before <= 0) return fail(ErrorCode::BadRequest, "PurgeFinished: before must be a time after 1970");
          return ok();
        }
      },
      m);
}

}  // namespace colonies::ports
