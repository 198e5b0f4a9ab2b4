// SHA-256 through libsodium's streaming interface.
#include "adapters/blob/sha256.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <system_error>
#include <vector>

#include <fmt/format.h>
#include <sodium.h>

namespace colonies::blob {

namespace {

std::string hex(const unsigned char* digest) {
  char out[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(out, sizeof(out), digest, crypto_hash_sha256_BYTES);
  return std::string(out, crypto_hash_sha256_BYTES * 2);
}

void init_sodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
}

}  // namespace

Result<std::string> sha256_file(const std::filesystem::path& path) {
  init_sodium();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return fail(ErrorCode::NotFound, "{}: no such file", path.string());
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::Unavailable, "{}: cannot read: {}", path.string(), std::strerror(errno));
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  std::vector<char> buffer(1 << 16);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto n = in.gcount();
    if (n > 0) crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(buffer.data()),
                                         static_cast<unsigned long long>(n));
  }
  if (in.bad()) return fail(ErrorCode::Unavailable, "{}: read error", path.string());
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  return hex(digest);
}

std::string sha256_bytes(std::string_view bytes) {
  init_sodium();
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return hex(digest);
}

}  // namespace colonies::blob
