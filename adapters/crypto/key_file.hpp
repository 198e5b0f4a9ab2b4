// Private keys kept in files: the permission rule (only the owner may read them) checked before
// a key is read, reading a signing key from a file, and writing one so that no other user can
// read it even for a moment. Not a key store: one key per file, hex text (a signing key) or PEM
// (a TLS key, which only has its permissions checked here).
#pragma once

#include <string>

#include "core/error/error.hpp"

namespace colonies::crypto {

// Ok when `path` (followed through symlinks) is a regular file with no permission bits for group
// or others. BadRequest naming the file otherwise: missing, not a regular file, or readable,
// writable or executable by group or others ("... has mode 0644: chmod 600 FILE"). `what` names
// the file's role in the message ("--tls-key"). Blocks on one stat(); any thread.
Status check_private_file(const std::string& path, std::string_view what);

// Reads a signing key from `path` after check_private_file: the file holds the 64-hex private key,
// surrounding white space ignored. BadRequest (file missing, too open, unreadable, or not 64 hex
// characters); the key itself never appears in a message.
Result<std::string> read_private_key_file(const std::string& path, std::string_view what);

// Creates `path` with mode 0600 (whatever the umask) and writes `content`; refuses to replace an
// existing file (BadRequest), so that a typo cannot destroy a key. Removes a half-written file.
Status write_private_file(const std::string& path, const std::string& content);

}  // namespace colonies::crypto
