// JSON codecs and name rules of the ColonyFS metadata (files.hpp).
#include "core/model/files.hpp"

namespace colonies::model {

namespace {

constexpr std::size_t kMaxLabel = 1024;
constexpr std::size_t kMaxFileName = 255;

bool has_control(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

template <class T, class Decode>
Status read_list(const FieldReader& r, std::string_view key, std::vector<T>& out, Decode decode) {
  const json::value* v = r.find(key);
  if (!v) return ok();
  if (!v->is_array()) return fail(ErrorCode::BadRequest, "{} must be an array", r.path_of(key));
  const auto& array = v->get_array();
  for (std::size_t i = 0; i < array.size(); ++i) {
    COLONIES_TRY(item, decode(array[i], fmt::format("{}[{}]", r.path_of(key), i)));
    out.push_back(std::move(item));
  }
  return ok();
}

}  // namespace

json::object to_json(const FileRef& r) {
  return {{"protocol", r.protocol}, {"s3object", json::object{{"bucket", r.bucket}, {"object", r.object}}}};
}

Result<FileRef> file_ref_from_json(const json::value& v, const std::string& path) {
  FileRef ref;
  COLONIES_TRY(r, FieldReader::of(v, path));
  COLONIES_CHECK(r.str("protocol", ref.protocol));
  if (const json::value* s3 = r.find("s3object")) {
    COLONIES_TRY(o, FieldReader::of(*s3, r.path_of("s3object")));
    // Fail closed on secrets: the server stores metadata for every member to read, so a
    // credential sent here would leak to all of them (spec §14, the original's security note).
    for (std::string_view secret : {"accesskey", "secretkey", "encryptionkey"}) {
      std::string value;
      COLONIES_CHECK(o.str(secret, value));
      if (!value.empty()) {
        return fail(ErrorCode::BadRequest,
                    "{}: storage credentials are never sent to the server; configure them on the client",
                    o.path_of(secret));
      }
    }
    COLONIES_CHECK(o.str("bucket", ref.bucket));
    COLONIES_CHECK(o.str("object", ref.object));
  }
  return ref;
}

json::object to_json(const File& f) {
  return {{"fileid", f.fileid},       {"colonyname", f.colonyname}, {"label", f.label},
          {"name", f.name},           {"size", f.size},             {"sequencenr", f.sequencenr},
          {"checksum", f.checksum},   {"checksumalg", f.checksumalg}, {"ref", to_json(f.ref)},
          {"added", format_time(f.added)}};
}

Result<File> file_from_json(const json::value& v, const std::string& path) {
  File f;
  COLONIES_TRY(r, FieldReader::of(v, path));
  COLONIES_CHECK(r.str("fileid", f.fileid));
  COLONIES_CHECK(r.str("colonyname", f.colonyname));
  COLONIES_CHECK(r.str("label", f.label));
  COLONIES_CHECK(r.str("name", f.name));
  COLONIES_CHECK(r.i64("size", f.size));
  COLONIES_CHECK(r.i64("sequencenr", f.sequencenr));
  COLONIES_CHECK(r.str("checksum", f.checksum));
  COLONIES_CHECK(r.str("checksumalg", f.checksumalg));
  if (const json::value* ref = r.find("ref")) {
    COLONIES_TRY(decoded, file_ref_from_json(*ref, r.path_of("ref")));
    f.ref = std::move(decoded);
  }
  COLONIES_CHECK(r.time("added", f.added));
  return f;
}

json::object to_json(const Snapshot& s) {
  json::array files;
  files.reserve(s.files.size());
  for (const auto& f : s.files) files.push_back(to_json(f));
  return {{"snapshotid", s.snapshotid}, {"colonyname", s.colonyname},       {"label", s.label},
          {"name", s.name},             {"fileids", to_json_array(s.fileids)}, {"files", std::move(files)},
          {"added", format_time(s.added)}};
}

Result<Snapshot> snapshot_from_json(const json::value& v, const std::string& path) {
  Snapshot s;
  COLONIES_TRY(r, FieldReader::of(v, path));
  COLONIES_CHECK(r.str("snapshotid", s.snapshotid));
  COLONIES_CHECK(r.str("colonyname", s.colonyname));
  COLONIES_CHECK(r.str("label", s.label));
  COLONIES_CHECK(r.str("name", s.name));
  COLONIES_CHECK(r.strings("fileids", s.fileids));
  COLONIES_CHECK(read_list(r, "files", s.files, [](const json::value& item, const std::string& p) {
    return file_from_json(item, p);
  }));
  COLONIES_CHECK(r.time("added", s.added));
  return s;
}

json::object to_json(const Label& l) { return {{"name", l.name}, {"files", l.files}}; }

Result<Label> label_from_json(const json::value& v, const std::string& path) {
  Label l;
  COLONIES_TRY(r, FieldReader::of(v, path));
  COLONIES_CHECK(r.str("name", l.name));
  COLONIES_CHECK(r.i64("files", l.files));
  return l;
}

json::object to_json(const Filesystem& fs) {
  json::array snapshots, dirs;
  for (const auto& s : fs.snapshots) {
    snapshots.push_back(json::object{{"snapshotid", s.snapshotid},
                                     {"label", s.label},
                                     {"dir", s.dir},
                                     {"keepfiles", s.keepfiles},
                                     {"keepsnapshot", s.keepsnapshot}});
  }
  for (const auto& d : fs.dirs) {
    dirs.push_back(json::object{
        {"label", d.label},
        {"dir", d.dir},
        {"keepfiles", d.keepfiles},
        {"onconflicts", json::object{{"onstart", json::object{{"keeplocal", d.onstart_keeplocal}}},
                                     {"onclose", json::object{{"keeplocal", d.onclose_keeplocal}}}}}});
  }
  return {{"mount", fs.mount}, {"snapshots", std::move(snapshots)}, {"dirs", std::move(dirs)}};
}

namespace {

Result<SnapshotMount> snapshot_mount_from_json(const json::value& v, const std::string& path) {
  SnapshotMount m;
  COLONIES_TRY(r, FieldReader::of(v, path));
  COLONIES_CHECK(r.str("snapshotid", m.snapshotid));
  COLONIES_CHECK(r.str("label", m.label));
  COLONIES_CHECK(r.str("dir", m.dir));
  COLONIES_CHECK(r.boolean("keepfiles", m.keepfiles));
  COLONIES_CHECK(r.boolean("keepsnapshot", m.keepsnapshot));
  if (m.snapshotid.empty()) return fail(ErrorCode::BadRequest, "{}.snapshotid is required", path);
  return m;
}

Status read_keeplocal(const FieldReader& conflicts, std::string_view phase, bool& out) {
  const json::value* v = conflicts.find(phase);
  if (!v) return ok();
  COLONIES_TRY(r, FieldReader::of(*v, conflicts.path_of(phase)));
  return r.boolean("keeplocal", out);
}

Result<SyncDirMount> sync_dir_from_json(const json::value& v, const std::string& path) {
  SyncDirMount m;
  COLONIES_TRY(r, FieldReader::of(v, path));
  COLONIES_CHECK(r.str("label", m.label));
  COLONIES_CHECK(r.str("dir", m.dir));
  COLONIES_CHECK(r.boolean("keepfiles", m.keepfiles));
  if (const json::value* c = r.find("onconflicts")) {
    COLONIES_TRY(conflicts, FieldReader::of(*c, r.path_of("onconflicts")));
    COLONIES_CHECK(read_keeplocal(conflicts, "onstart", m.onstart_keeplocal));
    COLONIES_CHECK(read_keeplocal(conflicts, "onclose", m.onclose_keeplocal));
  }
  auto label = normalize_label(m.label);
  if (!label) return fail(ErrorCode::BadRequest, "{}.label: {}", path, label.error().message);
  m.label = std::move(*label);
  return m;
}

}  // namespace

Result<Filesystem> filesystem_from_json(const json::value& v, const std::string& path) {
  Filesystem fs;
  if (v.is_null()) return fs;
  COLONIES_TRY(r, FieldReader::of(v, path));
  COLONIES_CHECK(r.str("mount", fs.mount));
  COLONIES_CHECK(read_list(r, "snapshots", fs.snapshots, snapshot_mount_from_json));
  COLONIES_CHECK(read_list(r, "dirs", fs.dirs, sync_dir_from_json));
  return fs;
}

Result<std::string> normalize_label(std::string_view label) {
  if (label.empty()) return fail(ErrorCode::BadRequest, "label is required (a path such as /data/input)");
  if (label.size() > kMaxLabel) return fail(ErrorCode::BadRequest, "label is longer than {} bytes", kMaxLabel);
  if (has_control(label)) return fail(ErrorCode::BadRequest, "label '{}' contains control characters", label);
  std::string_view rest = label;
  if (rest.front() == '/') rest.remove_prefix(1);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);  // one trailing '/' is tolerated
  std::string out = "/";
  while (!rest.empty()) {
    const std::size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    if (segment.empty()) return fail(ErrorCode::BadRequest, "label '{}' has an empty segment ('//')", label);
    if (segment == "." || segment == "..") {
      return fail(ErrorCode::BadRequest, "label '{}' may not contain '.' or '..' segments", label);
    }
    if (out.size() > 1) out += '/';
    out += segment;
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
    if (rest.empty()) return fail(ErrorCode::BadRequest, "label '{}' has an empty segment ('//')", label);
  }
  return out;
}

bool label_within(std::string_view label, std::string_view root) {
  if (root == "/") return !label.empty() && label.front() == '/';
  if (label == root) return true;
  return label.size() > root.size() && label.starts_with(root) && label[root.size()] == '/';
}

std::string label_relative(std::string_view label, std::string_view root) {
  if (label == root) return "";
  if (root == "/") return std::string(label.substr(1));
  return std::string(label.substr(root.size() + 1));
}

Status valid_file_name(std::string_view name) {
  if (name.empty()) return fail(ErrorCode::BadRequest, "file name is required");
  if (name.size() > kMaxFileName) return fail(ErrorCode::BadRequest, "file name is longer than {} bytes", kMaxFileName);
  if (name == "." || name == "..") return fail(ErrorCode::BadRequest, "file name may not be '{}'", name);
  if (name.find('/') != std::string_view::npos) {
    return fail(ErrorCode::BadRequest, "file name '{}' may not contain '/' (sub-directories are sub-labels)", name);
  }
  if (has_control(name)) return fail(ErrorCode::BadRequest, "file name '{}' contains control characters", name);
  return ok();
}

bool is_valid_sha256(std::string_view checksum) {
  if (checksum.size() != 64) return false;
  for (char c : checksum) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace colonies::model
