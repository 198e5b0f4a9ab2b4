// The signed request envelope and the reply envelope of PROTOCOL.md, and the client-side
// builder that adds msgtype, nonce and timestamp before signing. Verification of signatures and
// replay checks belong to server/auth; this file only encodes and decodes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error/error.hpp"
#include "core/model/json.hpp"
#include "core/ports/crypto.hpp"

namespace colonies::protocol {

namespace json = boost::json;

struct Envelope {
  std::string payloadtype;
  std::string payload;    // base64 of the payload JSON, exactly as signed
  std::string signature;  // 128 hex, or empty for unsigned messages
  std::string signer;     // 64 hex, or empty for unsigned messages
};

// BadRequest when `body` is not a JSON object with string fields payloadtype and payload.
Result<Envelope> decode_envelope(std::string_view body);
std::string encode_envelope(const Envelope& envelope);

// Decodes the base64 payload into a JSON object and checks that its msgtype equals the
// envelope's payloadtype (BadRequest otherwise).
Result<json::object> decode_payload(const Envelope& envelope);

// Builds a signed request: `payload` gains msgtype, nonce (32 hex) and timestamp (seconds).
std::string build_request(std::string_view msgtype, json::object payload, const ports::Signer& signer,
                          std::string_view nonce_hex, std::int64_t timestamp_s);
// An unsigned request (only versionmsg and getserverinfomsg are accepted unsigned).
std::string build_unsigned_request(std::string_view msgtype, json::object payload);

struct Reply {
  std::string payloadtype;
  json::value payload;
  bool error = false;
};

std::string encode_reply(std::string_view payloadtype, const json::value& payload);
std::string encode_error_reply(int status, std::string_view message);
// Decodes a reply body. A reply whose `error` is true decodes fine; the caller inspects it.
Result<Reply> decode_reply(std::string_view body);

}  // namespace colonies::protocol
