// The sync plan (pure) and its execution against a Client and a BlobStore.
#include "client/file_sync.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "adapters/blob/directory_blob_store.hpp"
#include "adapters/blob/sha256.hpp"

namespace colonies::client {

namespace fs = std::filesystem;

namespace {

// A remote file's label and name become local paths: refuse any that could climb out of the
// directory, whatever the server sent.
Status safe_remote(const model::File& f) {
  auto label = model::normalize_label(f.label);
  if (!label || *label != f.label || !model::valid_file_name(f.name)) {
    return fail(ErrorCode::Internal, "the server sent a file with an unusable label or name: '{}' '{}'", f.label, f.name);
  }
  return ok();
}

}  // namespace

Result<std::pair<std::string, std::string>> label_and_name(const std::string& root_label, const std::string& path) {
  const auto slash = path.rfind('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  std::string sub = slash == std::string::npos ? "" : path.substr(0, slash);
  if (auto valid = model::valid_file_name(name); !valid) {
    return fail(ErrorCode::BadRequest, "{}: {}", path, valid.error().message);
  }
  std::string joined = sub.empty() ? root_label : (root_label == "/" ? "/" + sub : root_label + "/" + sub);
  auto label = model::normalize_label(joined);
  if (!label) return fail(ErrorCode::BadRequest, "{}: cannot be a label: {}", path, label.error().message);
  return std::pair{std::move(*label), std::move(name)};
}

std::string path_under(const std::string& root_label, const model::File& file) {
  std::string sub = model::label_relative(file.label, root_label);
  return sub.empty() ? file.name : sub + "/" + file.name;
}

Result<SyncPlan> compute_sync_plan(const std::string& label, const std::vector<LocalFile>& local,
                                   const std::vector<model::File>& remote, bool keeplocal) {
  COLONIES_TRY(root, model::normalize_label(label));
  SyncPlan plan;
  plan.label = root;
  plan.keeplocal = keeplocal;
  std::map<std::string, const model::File*> remote_by_path;
  for (const auto& f : remote) {
    COLONIES_CHECK(safe_remote(f));
    if (!model::label_within(f.label, root)) continue;  // not ours to sync
    // The latest revision wins if a listing holds several.
    auto [it, inserted] = remote_by_path.emplace(path_under(root, f), &f);
    if (!inserted && f.sequencenr > it->second->sequencenr) it->second = &f;
  }
  for (const auto& l : local) {
    COLONIES_TRY(target, label_and_name(root, l.path));
    SyncItem item{l.path, target.first, target.second, l.checksum, "", l.size, {}};
    auto r = remote_by_path.find(l.path);
    if (r == remote_by_path.end()) {
      plan.upload.push_back(std::move(item));
      continue;
    }
    const model::File& f = *r->second;
    remote_by_path.erase(r);
    if (f.checksum == l.checksum) {
      ++plan.unchanged;
      continue;
    }
    item.remote_checksum = f.checksum;
    item.remote = f;
    if (!keeplocal) item.size = f.size;
    plan.conflicts.push_back(std::move(item));
  }
  for (const auto& [path, f] : remote_by_path) {
    plan.download.push_back(SyncItem{path, f->label, f->name, "", f->checksum, f->size, *f});
  }
  return plan;
}

Result<std::vector<LocalFile>> scan_directory(const fs::path& dir) {
  std::vector<LocalFile> out;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return out;
  if (!fs::is_directory(dir, ec)) return fail(ErrorCode::BadRequest, "{} is not a directory", dir.string());
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    if (it->path().filename().string().starts_with(blob::kTempPrefix)) continue;
    std::string path = fs::relative(it->path(), dir).generic_string();
    COLONIES_TRY(checksum, blob::sha256_file(it->path()));
    out.push_back(LocalFile{std::move(path), std::move(checksum), static_cast<std::int64_t>(it->file_size())});
  }
  if (ec) return fail(ErrorCode::Unavailable, "cannot read directory {}: {}", dir.string(), ec.message());
  std::sort(out.begin(), out.end(), [](const LocalFile& a, const LocalFile& b) { return a.path < b.path; });
  return out;
}

std::vector<std::string> describe(const SyncPlan& plan) {
  std::vector<std::string> lines;
  for (const auto& i : plan.upload) lines.push_back(fmt::format("upload    {} -> {} ({} bytes)", i.path, i.label, i.size));
  for (const auto& i : plan.download) {
    lines.push_back(fmt::format("download  {} <- {} ({} bytes)", i.path, i.label, i.size));
  }
  for (const auto& i : plan.conflicts) {
    lines.push_back(plan.keeplocal
                        ? fmt::format("conflict  {}: differs on both sides, keeping local (upload to {})", i.path, i.label)
                        : fmt::format("conflict  {}: differs on both sides, keeping remote (download from {})", i.path,
                                      i.label));
  }
  return lines;
}

FileSync::FileSync(Client& client, ports::BlobStore& blobs, std::string colonyname)
    : client_(client), blobs_(blobs), colony_(std::move(colonyname)) {}

Result<SyncPlan> FileSync::plan(const std::string& label, const fs::path& dir, bool keeplocal) {
  COLONIES_TRY(root, model::normalize_label(label));
  COLONIES_TRY(local, scan_directory(dir));
  COLONIES_TRY(remote, client_.get_files(colony_, root, /*recursive=*/true));
  COLONIES_TRY(plan, compute_sync_plan(root, local, remote, keeplocal));
  plan.dir = dir;
  return plan;
}

Result<model::File> FileSync::upload(const fs::path& local, const std::string& label, const std::string& name) {
  COLONIES_TRY(blob, blobs_.put(local));
  model::File f;
  f.colonyname = colony_;
  f.label = label;
  f.name = name;
  f.size = blob.size;
  f.checksum = blob.key;
  f.ref = model::FileRef{blobs_.protocol(), "", blob.key};
  return client_.add_file(f);
}

Status FileSync::download(const model::File& file, const fs::path& destination) {
  if (file.ref.protocol != blobs_.protocol()) {
    return fail(ErrorCode::BadRequest, "file {} ({}/{}) is stored in a '{}' backend; this client uses '{}'",
                file.fileid, file.label, file.name, file.ref.protocol, blobs_.protocol());
  }
  // The key is the content address; a ref that disagrees with the checksum would let bytes in
  // that nobody vouched for.
  if (file.ref.object != file.checksum) {
    return fail(ErrorCode::Conflict, "file {} ({}/{}): its object key does not match its checksum", file.fileid,
                file.label, file.name);
  }
  auto got = blobs_.get(file.ref.object, destination);
  if (!got) {
    return fail(got.error().code, "{}/{} (file {}): {}", file.label, file.name, file.fileid, got.error().message);
  }
  return ok();
}

Result<SyncStats> FileSync::execute(const SyncPlan& plan) {
  SyncStats stats;
  auto up = [&](const SyncItem& i) -> Status {
    COLONIES_CHECK(upload(plan.dir / i.path, i.label, i.name));
    ++stats.uploaded;
    return ok();
  };
  auto down = [&](const SyncItem& i) -> Status {
    COLONIES_CHECK(download(i.remote, plan.dir / i.path));
    ++stats.downloaded;
    return ok();
  };
  for (const auto& i : plan.upload) COLONIES_CHECK(up(i));
  for (const auto& i : plan.download) COLONIES_CHECK(down(i));
  for (const auto& i : plan.conflicts) COLONIES_CHECK(plan.keeplocal ? up(i) : down(i));
  return stats;
}

Result<int> FileSync::download_snapshot(const model::Snapshot& snapshot, const fs::path& dir) {
  if (snapshot.files.size() != snapshot.fileids.size()) {
    return fail(ErrorCode::Internal, "snapshot {} lists {} file IDs but carries {} files", snapshot.name,
                snapshot.fileids.size(), snapshot.files.size());
  }
  int n = 0;
  for (const auto& f : snapshot.files) {
    COLONIES_CHECK(safe_remote(f));
    if (!model::label_within(f.label, snapshot.label)) {
      return fail(ErrorCode::Internal, "snapshot {}: file {} is outside its label {}", snapshot.name, f.fileid,
                  snapshot.label);
    }
    COLONIES_CHECK(download(f, dir / path_under(snapshot.label, f)));
    ++n;
  }
  return n;
}

}  // namespace colonies::client
