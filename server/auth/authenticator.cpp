// Envelope authentication in the order PROTOCOL.md gives the status codes.
#include "server/auth/authenticator.hpp"

#include "core/protocol/encoding.hpp"
#include "core/protocol/messages.hpp"

namespace colonies::server::auth {

Authenticator::Authenticator(const ports::Crypto& crypto, const ports::Clock& clock, std::int64_t replay_window_s,
                             std::unordered_set<std::string> known_types)
    : crypto_(crypto), clock_(clock), replay_(replay_window_s), known_types_(std::move(known_types)) {}

Result<AuthenticatedRequest> Authenticator::authenticate(std::string_view body) {
  COLONIES_TRY(envelope, protocol::decode_envelope(body));
  if (!known_types_.contains(envelope.payloadtype)) {
    return fail(ErrorCode::BadRequest, "unknown payloadtype '{}'", envelope.payloadtype);
  }
  const bool may_be_unsigned =
      envelope.payloadtype == protocol::msg::kVersion || envelope.payloadtype == protocol::msg::kGetServerInfo;
  if (may_be_unsigned && envelope.signature.empty() && envelope.signer.empty()) {
    COLONIES_TRY(payload, protocol::decode_payload(envelope));
    return AuthenticatedRequest{envelope.payloadtype, "", std::move(payload), {}, {}};
  }
  // Fails closed from here: only a verified signature over the exact payload text passes.
  if (!protocol::is_lower_hex(envelope.signer, 64)) {
    return fail(ErrorCode::Unauthenticated, "signer must be 64 lowercase hex characters (an Ed25519 public key)");
  }
  if (!crypto_.verify(envelope.payload, envelope.signature, envelope.signer)) {
    return fail(ErrorCode::Unauthenticated, "invalid signature");
  }
  COLONIES_TRY(payload, protocol::decode_payload(envelope));
  auto nonce = payload.find("nonce");
  if (nonce == payload.end() || !nonce->value().is_string() ||
      !protocol::is_lower_hex(nonce->value().get_string(), 32)) {
    return fail(ErrorCode::Unauthenticated, "payload nonce must be 32 lowercase hex characters");
  }
  auto timestamp = payload.find("timestamp");
  if (timestamp == payload.end() || !timestamp->value().is_int64()) {
    return fail(ErrorCode::Unauthenticated, "payload timestamp must be Unix time in whole seconds");
  }
  const std::int64_t now_s = clock_.now() / 1'000'000'000;
  COLONIES_CHECK(replay_.check(envelope.signer, std::string_view(nonce->value().get_string()),
                               timestamp->value().get_int64(), now_s));
  return AuthenticatedRequest{envelope.payloadtype, envelope.signer, std::move(payload), std::move(envelope.payload),
                              std::move(envelope.signature)};
}

}  // namespace colonies::server::auth
