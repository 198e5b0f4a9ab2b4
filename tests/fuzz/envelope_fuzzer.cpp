// libFuzzer target for the request and reply envelopes: protocol::decode_envelope, decode_payload
// and decode_reply, and the server's Authenticator (server/auth) with real Ed25519 (SodiumCrypto)
// and a fixed clock. The first byte picks the mode:
//   'R' (or anything else): the rest is a request body as it arrives; the Authenticator must
//       accept nothing but validly signed input, checked against libsodium directly.
//   'S': the rest is a payload text that the target signs with a fixed key, so the checks behind
//       the signature (payload decoding, msgtype binding, nonce, timestamp window) are reached;
//       acceptance must agree with an independent reading of the payload.
// A fresh Authenticator per input keeps the replay guard, and so each run, deterministic.
#include <sodium.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "adapters/crypto/sodium_crypto.hpp"
#include "core/ports/clock.hpp"
#include "core/protocol/encoding.hpp"
#include "core/protocol/envelope.hpp"
#include "core/protocol/messages.hpp"
#include "server/auth/authenticator.hpp"

namespace {

namespace json = boost::json;
namespace msg = colonies::protocol::msg;
using colonies::protocol::Envelope;

constexpr std::int64_t kNowS = 1'790'000'000;  // 2026-09-21
constexpr std::int64_t kWindowS = 300;

class FixedClock final : public colonies::ports::Clock {
 public:
  colonies::model::TimeNs now() const override { return kNowS * 1'000'000'000LL; }
};

// The payload types the Authenticator knows; 'S' mode signs under one of them.
constexpr std::array<std::string_view, 6> kTypes{msg::kVersion,        msg::kGetServerInfo, msg::kAddColony,
                                                 msg::kSubmitFunctionSpec, msg::kAssignProcess, msg::kGetProcess};

void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "envelope fuzzer: %s\n", what);
  std::abort();
}

struct World {
  colonies::crypto::SodiumCrypto crypto;
  FixedClock clock;
  std::unique_ptr<colonies::ports::Signer> signer;
  World() {
    // A fixed key: the same input signs to the same envelope on every run.
    signer = std::move(*crypto.signer(std::string(64, '7')));
  }
};

World& world() {
  static World w;
  return w;
}

colonies::server::auth::Authenticator fresh_authenticator() {
  std::unordered_set<std::string> known;
  for (auto type : kTypes) known.emplace(type);
  return colonies::server::auth::Authenticator(world().crypto, world().clock, kWindowS, std::move(known));
}

// libsodium's own verdict on a signature, without the adapter in between.
bool reference_verify(std::string_view message, std::string_view signature_hex, std::string_view signer_hex) {
  auto signature = colonies::protocol::hex_decode(signature_hex);
  auto key = colonies::protocol::hex_decode(signer_hex);
  if (!signature || !key || signature->size() != crypto_sign_BYTES || key->size() != crypto_sign_PUBLICKEYBYTES) {
    return false;
  }
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature->data()),
                                     reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                                     reinterpret_cast<const unsigned char*>(key->data())) == 0;
}

void check_codecs(std::string_view body) {
  if (auto envelope = colonies::protocol::decode_envelope(body)) {
    require(!envelope->payloadtype.empty() && !envelope->payload.empty(), "decoded an envelope without type or payload");
    auto again = colonies::protocol::decode_envelope(colonies::protocol::encode_envelope(*envelope));
    require(again && again->payloadtype == envelope->payloadtype && again->payload == envelope->payload &&
                again->signature == envelope->signature && again->signer == envelope->signer,
            "an envelope re-encoded does not decode to itself");
    if (auto payload = colonies::protocol::decode_payload(*envelope)) {
      const auto* type = payload->if_contains("msgtype");
      require(type && type->is_string() && type->get_string() == envelope->payloadtype,
              "decode_payload accepted a payload whose msgtype is not the payloadtype");
    }
  } else {
    require(!envelope.error().message.empty(), "envelope error without a message");
  }
  if (auto reply = colonies::protocol::decode_reply(body)) {
    // A decoded reply encodes back to a body that decodes to the same payload.
    auto again = colonies::protocol::decode_reply(colonies::protocol::encode_reply(reply->payloadtype, reply->payload));
    require(again && again->payload == reply->payload && again->payloadtype == reply->payloadtype,
            "a reply re-encoded does not decode to itself");
  }
}

void check_raw_request(std::string_view body) {
  auto auth = fresh_authenticator();
  auto request = auth.authenticate(body);
  if (!request) {
    require(!request.error().message.empty(), "refusal without a message");
    return;
  }
  auto envelope = colonies::protocol::decode_envelope(body);
  require(envelope.has_value(), "accepted a body that is not an envelope");
  require(request->msgtype == envelope->payloadtype, "accepted request's msgtype is not its payloadtype");
  if (request->caller.empty()) {
    require(envelope->signature.empty() && envelope->signer.empty(), "unsigned acceptance of a signed envelope");
    require(request->msgtype == msg::kVersion || request->msgtype == msg::kGetServerInfo,
            "accepted an unsigned request of a type that must be signed");
  } else {
    require(request->caller == envelope->signer, "caller is not the envelope's signer");
    require(reference_verify(envelope->payload, envelope->signature, envelope->signer),
            "accepted a signature libsodium refuses");
  }
}

// What the Authenticator must decide for a correctly signed envelope carrying `payload_text`.
bool expected_acceptance(std::string_view payload_text, std::string_view type) {
  boost::system::error_code ec;
  json::value v = json::parse(payload_text, ec);
  if (ec || !v.is_object()) return false;
  const auto& o = v.get_object();
  const auto* t = o.if_contains("msgtype");
  if (!t || !t->is_string() || t->get_string() != type) return false;
  const auto* nonce = o.if_contains("nonce");
  if (!nonce || !nonce->is_string() || !colonies::protocol::is_lower_hex(nonce->get_string(), 32)) return false;
  const auto* ts = o.if_contains("timestamp");
  if (!ts || !ts->is_int64()) return false;
  const std::int64_t t_s = ts->get_int64();
  return t_s >= kNowS - kWindowS && t_s <= kNowS + kWindowS;
}

void check_signed_payload(std::string_view payload_text, std::string_view type) {
  Envelope e;
  e.payloadtype = std::string(type);
  e.payload = colonies::protocol::base64_encode(payload_text);
  e.signature = world().signer->sign(e.payload);
  e.signer = world().signer->id();
  const std::string body = colonies::protocol::encode_envelope(e);
  auto auth = fresh_authenticator();
  auto request = auth.authenticate(body);
  require(request.has_value() == expected_acceptance(payload_text, type),
          "a signed payload's acceptance differs from the protocol's rules");
  if (request) {
    require(request->caller == e.signer, "caller is not the signer");
    // The same envelope again is a replay.
    require(!auth.authenticate(body).has_value(), "a replayed request was accepted");
  }
  // One flipped character of the signed payload must break the signature.
  if (!e.payload.empty()) {
    Envelope tampered = e;
    tampered.payload[0] = tampered.payload[0] == 'A' ? 'B' : 'A';
    auto fresh = fresh_authenticator();
    require(!fresh.authenticate(colonies::protocol::encode_envelope(tampered)).has_value(),
            "accepted a payload changed after signing");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Real envelopes of interest are small; long inputs only slow every step down.
  if (size == 0 || size > 16384) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const char mode = input[0];
  std::string_view rest = input.substr(1);
  if (mode == 'S') {
    if (rest.empty()) return 0;
    const std::string_view type = kTypes[static_cast<unsigned char>(rest[0]) % kTypes.size()];
    check_signed_payload(rest.substr(1), type);
    return 0;
  }
  check_codecs(rest);
  check_raw_request(rest);
  return 0;
}
