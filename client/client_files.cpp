// Client calls about ColonyFS metadata: file revisions, labels and snapshots. Bytes never pass
// through here; see file_sync.hpp.
#include "client/client.hpp"
#include "client/reply_decoding.hpp"
#include "core/protocol/messages.hpp"

namespace colonies::client {

namespace msg = protocol::msg;
using detail::decode_list;
using detail::decode_one;

namespace {

Result<std::int64_t> int_field(std::string_view msgtype, const json::value& reply, std::string_view key) {
  const json::value* v = reply.is_object() ? reply.as_object().if_contains(key) : nullptr;
  if (!v || !v->is_int64()) {
    return std::unexpected(Error{ErrorCode::Internal, fmt::format("malformed reply to {}: no integer {}", msgtype, key)});
  }
  return v->as_int64();
}

}  // namespace

Result<model::File> Client::add_file(const model::File& file) {
  COLONIES_TRY(reply, call(msg::kAddFile, {{"file", model::to_json(file)}}));
  return decode_one(msg::kAddFile, reply, model::file_from_json, "file");
}

Result<model::File> Client::get_file(const std::string& colonyname, const std::string& fileid) {
  COLONIES_TRY(reply, call(msg::kGetFile, {{"colonyname", colonyname}, {"fileid", fileid}}));
  COLONIES_TRY(files, decode_list(msg::kGetFile, reply, model::file_from_json, "files"));
  if (files.size() != 1) {
    return fail(ErrorCode::Internal, "malformed reply to {}: {} files for one fileid", msg::kGetFile, files.size());
  }
  return std::move(files.front());
}

Result<std::vector<model::File>> Client::get_file_revisions(const std::string& colonyname, const std::string& label,
                                                            const std::string& name, bool latest) {
  COLONIES_TRY(reply, call(msg::kGetFile,
                           {{"colonyname", colonyname}, {"label", label}, {"name", name}, {"latest", latest}}));
  return decode_list(msg::kGetFile, reply, model::file_from_json, "files");
}

Result<std::vector<model::File>> Client::get_files(const std::string& colonyname, const std::string& label,
                                                   bool recursive, bool all_revisions) {
  COLONIES_TRY(reply, call(msg::kGetFiles, {{"colonyname", colonyname},
                                            {"label", label},
                                            {"recursive", recursive},
                                            {"allrevisions", all_revisions}}));
  return decode_list(msg::kGetFiles, reply, model::file_from_json, "files");
}

Result<std::vector<model::Label>> Client::get_file_labels(const std::string& colonyname, const std::string& label,
                                                          bool exact) {
  COLONIES_TRY(reply, call(msg::kGetFileLabels, {{"colonyname", colonyname}, {"name", label}, {"exact", exact}}));
  return decode_list(msg::kGetFileLabels, reply, model::label_from_json, "labels");
}

Result<std::int64_t> Client::remove_file(const std::string& colonyname, const std::string& fileid) {
  COLONIES_TRY(reply, call(msg::kRemoveFile, {{"colonyname", colonyname}, {"fileid", fileid}}));
  return int_field(msg::kRemoveFile, reply, "revisions");
}

Result<std::int64_t> Client::remove_file_revisions(const std::string& colonyname, const std::string& label,
                                                   const std::string& name) {
  COLONIES_TRY(reply, call(msg::kRemoveFile, {{"colonyname", colonyname}, {"label", label}, {"name", name}}));
  return int_field(msg::kRemoveFile, reply, "revisions");
}

Result<model::Snapshot> Client::create_snapshot(const std::string& colonyname, const std::string& label,
                                                const std::string& name) {
  COLONIES_TRY(reply, call(msg::kCreateSnapshot, {{"colonyname", colonyname}, {"label", label}, {"name", name}}));
  return decode_one(msg::kCreateSnapshot, reply, model::snapshot_from_json, "snapshot");
}

Result<model::Snapshot> Client::get_snapshot(const std::string& colonyname, const std::string& snapshotid) {
  COLONIES_TRY(reply, call(msg::kGetSnapshot, {{"colonyname", colonyname}, {"snapshotid", snapshotid}}));
  return decode_one(msg::kGetSnapshot, reply, model::snapshot_from_json, "snapshot");
}

Result<model::Snapshot> Client::get_snapshot_by_name(const std::string& colonyname, const std::string& name) {
  COLONIES_TRY(reply, call(msg::kGetSnapshot, {{"colonyname", colonyname}, {"name", name}}));
  return decode_one(msg::kGetSnapshot, reply, model::snapshot_from_json, "snapshot");
}

Result<std::vector<model::Snapshot>> Client::get_snapshots(const std::string& colonyname) {
  COLONIES_TRY(reply, call(msg::kGetSnapshots, {{"colonyname", colonyname}}));
  return decode_list(msg::kGetSnapshots, reply, model::snapshot_from_json, "snapshots");
}

Status Client::remove_snapshot(const std::string& colonyname, const std::string& snapshotid) {
  COLONIES_CHECK(call(msg::kRemoveSnapshot, {{"colonyname", colonyname}, {"snapshotid", snapshotid}}));
  return ok();
}

Status Client::remove_snapshot_by_name(const std::string& colonyname, const std::string& name) {
  COLONIES_CHECK(call(msg::kRemoveSnapshot, {{"colonyname", colonyname}, {"name", name}}));
  return ok();
}

Result<std::int64_t> Client::remove_all_snapshots(const std::string& colonyname) {
  COLONIES_TRY(reply, call(msg::kRemoveAllSnapshots, {{"colonyname", colonyname}}));
  return int_field(msg::kRemoveAllSnapshots, reply, "removed");
}

}  // namespace colonies::client
