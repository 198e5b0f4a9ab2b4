// libsodium implementation of the crypto port.
#include "adapters/crypto/sodium_crypto.hpp"

#include <stdexcept>

#include <sodium.h>

#include "core/protocol/encoding.hpp"

namespace colonies::crypto {

namespace {

class SodiumSigner final : public ports::Signer {
 public:
  SodiumSigner(const unsigned char* seed) {
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    crypto_sign_seed_keypair(pk, sk_, seed);
    id_ = protocol::hex_encode(std::string_view(reinterpret_cast<const char*>(pk), sizeof(pk)));
  }
  ~SodiumSigner() override { sodium_memzero(sk_, sizeof(sk_)); }
  const std::string& id() const override { return id_; }
  std::string sign(std::string_view message) const override {
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(message.data()), message.size(), sk_);
    return protocol::hex_encode(std::string_view(reinterpret_cast<const char*>(sig), sizeof(sig)));
  }

 private:
  unsigned char sk_[crypto_sign_SECRETKEYBYTES];
  std::string id_;
};

}  // namespace

SodiumCrypto::SodiumCrypto() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
}

Result<std::unique_ptr<ports::Signer>> SodiumCrypto::signer(std::string_view private_key_hex) const {
  if (private_key_hex.size() != 2 * crypto_sign_SEEDBYTES) {
    return fail(ErrorCode::BadRequest, "a private key is 64 hex characters, got {}", private_key_hex.size());
  }
  auto seed = protocol::hex_decode(private_key_hex);
  if (!seed) return fail(ErrorCode::BadRequest, "a private key is 64 hex characters; this one is not hex");
  auto signer = std::make_unique<SodiumSigner>(reinterpret_cast<const unsigned char*>(seed->data()));
  sodium_memzero(seed->data(), seed->size());
  return signer;
}

std::string SodiumCrypto::generate_private_key() const { return random_hex(crypto_sign_SEEDBYTES); }

bool SodiumCrypto::verify(std::string_view message, std::string_view signature_hex,
                          std::string_view signer_id_hex) const {
  // Fails closed: anything malformed is simply not a valid signature.
  if (!protocol::is_lower_hex(signature_hex, 2 * crypto_sign_BYTES)) return false;
  if (!protocol::is_lower_hex(signer_id_hex, 2 * crypto_sign_PUBLICKEYBYTES)) return false;
  auto sig = protocol::hex_decode(signature_hex);
  auto pk = protocol::hex_decode(signer_id_hex);
  if (!sig || !pk) return false;
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(sig->data()),
                                     reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                                     reinterpret_cast<const unsigned char*>(pk->data())) == 0;
}

std::string SodiumCrypto::random_hex(std::size_t bytes) const {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  return protocol::hex_encode(raw);
}

std::string RandomIdGenerator::new_id() {
  std::string raw(32, '\0');
  randombytes_buf(raw.data(), raw.size());
  return protocol::hex_encode(raw);
}

}  // namespace colonies::crypto
