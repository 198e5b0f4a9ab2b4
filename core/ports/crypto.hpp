// Crypto ports: Ed25519 signing and verification, key generation and randomness. Keys and IDs
// travel as lowercase hex (PROTOCOL.md): a private key is the 32-byte seed, an ID the public key.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/error/error.hpp"

namespace colonies::ports {

// One identity's signing key, expanded once so that signing is cheap. Thread-safe.
class Signer {
 public:
  virtual ~Signer() = default;
  // The identity's ID: 64 lowercase hex characters of the public key.
  virtual const std::string& id() const = 0;
  // 128 lowercase hex characters: the detached Ed25519 signature of `message`. Never blocks.
  virtual std::string sign(std::string_view message) const = 0;
};

class Crypto {
 public:
  virtual ~Crypto() = default;
  // BadRequest unless `private_key_hex` is 64 hex characters.
  virtual Result<std::unique_ptr<Signer>> signer(std::string_view private_key_hex) const = 0;
  // A new private key (64 hex characters) from the system's secure random source.
  virtual std::string generate_private_key() const = 0;
  // True only if `signature_hex` is a valid signature of `message` by `signer_id_hex`. Any
  // malformed input is simply false (fails closed). Thread-safe, CPU-bound (~50 us).
  virtual bool verify(std::string_view message, std::string_view signature_hex,
                      std::string_view signer_id_hex) const = 0;
  // `bytes` secure random bytes as lowercase hex.
  virtual std::string random_hex(std::size_t bytes) const = 0;
};

}  // namespace colonies::ports
