// The durable spool (see spool.hpp): JSON codecs of its files and the crash-safe file handling.
#include "executors/common/spool.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

namespace colonies::executors {

namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kFormatVersion = 1;
constexpr std::string_view kCloses = "closes";
constexpr std::string_view kJobs = "jobs";
constexpr std::string_view kAside = "aside";

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string errno_text(int error) { return std::strerror(error); }

// Process IDs name files: only characters that cannot walk out of the directory or hide a file.
Status check_file_name(std::string_view processid) {
  if (processid.empty() || processid.size() > 200) {
    return fail(ErrorCode::BadRequest, "process ID '{}' cannot name a spool file (1 to 200 characters)", processid);
  }
  for (char c : processid) {
    const bool fine =
        (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
    if (!fine) {
      return fail(ErrorCode::BadRequest, "process ID '{}' cannot name a spool file (letters, digits, - and _ only)",
                  processid);
    }
  }
  return ok();
}

Result<json::object> versioned_object(std::string_view text) {
  COLONIES_TRY(value, model::parse_json(text));
  if (!value.is_object()) return fail(ErrorCode::BadRequest, "not a JSON object");
  auto& object = value.as_object();
  auto r = model::FieldReader::of(object);
  std::int64_t version = 0;
  COLONIES_CHECK(r.i64("version", version));
  if (version != kFormatVersion) {
    return fail(ErrorCode::BadRequest, "format version {} is not {} (written by another release?)", version,
                kFormatVersion);
  }
  return std::move(object);
}

Status require_processid(const model::FieldReader& r, std::string& processid) {
  COLONIES_CHECK(r.str("processid", processid));
  if (processid.empty()) return fail(ErrorCode::BadRequest, "processid is missing");
  return check_file_name(processid);
}

// fsync of a directory makes a rename in it durable.
Status sync_directory(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return fail(ErrorCode::Internal, "cannot open spool directory {}: {}", dir.string(), errno_text(errno));
  int rc = ::fsync(fd);
  int error = errno;
  ::close(fd);
  if (rc != 0) return fail(ErrorCode::Internal, "cannot sync spool directory {}: {}", dir.string(), errno_text(error));
  return ok();
}

}  // namespace

std::string encode_close(const SpooledClose& close) {
  json::object o;
  o["version"] = kFormatVersion;
  o["processid"] = close.processid;
  o["success"] = close.success;
  o["out"] = close.out;
  o["errors"] = model::to_json_array(close.errors);
  o["logs"] = model::to_json_array(close.logs);
  o["spooledat"] = close.spooled_at;
  return json::serialize(o);
}

Result<SpooledClose> decode_close(std::string_view text) {
  COLONIES_TRY(object, versioned_object(text));
  auto r = model::FieldReader::of(object);
  SpooledClose close;
  COLONIES_CHECK(require_processid(r, close.processid));
  if (!r.find("success")) return fail(ErrorCode::BadRequest, "success is missing");
  COLONIES_CHECK(r.boolean("success", close.success));
  COLONIES_CHECK(r.array("out", close.out));
  COLONIES_CHECK(r.strings("errors", close.errors));
  COLONIES_CHECK(r.strings("logs", close.logs));
  COLONIES_CHECK(r.i64("spooledat", close.spooled_at));
  return close;
}

std::string encode_job(const JournaledJob& job) {
  json::object o;
  o["version"] = kFormatVersion;
  o["processid"] = job.processid;
  o["backend"] = job.backend;
  o["token"] = job.token;
  o["startedat"] = job.started_at;
  return json::serialize(o);
}

Result<JournaledJob> decode_job(std::string_view text) {
  COLONIES_TRY(object, versioned_object(text));
  auto r = model::FieldReader::of(object);
  JournaledJob job;
  COLONIES_CHECK(require_processid(r, job.processid));
  COLONIES_CHECK(r.str("backend", job.backend));
  if (job.backend.empty()) return fail(ErrorCode::BadRequest, "backend is missing");
  COLONIES_CHECK(r.str("token", job.token));
  COLONIES_CHECK(r.i64("startedat", job.started_at));
  return job;
}

fs::path default_spool_dir(std::string_view executor_name) {
  const std::string name(executor_name.empty() ? "executor" : executor_name);
  if (const char* state = std::getenv("XDG_STATE_HOME"); state && *state == '/') {
    return fs::path(state) / "colonies" / name / "spool";
  }
  if (const char* home = std::getenv("HOME"); home && *home == '/') {
    return fs::path(home) / ".local" / "state" / "colonies" / name / "spool";
  }
  return fs::temp_directory_path() / ("colonies-" + name + "-spool");
}

Result<Spool> Spool::open(fs::path dir) {
  if (dir.empty()) return fail(ErrorCode::BadRequest, "no spool directory given (--spool-dir)");
  for (const fs::path& d : {dir, dir / kCloses, dir / kJobs, dir / kAside}) {
    std::error_code ec;
    fs::create_directories(d, ec);
    if (ec) {
      return fail(ErrorCode::BadRequest, "cannot create spool directory {}: {} (set --spool-dir)", d.string(),
                  ec.message());
    }
    fs::permissions(d, fs::perms::owner_all, fs::perm_options::replace, ec);
    if (ec) {
      return fail(ErrorCode::BadRequest, "cannot restrict spool directory {} to its owner: {}", d.string(),
                  ec.message());
    }
  }
  // Fail at start rather than at the first close: the directory must be writable.
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return fail(ErrorCode::BadRequest, "spool directory {} is not writable: {} (set --spool-dir)", dir.string(),
                errno_text(errno));
  }
  const fs::path lock_path = dir / "lock";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return fail(ErrorCode::BadRequest, "cannot create {}: {}", lock_path.string(), errno_text(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char holder[32] = {};
    ssize_t n = ::pread(fd, holder, sizeof holder - 1, 0);
    ::close(fd);
    std::string pid = n > 0 ? std::string(holder, static_cast<std::size_t>(n)) : std::string("?");
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    return fail(ErrorCode::BadRequest,
                "spool directory {} is in use by another executor (pid {}); give each executor its own --spool-dir",
                dir.string(), pid);
  }
  const std::string me = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, me.data(), me.size(), 0) != static_cast<ssize_t>(me.size())) {
    spdlog::warn("cannot write this executor's pid into {}: {}", lock_path.string(), errno_text(errno));
  }
  return Spool(std::move(dir), fd);
}

Spool::Spool(Spool&& other) noexcept : dir_(std::move(other.dir_)), lock_fd_(other.lock_fd_) { other.lock_fd_ = -1; }

Spool& Spool::operator=(Spool&& other) noexcept {
  if (this != &other) {
    if (lock_fd_ >= 0) ::close(lock_fd_);
    dir_ = std::move(other.dir_);
    lock_fd_ = other.lock_fd_;
    other.lock_fd_ = -1;
  }
  return *this;
}

Spool::~Spool() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

Status Spool::write_atomically(const fs::path& dir, const std::string& name, const std::string& content) {
  const fs::path final_path = dir / (name + ".json");
  const fs::path temp_path = dir / (name + ".json.tmp");
  int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail(ErrorCode::Internal, "cannot create {}: {}", temp_path.string(), errno_text(errno));
  std::size_t written = 0;
  while (written < content.size()) {
    ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      ::close(fd);
      ::unlink(temp_path.c_str());
      return fail(ErrorCode::Internal, "cannot write {}: {}", temp_path.string(), errno_text(error));
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int error = errno;
    ::close(fd);
    ::unlink(temp_path.c_str());
    return fail(ErrorCode::Internal, "cannot sync {}: {}", temp_path.string(), errno_text(error));
  }
  ::close(fd);
  if (::rename(temp_path.c_str(), final_path.c_str()) != 0) {
    int error = errno;
    ::unlink(temp_path.c_str());
    return fail(ErrorCode::Internal, "cannot rename {} into place: {}", temp_path.string(), errno_text(error));
  }
  return sync_directory(dir);
}

Status Spool::remove_file(const fs::path& dir, std::string_view processid) {
  COLONIES_CHECK(check_file_name(processid));
  const fs::path path = dir / (std::string(processid) + ".json");
  // No fsync of the directory: a removal lost in a power failure only brings back a close the
  // server then refuses as already closed (409), or a journal entry of a job that is gone; both
  // are settled at start. Skipping it halves the spool's cost per job.
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return fail(ErrorCode::Internal, "cannot remove {}: {}", path.string(), errno_text(errno));
  }
  return ok();
}

Status Spool::put_close(const SpooledClose& close) {
  COLONIES_CHECK(check_file_name(close.processid));
  SpooledClose stamped = close;
  if (stamped.spooled_at == 0) stamped.spooled_at = now_ns();
  return write_atomically(dir_ / kCloses, close.processid, encode_close(stamped));
}

Status Spool::remove_close(std::string_view processid) { return remove_file(dir_ / kCloses, processid); }

Status Spool::put_job(const JournaledJob& job) {
  COLONIES_CHECK(check_file_name(job.processid));
  JournaledJob stamped = job;
  if (stamped.started_at == 0) stamped.started_at = now_ns();
  return write_atomically(dir_ / kJobs, job.processid, encode_job(stamped));
}

Status Spool::remove_job(std::string_view processid) { return remove_file(dir_ / kJobs, processid); }

void Spool::set_aside_close(std::string_view processid, std::string_view why) {
  if (!check_file_name(processid)) return;
  set_aside(dir_ / kCloses / (std::string(processid) + ".json"), why);
}

void Spool::set_aside(const fs::path& file, std::string_view why) {
  // "closes-<name>.<ns>": where it came from, and unique when the same name goes aside twice.
  const fs::path target = dir_ / kAside /
                          (file.parent_path().filename().string() + "-" + file.filename().string() + "." +
                           std::to_string(now_ns()));
  std::error_code ec;
  fs::rename(file, target, ec);
  if (ec) {
    spdlog::error("spool file {} is unusable ({}) and could not be moved aside: {}; removing it", file.string(), why,
                  ec.message());
    fs::remove(file, ec);
    return;
  }
  spdlog::error("spool file {} is unusable ({}); moved to {} for inspection", file.string(), why, target.string());
}

std::vector<std::pair<fs::path, std::string>> Spool::read_all(const fs::path& dir) {
  std::vector<std::pair<fs::path, std::string>> files;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    spdlog::error("cannot list spool directory {}: {}", dir.string(), ec.message());
    return files;
  }
  std::vector<fs::path> paths;
  for (const auto& entry : it) paths.push_back(entry.path());
  std::sort(paths.begin(), paths.end());
  for (const auto& path : paths) {
    const std::string name = path.filename().string();
    if (name.ends_with(".tmp")) {
      set_aside(path, "left over from a write interrupted by a crash");
      continue;
    }
    if (!name.ends_with(".json")) {
      set_aside(path, "not a spool file");
      continue;
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    if (!in) {
      set_aside(path, "cannot be read");
      continue;
    }
    files.emplace_back(path, content.str());
  }
  return files;
}

std::vector<SpooledClose> Spool::load_closes() {
  std::vector<SpooledClose> closes;
  for (auto& [path, text] : read_all(dir_ / kCloses)) {
    auto close = decode_close(text);
    if (!close) {
      set_aside(path, close.error().message);
      continue;
    }
    if (path.stem().string() != close->processid) {
      set_aside(path, "its processid " + close->processid + " does not match its file name");
      continue;
    }
    closes.push_back(std::move(*close));
  }
  std::stable_sort(closes.begin(), closes.end(),
                   [](const SpooledClose& a, const SpooledClose& b) { return a.spooled_at < b.spooled_at; });
  return closes;
}

std::vector<JournaledJob> Spool::load_jobs() {
  std::vector<JournaledJob> jobs;
  for (auto& [path, text] : read_all(dir_ / kJobs)) {
    auto job = decode_job(text);
    if (!job) {
      set_aside(path, job.error().message);
      continue;
    }
    if (path.stem().string() != job->processid) {
      set_aside(path, "its processid " + job->processid + " does not match its file name");
      continue;
    }
    jobs.push_back(std::move(*job));
  }
  return jobs;
}

}  // namespace colonies::executors
