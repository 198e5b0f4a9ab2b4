// SHA-256 of files and byte strings (libsodium's crypto_hash_sha256), as lowercase hex: the
// checksums and content addresses of ColonyFS. Not a general hashing library.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/error/error.hpp"

namespace colonies::blob {

// Streams the file; blocks on I/O. Errors: NotFound (no such file), Unavailable (unreadable).
Result<std::string> sha256_file(const std::filesystem::path& path);
std::string sha256_bytes(std::string_view bytes);

}  // namespace colonies::blob
