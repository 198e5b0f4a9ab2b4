// Handlers of ColonyFS metadata: file revisions, labels and snapshots. The server stores what a
// file is and where its bytes are (a backend and an object key), never the bytes and never
// storage credentials; clients move the bytes to and from the backend themselves. Every message
// is for approved members of the named colony (spec §2.3), checked before any store read.
#include <algorithm>

#include "core/protocol/messages.hpp"
#include "server/api/broker.hpp"
#include "server/api/validation.hpp"
#include "server/auth/roles.hpp"

namespace colonies::server::api {

using model::FieldReader;
using ports::Mutation;
namespace mutation = ports::mutation;

namespace {

constexpr std::int64_t kMaxFileSize = std::int64_t{1} << 50;  // 1 PiB: a size beyond this is a client bug

Result<std::string> label_field(const FieldReader& r, std::string_view key) {
  std::string label;
  COLONIES_CHECK(r.str(key, label));
  return model::normalize_label(label);
}

// Checks an added file and fills in what the server decides.
Status check_new_file(model::File& f) {
  if (f.colonyname.empty()) return fail(ErrorCode::BadRequest, "file.colonyname is required");
  COLONIES_TRY(label, model::normalize_label(f.label));
  f.label = std::move(label);
  COLONIES_CHECK(model::valid_file_name(f.name));
  if (f.size < 0 || f.size > kMaxFileSize) return fail(ErrorCode::BadRequest, "file.size {} is out of range", f.size);
  if (f.checksumalg.empty()) f.checksumalg = std::string(model::kChecksumAlg);
  if (f.checksumalg != model::kChecksumAlg) {
    return fail(ErrorCode::BadRequest, "file.checksumalg '{}' is not supported (only {})", f.checksumalg,
                model::kChecksumAlg);
  }
  if (!model::is_valid_sha256(f.checksum)) {
    return fail(ErrorCode::BadRequest, "file.checksum must be the SHA-256 of the bytes as 64 lowercase hex characters");
  }
  if (f.ref.protocol.empty()) return fail(ErrorCode::BadRequest, "file.ref.protocol is required (e.g. \"dir\")");
  if (f.ref.object.empty()) return fail(ErrorCode::BadRequest, "file.ref.s3object.object (the object key) is required");
  return ok();
}

// The target of getfilemsg / removefilemsg: a fileid, or a label and a name.
struct FileTarget {
  std::string colony;
  std::string fileid;
  std::string label;
  std::string name;
};

Result<FileTarget> file_target(const json::object& payload) {
  auto r = FieldReader::of(payload);
  FileTarget t;
  COLONIES_CHECK(r.str("colonyname", t.colony));
  COLONIES_CHECK(r.str("fileid", t.fileid));
  COLONIES_CHECK(r.str("name", t.name));
  std::string label;
  COLONIES_CHECK(r.str("label", label));
  if (!t.fileid.empty()) {
    if (!t.name.empty() || !label.empty()) {
      return fail(ErrorCode::BadRequest, "give either fileid or label and name, not both");
    }
    return t;
  }
  if (label.empty() || t.name.empty()) return fail(ErrorCode::BadRequest, "give a fileid, or a label and a name");
  COLONIES_TRY(normalized, model::normalize_label(label));
  t.label = std::move(normalized);
  COLONIES_CHECK(model::valid_file_name(t.name));
  return t;
}

// The target of getsnapshotmsg / removesnapshotmsg: a snapshotid or a name.
Result<std::pair<std::string, std::string>> snapshot_target(const FieldReader& r) {
  std::string id, name;
  COLONIES_CHECK(r.str("snapshotid", id));
  COLONIES_CHECK(r.str("name", name));
  if (id.empty() == name.empty()) return fail(ErrorCode::BadRequest, "give either a snapshotid or a name");
  return std::pair{id, name};
}

}  // namespace

template <class T>
void Broker::read_then_write(Call& call, std::function<Result<T>()> query, std::function<Result<Outcome>(T&)> apply) {
  blocking_([this, reply = std::move(call.reply), type = call.msgtype, query = std::move(query),
             apply = std::move(apply)]() mutable {
    Result<T> found = query();
    std::lock_guard lock(mu_);
    if (!found) return reply_after_commit(std::move(reply), type, std::unexpected(found.error()));
    reply_after_commit(std::move(reply), type, apply(*found));
  });
}

void Broker::on_add_file(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    const json::value* v = FieldReader::of(call.payload).find("file");
    if (!v) return fail(ErrorCode::BadRequest, "file is required");
    COLONIES_TRY(file, model::file_from_json(*v));
    COLONIES_CHECK(auth::require_member(registry_, call.caller, file.colonyname));
    COLONIES_CHECK(check_new_file(file));
    file.fileid = ids_.new_id();
    file.sequencenr = ++file_sequencenr_;
    file.added = now();
    json::value reply = model::to_json(file);
    return Outcome{std::move(reply), {mutation::AddFile{std::move(file)}}};
  });
}

void Broker::on_get_file(Call& call) {
  bool latest = false;
  auto target = [&]() -> Result<FileTarget> {
    COLONIES_TRY(t, file_target(call.payload));
    COLONIES_CHECK(FieldReader::of(call.payload).boolean("latest", latest));
    std::lock_guard lock(mu_);
    COLONIES_CHECK(auth::require_member(registry_, call.caller, t.colony));
    return t;
  }();
  if (!target) return call.reply(error_reply(target.error()));
  read(call, [this, t = *target, latest]() -> Result<json::value> {
    std::vector<model::File> files;
    if (!t.fileid.empty()) {
      COLONIES_TRY(found, store_.get_file(t.colony, t.fileid));
      if (!found) return fail(ErrorCode::NotFound, "file {} not found in colony '{}'", t.fileid, t.colony);
      files.push_back(std::move(*found));
    } else {
      COLONIES_TRY(revisions, store_.get_file_revisions(t.colony, t.label, t.name));
      if (revisions.empty()) {
        return fail(ErrorCode::NotFound, "no file '{}' under label '{}' in colony '{}'", t.name, t.label, t.colony);
      }
      if (latest) revisions.resize(1);
      files = std::move(revisions);
    }
    return json_list(files);
  });
}

void Broker::on_get_files(Call& call) {
  ports::FileQuery query;
  auto parsed = [&]() -> Status {
    auto r = FieldReader::of(call.payload);
    COLONIES_CHECK(r.str("colonyname", query.colonyname));
    COLONIES_TRY(label, label_field(r, "label"));
    query.label = std::move(label);
    COLONIES_CHECK(r.boolean("recursive", query.recursive));
    COLONIES_CHECK(r.boolean("allrevisions", query.all_revisions));
    std::lock_guard lock(mu_);
    return auth::require_member(registry_, call.caller, query.colonyname);
  }();
  if (!parsed) return call.reply(error_reply(parsed.error()));
  read(call, [this, query]() -> Result<json::value> {
    COLONIES_TRY(files, store_.list_files(query));
    return json_list(files);
  });
}

void Broker::on_get_file_labels(Call& call) {
  std::string colony, label;
  bool exact = false;
  auto parsed = [&]() -> Status {
    auto r = FieldReader::of(call.payload);
    COLONIES_CHECK(r.str("colonyname", colony));
    COLONIES_CHECK(r.str("name", label));
    COLONIES_CHECK(r.boolean("exact", exact));
    if (!label.empty()) {
      COLONIES_TRY(normalized, model::normalize_label(label));
      label = std::move(normalized);
    }
    std::lock_guard lock(mu_);
    return auth::require_member(registry_, call.caller, colony);
  }();
  if (!parsed) return call.reply(error_reply(parsed.error()));
  read(call, [this, colony, label, exact]() -> Result<json::value> {
    COLONIES_TRY(labels, store_.list_labels(colony, label, exact));
    return json_list(labels);
  });
}

void Broker::on_remove_file(Call& call) {
  auto target = [&]() -> Result<FileTarget> {
    COLONIES_TRY(t, file_target(call.payload));
    std::lock_guard lock(mu_);
    COLONIES_CHECK(auth::require_member(registry_, call.caller, t.colony));
    return t;
  }();
  if (!target) return call.reply(error_reply(target.error()));
  // Found first, so that removing nothing is a 404 rather than a silent success.
  read_then_write<std::size_t>(
      call,
      [this, t = *target]() -> Result<std::size_t> {
        if (!t.fileid.empty()) {
          COLONIES_TRY(found, store_.get_file(t.colony, t.fileid));
          if (!found) return fail(ErrorCode::NotFound, "file {} not found in colony '{}'", t.fileid, t.colony);
          return std::size_t{1};
        }
        COLONIES_TRY(revisions, store_.get_file_revisions(t.colony, t.label, t.name));
        if (revisions.empty()) {
          return fail(ErrorCode::NotFound, "no file '{}' under label '{}' in colony '{}'", t.name, t.label, t.colony);
        }
        return revisions.size();
      },
      [this, t = *target, caller = call.caller](std::size_t& revisions) -> Result<Outcome> {
        COLONIES_CHECK(auth::require_member(registry_, caller, t.colony));
        json::object reply{{"revisions", static_cast<std::int64_t>(revisions)}};
        if (!t.fileid.empty()) return Outcome{std::move(reply), {mutation::RemoveFile{t.colony, t.fileid}}};
        return Outcome{std::move(reply), {mutation::RemoveFileRevisions{t.colony, t.label, t.name}}};
      });
}

void Broker::on_create_snapshot(Call& call) {
  std::string colony, label, name;
  auto parsed = [&]() -> Status {
    auto r = FieldReader::of(call.payload);
    COLONIES_CHECK(r.str("colonyname", colony));
    COLONIES_TRY(normalized, label_field(r, "label"));
    label = std::move(normalized);
    COLONIES_CHECK(r.str("name", name));
    COLONIES_CHECK(valid_name("snapshot", name));
    std::lock_guard lock(mu_);
    COLONIES_CHECK(auth::require_member(registry_, call.caller, colony));
    if (snapshot_names_[colony].contains(name)) {
      return fail(ErrorCode::Conflict, "a snapshot named '{}' already exists in colony '{}'", name, colony);
    }
    return ok();
  }();
  if (!parsed) return call.reply(error_reply(parsed.error()));
  read_then_write<std::vector<model::File>>(
      call,
      [this, colony, label]() -> Result<std::vector<model::File>> {
        return store_.list_files(ports::FileQuery{colony, label, /*recursive=*/true, /*all_revisions=*/false});
      },
      [this, colony, label, name, caller = call.caller](std::vector<model::File>& files) -> Result<Outcome> {
        COLONIES_CHECK(auth::require_member(registry_, caller, colony));
        if (files.empty()) {
          return fail(ErrorCode::NotFound, "label '{}' of colony '{}' holds no files to snapshot", label, colony);
        }
        // Checked again under the lock: another create of the same name may have won meanwhile.
        auto& names = snapshot_names_[colony];
        if (names.contains(name)) {
          return fail(ErrorCode::Conflict, "a snapshot named '{}' already exists in colony '{}'", name, colony);
        }
        model::Snapshot s{ids_.new_id(), colony, label, name, {}, std::move(files), now()};
        for (const auto& f : s.files) s.fileids.push_back(f.fileid);
        names[name] = s.snapshotid;
        json::value reply = model::to_json(s);
        return Outcome{std::move(reply), {mutation::PutSnapshot{std::move(s)}}};
      });
}

void Broker::on_get_snapshot(Call& call) {
  std::string colony;
  auto target = [&]() -> Result<std::pair<std::string, std::string>> {
    auto r = FieldReader::of(call.payload);
    COLONIES_CHECK(r.str("colonyname", colony));
    COLONIES_TRY(t, snapshot_target(r));
    std::lock_guard lock(mu_);
    COLONIES_CHECK(auth::require_member(registry_, call.caller, colony));
    return t;
  }();
  if (!target) return call.reply(error_reply(target.error()));
  read(call, [this, colony, t = *target]() -> Result<json::value> {
    const auto& [id, name] = t;
    COLONIES_TRY(found, id.empty() ? store_.get_snapshot_by_name(colony, name) : store_.get_snapshot(colony, id));
    if (!found) {
      return fail(ErrorCode::NotFound, "snapshot '{}' not found in colony '{}'", id.empty() ? name : id, colony);
    }
    return model::to_json(*found);
  });
}

void Broker::on_get_snapshots(Call& call) {
  std::string colony;
  auto parsed = [&]() -> Status {
    COLONIES_CHECK(FieldReader::of(call.payload).str("colonyname", colony));
    std::lock_guard lock(mu_);
    return auth::require_member(registry_, call.caller, colony);
  }();
  if (!parsed) return call.reply(error_reply(parsed.error()));
  read(call, [this, colony]() -> Result<json::value> {
    COLONIES_TRY(snapshots, store_.list_snapshots(colony));
    return json_list(snapshots);
  });
}

void Broker::on_remove_snapshot(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    auto r = FieldReader::of(call.payload);
    std::string colony;
    COLONIES_CHECK(r.str("colonyname", colony));
    COLONIES_TRY(t, snapshot_target(r));
    COLONIES_CHECK(auth::require_member(registry_, call.caller, colony));
    const auto& [id, name] = t;
    auto& names = snapshot_names_[colony];
    auto it = id.empty() ? names.find(name)
                         : std::find_if(names.begin(), names.end(), [&](const auto& e) { return e.second == id; });
    if (it == names.end()) {
      return fail(ErrorCode::NotFound, "snapshot '{}' not found in colony '{}'", id.empty() ? name : id, colony);
    }
    std::string snapshotid = it->second;
    names.erase(it);
    return Outcome{json::object{}, {mutation::RemoveSnapshot{colony, std::move(snapshotid)}}};
  });
}

void Broker::on_remove_all_snapshots(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    std::string colony;
    COLONIES_CHECK(FieldReader::of(call.payload).str("colonyname", colony));
    COLONIES_CHECK(auth::require_member(registry_, call.caller, colony));
    auto removed = static_cast<std::int64_t>(snapshot_names_[colony].size());
    snapshot_names_.erase(colony);
    return Outcome{json::object{{"removed", removed}}, {mutation::RemoveSnapshots{colony}}};
  });
}

}  // namespace colonies::server::api
