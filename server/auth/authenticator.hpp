// Authenticates a request envelope: signature, payload decoding, msgtype binding, nonce and
// timestamp, replay. Knows nothing of roles (see roles.hpp). Fails closed: any doubt is a 401.
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>

#include "core/model/json.hpp"
#include "core/ports/clock.hpp"
#include "core/ports/crypto.hpp"
#include "core/protocol/envelope.hpp"
#include "server/auth/replay_guard.hpp"

namespace colonies::server::auth {

struct AuthenticatedRequest {
  std::string msgtype;
  std::string caller;  // the signer's ID; "" for an accepted unsigned request
  model::json::object payload;
  // The envelope's base64 payload and signature exactly as received (empty when unsigned): what
  // the audit ledger keeps so that the signature can be checked again offline.
  std::string signed_payload;
  std::string signature;
};

class Authenticator {
 public:
  // `known_types`: every payloadtype the server handles; others are a 400.
  Authenticator(const ports::Crypto& crypto, const ports::Clock& clock, std::int64_t replay_window_s,
                std::unordered_set<std::string> known_types);
  // Errors: BadRequest (malformed envelope/payload, msgtype mismatch, unknown type),
  // Unauthenticated (signature, signer format, nonce, timestamp, replay). Thread-safe.
  Result<AuthenticatedRequest> authenticate(std::string_view body);
  // Refuse requests signed before this Unix second (the server's start): the nonces seen before a
  // restart are not remembered, so older requests could otherwise be replayed once.
  void not_before(std::int64_t unix_s) { replay_.set_not_before(unix_s); }

 private:
  const ports::Crypto& crypto_;
  const ports::Clock& clock_;
  ReplayGuard replay_;
  std::unordered_set<std::string> known_types_;
};

}  // namespace colonies::server::auth
