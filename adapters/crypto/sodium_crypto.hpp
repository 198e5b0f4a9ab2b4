// Crypto port over libsodium: Ed25519 (crypto_sign_*) with keys derived from 32-byte seeds.
#pragma once

#include "core/ports/crypto.hpp"
#include "core/ports/id_generator.hpp"

namespace colonies::crypto {

class SodiumCrypto final : public ports::Crypto {
 public:
  // Initialises libsodium (idempotent, thread-safe). Throws std::runtime_error if it cannot.
  SodiumCrypto();
  Result<std::unique_ptr<ports::Signer>> signer(std::string_view private_key_hex) const override;
  std::string generate_private_key() const override;
  bool verify(std::string_view message, std::string_view signature_hex, std::string_view signer_id_hex) const override;
  std::string random_hex(std::size_t bytes) const override;
};

// 64-hex random IDs from libsodium's CSPRNG.
class RandomIdGenerator final : public ports::IdGenerator {
 public:
  std::string new_id() override;
};

}  // namespace colonies::crypto
