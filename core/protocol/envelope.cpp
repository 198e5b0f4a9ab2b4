// Envelope codecs.
#include "core/protocol/envelope.hpp"

#include "core/protocol/encoding.hpp"

namespace colonies::protocol {

Result<Envelope> decode_envelope(std::string_view body) {
  auto parsed = model::parse_json(body);
  if (!parsed) return fail(ErrorCode::BadRequest, "request body: {}", parsed.error().message);
  COLONIES_TRY(r, model::FieldReader::of(*parsed, "request"));
  Envelope e;
  COLONIES_CHECK(r.str("payloadtype", e.payloadtype));
  COLONIES_CHECK(r.str("payload", e.payload));
  COLONIES_CHECK(r.str("signature", e.signature));
  COLONIES_CHECK(r.str("signer", e.signer));
  if (e.payloadtype.empty()) return fail(ErrorCode::BadRequest, "request has no payloadtype");
  if (e.payload.empty()) return fail(ErrorCode::BadRequest, "request has no payload");
  return e;
}

std::string encode_envelope(const Envelope& e) {
  return json::serialize(json::object{
      {"payloadtype", e.payloadtype}, {"payload", e.payload}, {"signature", e.signature}, {"signer", e.signer}});
}

Result<json::object> decode_payload(const Envelope& envelope) {
  auto raw = base64_decode(envelope.payload);
  if (!raw) return fail(ErrorCode::BadRequest, "payload is not standard base64");
  auto parsed = model::parse_json(*raw);
  if (!parsed) return fail(ErrorCode::BadRequest, "payload: {}", parsed.error().message);
  if (!parsed->is_object()) return fail(ErrorCode::BadRequest, "payload must be a JSON object");
  json::object& object = parsed->get_object();
  auto it = object.find("msgtype");
  if (it == object.end() || !it->value().is_string() || it->value().get_string() != envelope.payloadtype) {
    return fail(ErrorCode::BadRequest, "payload msgtype must equal payloadtype '{}'", envelope.payloadtype);
  }
  return std::move(object);
}

std::string build_request(std::string_view msgtype, json::object payload, const ports::Signer& signer,
                          std::string_view nonce_hex, std::int64_t timestamp_s) {
  payload["msgtype"] = msgtype;
  payload["nonce"] = nonce_hex;
  payload["timestamp"] = timestamp_s;
  Envelope e;
  e.payloadtype = msgtype;
  e.payload = base64_encode(json::serialize(payload));
  e.signature = signer.sign(e.payload);
  e.signer = signer.id();
  return encode_envelope(e);
}

std::string build_unsigned_request(std::string_view msgtype, json::object payload) {
  payload["msgtype"] = msgtype;
  Envelope e;
  e.payloadtype = msgtype;
  e.payload = base64_encode(json::serialize(payload));
  return encode_envelope(e);
}

std::string encode_reply(std::string_view payloadtype, const json::value& payload) {
  return json::serialize(json::object{
      {"payloadtype", payloadtype}, {"payload", base64_encode(json::serialize(payload))}, {"error", false}});
}

std::string encode_error_reply(int status, std::string_view message) {
  json::object failure{{"status", status}, {"message", message}};
  return json::serialize(
      json::object{{"payloadtype", "error"}, {"payload", base64_encode(json::serialize(failure))}, {"error", true}});
}

Result<Reply> decode_reply(std::string_view body) {
  auto parsed = model::parse_json(body);
  if (!parsed) return fail(ErrorCode::Internal, "reply from server is not JSON: {}", parsed.error().message);
  auto r = model::FieldReader::of(*parsed, "reply");
  if (!r) return fail(ErrorCode::Internal, "reply from server is not a JSON object");
  Reply reply;
  std::string payload;
  if (!r->str("payloadtype", reply.payloadtype) || !r->str("payload", payload) || !r->boolean("error", reply.error)) {
    return fail(ErrorCode::Internal, "reply from server has malformed fields");
  }
  auto raw = base64_decode(payload);
  if (!raw) return fail(ErrorCode::Internal, "reply payload is not base64");
  if (raw->empty()) {
    reply.payload = json::object{};
    return reply;
  }
  auto value = model::parse_json(*raw);
  if (!value) return fail(ErrorCode::Internal, "reply payload is not JSON");
  reply.payload = std::move(*value);
  return reply;
}

}  // namespace colonies::protocol
