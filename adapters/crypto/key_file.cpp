// Key files: plain POSIX calls, because the checks are about modes and creation flags that
// std::filesystem does not promise (O_EXCL, a mode fixed at creation).
#include "adapters/crypto/key_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace colonies::crypto {

Status check_private_file(const std::string& path, std::string_view what) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    return fail(ErrorCode::BadRequest, "{} {}: {}", what, path, std::strerror(errno));
  }
  if (!S_ISREG(info.st_mode)) return fail(ErrorCode::BadRequest, "{} {} is not a regular file", what, path);
  // Fails closed: a private key others can read is treated as already disclosed, so nothing
  // signs or serves with it until its owner tightened the mode.
  if ((info.st_mode & 077) != 0) {
    return fail(ErrorCode::BadRequest,
                "{} {} is accessible by group or others (mode {:04o}); a private key must be readable by its owner "
                "only: chmod 600 {}",
                what, path, info.st_mode & 07777, path);
  }
  return ok();
}

Result<std::string> read_private_key_file(const std::string& path, std::string_view what) {
  COLONIES_CHECK(check_private_file(path, what));
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::BadRequest, "cannot read {} {}", what, path);
  std::ostringstream text;
  text << in.rdbuf();
  std::string key = text.str();
  auto blank = [](unsigned char c) { return std::isspace(c) != 0; };
  key.erase(key.begin(), std::find_if_not(key.begin(), key.end(), blank));
  key.erase(std::find_if_not(key.rbegin(), key.rend(), blank).base(), key.end());
  const bool hex = std::all_of(key.begin(), key.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
  if (key.size() != 64 || !hex) {
    return fail(ErrorCode::BadRequest, "{} {} must hold one private key: 64 hex characters ({} found)", what, path,
                key.size() != 64 ? fmt::format("{} characters", key.size()) : std::string("non-hex characters"));
  }
  return key;
}

Status write_private_file(const std::string& path, const std::string& content) {
  // O_EXCL: never follow a planted symlink or truncate an existing key. fchmod: the umask may
  // have narrowed 0600 further, never widened it, but say what we mean.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return fail(ErrorCode::BadRequest, "{} already exists; not replacing a key file", path);
    return fail(ErrorCode::BadRequest, "cannot create {}: {}", path, std::strerror(errno));
  }
  bool written = ::fchmod(fd, 0600) == 0;
  std::size_t done = 0;
  while (written && done < content.size()) {
    const auto n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) written = false;
    else done += static_cast<std::size_t>(n);
  }
  if (written) written = ::fsync(fd) == 0;
  const int error = errno;
  if (::close(fd) != 0) written = false;
  if (!written) {
    ::unlink(path.c_str());
    return fail(ErrorCode::BadRequest, "cannot write {}: {}", path, std::strerror(error));
  }
  return ok();
}

}  // namespace colonies::crypto
