// Batched process messages: submit many FunctionSpecs, assign up to K processes, close many
// processes, each in one signed request (docs/protocol.md, "Batches"). One verification and one
// group-commit entry serve the whole batch; every item is role-checked like its single form and
// succeeds or fails on its own, with its own status in the reply. Not a transaction over items.
#include <set>

#include <spdlog/spdlog.h>

#include "core/protocol/messages.hpp"
#include "core/protocol/status.hpp"
#include "server/api/broker.hpp"
#include "server/auth/roles.hpp"

namespace colonies::server::api {

using model::FieldReader;
using model::ProcessState;
using ports::Mutation;

namespace {

json::object item_error(const Error& error) {
  return {{"status", protocol::http_status(error.code)}, {"message", error.message}};
}

// An item's error names the item, whether or not the check that failed knew its path.
json::object item_error(const Error& error, std::string_view item) {
  if (error.message.starts_with(item)) return item_error(error);
  return item_error(Error{error.code, fmt::format("{}: {}", item, error.message)});
}

json::object item_ok(json::value process) { return {{"status", 200}, {"process", std::move(process)}}; }
json::object item_ok_brief(const std::string& processid) { return {{"status", 200}, {"processid", processid}}; }

// The optional "brief" flag of submitfuncspecsmsg and closeprocessesmsg: items answer with the
// processid only, not the whole process.
Result<bool> brief_flag(const json::object& payload) {
  bool brief = false;
  COLONIES_CHECK(FieldReader::of(payload).boolean("brief", brief));
  return brief;
}

// The array field `key`, non-empty and within the limit.
Result<json::array> batch_items(const json::object& payload, std::string_view key, std::size_t limit) {
  json::array items;
  COLONIES_CHECK(FieldReader::of(payload).array(key, items));
  if (items.empty()) return fail(ErrorCode::BadRequest, "{} must list at least one item", key);
  if (items.size() > limit) {
    return fail(ErrorCode::BadRequest, "{} lists {} items, over the limit of {} per request", key, items.size(), limit);
  }
  return items;
}

// One entry of closeprocessesmsg, decoded.
struct CloseItem {
  std::string processid;
  ProcessState state = ProcessState::Success;
  json::array out;
  std::vector<std::string> errors;
  std::optional<Error> error;  // set when the item itself is malformed
};

CloseItem decode_close(const json::value& value, std::size_t index) {
  CloseItem item;
  const std::string path = fmt::format("closes[{}]", index);
  auto decoded = [&]() -> Status {
    COLONIES_TRY(r, FieldReader::of(value, path));
    COLONIES_CHECK(r.str("processid", item.processid));
    if (item.processid.empty()) return fail(ErrorCode::BadRequest, "{}.processid is required", path);
    bool successful = true;
    if (!r.find("successful")) return fail(ErrorCode::BadRequest, "{}.successful is required (true or false)", path);
    COLONIES_CHECK(r.boolean("successful", successful));
    item.state = successful ? ProcessState::Success : ProcessState::Failed;
    if (successful) COLONIES_CHECK(r.array("out", item.out));
    else COLONIES_CHECK(r.strings("errors", item.errors));
    return ok();
  }();
  if (!decoded) item.error = decoded.error();
  return item;
}

}  // namespace

void Broker::on_submit_batch(Call& call) {
  auto specs = batch_items(call.payload, "specs", options_.batch_limit);
  if (!specs) return call.reply(error_reply(specs.error()));
  auto brief_result = brief_flag(call.payload);
  if (!brief_result) return call.reply(error_reply(brief_result.error()));
  const bool brief = *brief_result;
  // Decoding and validation need no lock.
  std::vector<Result<NewProcess>> prepared;
  prepared.reserve(specs->size());
  for (std::size_t i = 0; i < specs->size(); ++i) {
    prepared.push_back(prepare_submission(&(*specs)[i], fmt::format("specs[{}]", i)));
  }
  std::lock_guard lock(mu_);
  // The role rule is the request's: a caller who may not submit to one of the colonies named
  // submits nothing (fails closed), as the single form would refuse each of those specs.
  for (const auto& np : prepared) {
    if (!np) continue;
    if (auto role = auth::require_member(registry_, call.caller, np->process.spec.conditions.colonyname); !role) {
      return reply_after_commit(std::move(call.reply), call.msgtype, std::unexpected(role.error()));
    }
  }
  std::vector<Mutation> out;
  out.reserve(prepared.size());
  json::array results;
  results.reserve(prepared.size());
  std::vector<scheduler::ActiveProcess*> admitted;
  for (std::size_t i = 0; i < prepared.size(); ++i) {
    auto& np = prepared[i];
    const std::string item = fmt::format("specs[{}]", i);
    if (!np) {
      results.push_back(item_error(np.error(), item));
      continue;
    }
    json::value reply;
    auto p = admit(std::move(*np), call.caller, out, brief ? nullptr : &reply);
    if (!p) {
      results.push_back(item_error(p.error(), item));
      continue;
    }
    results.push_back(brief ? item_ok_brief((*p)->process.processid) : item_ok(std::move(reply)));
    admitted.push_back(*p);
  }
  reply_after_commit(std::move(call.reply), call.msgtype, Outcome{json::object{{"results", std::move(results)}}, std::move(out)});
  // Offered only now, so every assignment commits after the submissions. A parked batch assign
  // may take several of them; dispatch() skips what is no longer queued.
  for (auto* p : admitted) dispatch(p);
}

void Broker::on_assign_batch(Call& call) {
  auto request = parse_assign(call.payload);
  if (!request) return call.reply(error_reply(request.error()));
  std::int64_t count = 0;
  if (auto s = FieldReader::of(call.payload).i64("count", count); !s) return call.reply(error_reply(s.error()));
  if (count < 1 || static_cast<std::uint64_t>(count) > options_.batch_limit) {
    return call.reply(error_reply(
        Error{ErrorCode::BadRequest, fmt::format("count must be 1 to {}, got {}", options_.batch_limit, count)}));
  }
  serve_assign(call, *request, static_cast<std::size_t>(count), true);
}

void Broker::on_close_batch(Call& call) {
  auto listed = batch_items(call.payload, "closes", options_.batch_limit);
  if (!listed) return call.reply(error_reply(listed.error()));
  auto brief_result = brief_flag(call.payload);
  if (!brief_result) return call.reply(error_reply(brief_result.error()));
  const bool brief = *brief_result;
  auto items = std::make_shared<std::vector<CloseItem>>();
  items->reserve(listed->size());
  std::set<std::string> seen;
  for (std::size_t i = 0; i < listed->size(); ++i) {
    CloseItem item = decode_close((*listed)[i], i);
    if (!item.error && !seen.insert(item.processid).second) {
      item.error = Error{ErrorCode::BadRequest,
                         fmt::format("closes[{}]: process {} is listed more than once", i, item.processid)};
    }
    items->push_back(std::move(item));
  }
  // Closes every item under the lock; `stored` answers the ids that were not active when looked
  // up (final or unknown processes, read from the store off the lock).
  using Stored = std::unordered_map<std::string, Result<std::optional<model::Process>>>;
  auto close_all = [this, items, brief, caller = call.caller](const Stored& stored) -> Result<Outcome> {
    // Each item's process as memory or the store knows it; the role rule (member of the
    // process's colony) is the request's, checked for every item before anything changes.
    std::vector<std::optional<Error>> refused;  // per item; none: active, to be closed below
    refused.reserve(items->size());
    for (const CloseItem& item : *items) {
      if (item.error) {
        refused.push_back(*item.error);
        continue;
      }
      if (scheduler::ActiveProcess* p = scheduler_.find(item.processid)) {
        COLONIES_CHECK(auth::require_member(registry_, caller, p->process.spec.conditions.colonyname));
        refused.push_back(std::nullopt);
        continue;
      }
      auto it = stored.find(item.processid);
      if (it == stored.end() || (it->second && !*it->second)) {
        refused.push_back(Error{ErrorCode::NotFound, fmt::format("process {} not found", item.processid)});
        continue;
      }
      if (!it->second) {
        refused.push_back(it->second.error());
        continue;
      }
      const model::Process& found = **it->second;
      COLONIES_CHECK(auth::require_member(registry_, caller, found.spec.conditions.colonyname));
      refused.push_back(closed_already(found, caller));
    }
    std::vector<Mutation> out;
    json::array results;
    results.reserve(items->size());
    for (std::size_t i = 0; i < items->size(); ++i) {
      CloseItem& item = (*items)[i];
      auto result = [&]() -> Result<model::Process> {
        if (refused[i]) return std::unexpected(*refused[i]);
        // Looked up again: closing an earlier item may have ended this one (its workflow failed).
        scheduler::ActiveProcess* p = scheduler_.find(item.processid);
        if (!p) return fail(ErrorCode::Conflict, "process {} ended while this batch was applied", item.processid);
        return close_active(p, caller, item.state, std::move(item.out), std::move(item.errors), out);
      }();
      if (!result) results.push_back(item_error(result.error()));
      else results.push_back(brief ? item_ok_brief(result->processid) : item_ok(model::to_json(*result)));
    }
    return Outcome{json::object{{"results", std::move(results)}}, std::move(out)};
  };
  std::vector<std::string> inactive;
  {
    std::lock_guard lock(mu_);
    for (const CloseItem& item : *items) {
      if (!item.error && !scheduler_.find(item.processid)) inactive.push_back(item.processid);
    }
    // The usual case, every process still RUNNING: no store read.
    if (inactive.empty()) return reply_after_commit(std::move(call.reply), call.msgtype, close_all({}));
  }
  blocking_([this, inactive = std::move(inactive), reply = std::move(call.reply), type = call.msgtype,
             close_all = std::move(close_all)]() mutable {
    Stored stored;
    for (const auto& id : inactive) stored.emplace(id, store_.get_process(id));
    std::lock_guard lock(mu_);
    reply_after_commit(std::move(reply), type, close_all(stored));
  });
}

}  // namespace colonies::server::api
