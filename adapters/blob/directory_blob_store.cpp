// DirectoryBlobStore: POSIX file I/O (open/read/write/fsync/rename) because durability needs
// fsync, which iostreams do not offer. Bytes are hashed while they are copied, so the key is
// always the hash of exactly what was stored or delivered.
#include "adapters/blob/directory_blob_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>
#include <sodium.h>

#include "core/model/files.hpp"

namespace colonies::blob {

namespace fs = std::filesystem;

namespace {

std::string errno_text() { return std::strerror(errno); }

// Closes a descriptor on every path out.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

// A temporary file next to its final place (same file system, so rename is atomic); removed
// unless committed.
class TempFile {
 public:
  static Result<TempFile> create(const fs::path& dir, const std::string& stem) {
    std::string pattern = (dir / (std::string(kTempPrefix) + stem + "-XXXXXX")).string();
    int fd = ::mkstemp(pattern.data());
    if (fd < 0) return fail(ErrorCode::Unavailable, "cannot create a temporary file in {}: {}", dir.string(), errno_text());
    ::fchmod(fd, 0644);
    return TempFile(fd, pattern);
  }
  TempFile(TempFile&& o) noexcept : fd_(o.fd_.release()), path_(std::move(o.path_)), committed_(o.committed_) {
    o.committed_ = true;
  }
  ~TempFile() {
    if (!committed_) ::unlink(path_.c_str());
  }
  int fd() const { return fd_.get(); }
  const std::string& path() const { return path_; }
  // fsync, close, rename onto `target`, fsync the directory.
  Status commit(const fs::path& target) {
    if (::fsync(fd_.get()) != 0) return fail(ErrorCode::Unavailable, "fsync {}: {}", path_, errno_text());
    if (::close(fd_.release()) != 0) return fail(ErrorCode::Unavailable, "close {}: {}", path_, errno_text());
    if (::rename(path_.c_str(), target.c_str()) != 0) {
      return fail(ErrorCode::Unavailable, "rename {} to {}: {}", path_, target.string(), errno_text());
    }
    committed_ = true;
    Fd dir(::open(target.parent_path().c_str(), O_RDONLY | O_DIRECTORY));
    if (dir.get() >= 0) ::fsync(dir.get());  // best effort: some network file systems refuse it
    return ok();
  }

 private:
  TempFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  Fd fd_;
  std::string path_;
  bool committed_ = false;
};

Status write_all(int fd, const char* data, std::size_t n, const std::string& what) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return fail(ErrorCode::Unavailable, "write {}: {}", what, errno_text());
    data += w;
    n -= static_cast<std::size_t>(w);
  }
  return ok();
}

struct Copied {
  std::string sha256;
  std::int64_t size = 0;
};

// Copies everything from `in` to `out`, hashing on the way.
Result<Copied> copy_hashing(int in, const std::string& in_name, int out, const std::string& out_name) {
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  std::vector<char> buffer(1 << 20);
  Copied copied;
  for (;;) {
    ssize_t n = ::read(in, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(ErrorCode::Unavailable, "read {}: {}", in_name, errno_text());
    if (n == 0) break;
    crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(buffer.data()),
                              static_cast<unsigned long long>(n));
    COLONIES_CHECK(write_all(out, buffer.data(), static_cast<std::size_t>(n), out_name));
    copied.size += n;
  }
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
  copied.sha256.assign(hex, crypto_hash_sha256_BYTES * 2);
  return copied;
}

Status check_key(const std::string& key) {
  if (!model::is_valid_sha256(key)) {
    return fail(ErrorCode::BadRequest, "blob key '{}' is not a SHA-256 (64 lowercase hex characters)", key);
  }
  return ok();
}

Status make_dirs(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail(ErrorCode::Unavailable, "cannot create directory {}: {}", dir.string(), ec.message());
  return ok();
}

}  // namespace

Result<std::unique_ptr<DirectoryBlobStore>> DirectoryBlobStore::open(const fs::path& root) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
  if (root.empty()) return fail(ErrorCode::BadRequest, "the file storage directory is not configured");
  std::error_code ec;
  if (fs::exists(root, ec) && !fs::is_directory(root, ec)) {
    return fail(ErrorCode::BadRequest, "file storage directory {} exists but is not a directory", root.string());
  }
  COLONIES_CHECK(make_dirs(root));
  if (::access(root.c_str(), W_OK | X_OK) != 0) {
    return fail(ErrorCode::Unavailable, "file storage directory {} is not writable: {}", root.string(), errno_text());
  }
  return std::unique_ptr<DirectoryBlobStore>(new DirectoryBlobStore(root));
}

fs::path DirectoryBlobStore::colony_root(const fs::path& root, const std::string& colonyname) {
  std::string encoded;
  for (std::size_t i = 0; i < colonyname.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(colonyname[i]);
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                       c == '-' || (c == '.' && i > 0);
    if (plain) encoded += static_cast<char>(c);
    else encoded += fmt::format("%{:02X}", c);
  }
  return root / encoded;
}

fs::path DirectoryBlobStore::path_of(const std::string& key) const { return root_ / key.substr(0, 2) / key; }

Result<ports::BlobInfo> DirectoryBlobStore::put(const fs::path& source) {
  std::error_code ec;
  if (!fs::is_regular_file(source, ec)) return fail(ErrorCode::NotFound, "{}: no such file", source.string());
  Fd in(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) return fail(ErrorCode::Unavailable, "cannot read {}: {}", source.string(), errno_text());
  // The key is only known once the bytes are read, so the copy lands in the root first.
  COLONIES_TRY(temp, TempFile::create(root_, "upload"));
  COLONIES_TRY(copied, copy_hashing(in.get(), source.string(), temp.fd(), temp.path()));
  const fs::path target = path_of(copied.sha256);
  COLONIES_CHECK(make_dirs(target.parent_path()));
  if (fs::exists(target, ec)) {
    // Already stored: same key, same bytes; rewriting it would only cost I/O. Its time is
    // refreshed so that garbage collection's grace period covers this new use of it.
    ::utimensat(AT_FDCWD, target.c_str(), nullptr, 0);
  } else {
    COLONIES_CHECK(temp.commit(target));
  }
  return ports::BlobInfo{copied.sha256, copied.size};
}

Status DirectoryBlobStore::get(const std::string& key, const fs::path& destination) {
  COLONIES_CHECK(check_key(key));
  const fs::path source = path_of(key);
  Fd in(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) {
    if (errno == ENOENT) return fail(ErrorCode::NotFound, "blob {} is not in {}", key, root_.string());
    return fail(ErrorCode::Unavailable, "cannot read blob {}: {}", source.string(), errno_text());
  }
  fs::path dir = destination.parent_path();
  if (dir.empty()) dir = ".";
  COLONIES_CHECK(make_dirs(dir));
  COLONIES_TRY(temp, TempFile::create(dir, destination.filename().string()));
  COLONIES_TRY(copied, copy_hashing(in.get(), source.string(), temp.fd(), temp.path()));
  if (copied.sha256 != key) {
    return fail(ErrorCode::Conflict, "blob {} is corrupted: its bytes hash to {} (in {})", key, copied.sha256,
                source.string());
  }
  return temp.commit(destination);
}

Result<bool> DirectoryBlobStore::exists(const std::string& key) {
  COLONIES_CHECK(check_key(key));
  std::error_code ec;
  bool found = fs::is_regular_file(path_of(key), ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return fail(ErrorCode::Unavailable, "cannot check blob {}: {}", key, ec.message());
  }
  return found;
}

Status DirectoryBlobStore::remove(const std::string& key) {
  COLONIES_CHECK(check_key(key));
  if (::unlink(path_of(key).c_str()) != 0 && errno != ENOENT) {
    return fail(ErrorCode::Unavailable, "cannot remove blob {}: {}", key, errno_text());
  }
  return ok();
}

Result<std::vector<ports::StoredBlob>> DirectoryBlobStore::list() {
  std::vector<ports::StoredBlob> out;
  std::error_code ec;
  for (fs::directory_iterator dir(root_, ec), end; !ec && dir != end; dir.increment(ec)) {
    if (!dir->is_directory() || dir->path().filename().string().size() != 2) continue;
    for (fs::directory_iterator file(dir->path(), ec); !ec && file != end; file.increment(ec)) {
      const std::string key = file->path().filename().string();
      if (!model::is_valid_sha256(key) || !key.starts_with(dir->path().filename().string())) continue;
      struct stat st {};
      if (::stat(file->path().c_str(), &st) != 0) continue;  // removed meanwhile
      out.push_back(ports::StoredBlob{key, static_cast<std::int64_t>(st.st_size), static_cast<std::int64_t>(st.st_mtime)});
    }
  }
  if (ec) return fail(ErrorCode::Unavailable, "cannot list {}: {}", root_.string(), ec.message());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  return out;
}

}  // namespace colonies::blob
