// etcd gateway JSON: Boost.JSON for the documents, the protocol's base64 for keys and values.
#include "adapters/cluster/etcd_messages.hpp"

#include <charconv>

#include "core/model/json.hpp"
#include "core/protocol/encoding.hpp"

namespace colonies::cluster::etcd {

namespace json = boost::json;

namespace {

Result<json::object> parse_object(std::string_view body, std::string_view what) {
  auto value = model::parse_json(body);
  if (!value) return fail(ErrorCode::Internal, "etcd {} reply is not JSON: {}", what, value.error().message);
  if (!value->is_object()) return fail(ErrorCode::Internal, "etcd {} reply is not a JSON object", what);
  return std::move(value->as_object());
}

// A proto3 int64 as the gateway writes it: a decimal string; a number is accepted too; absent
// or null is 0.
Result<std::int64_t> int64_field(const json::object& object, std::string_view key) {
  const auto* v = object.if_contains(key);
  if (v == nullptr || v->is_null()) return 0;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) return static_cast<std::int64_t>(v->as_uint64());
  if (v->is_string()) {
    const auto& s = v->as_string();
    std::int64_t out = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc() && end == s.data() + s.size()) return out;
  }
  return fail(ErrorCode::Internal, "etcd reply: '{}' is not a 64-bit integer: {}", key, json::serialize(*v));
}

Result<std::string> bytes_field(const json::object& object, std::string_view key) {
  const auto* v = object.if_contains(key);
  if (v == nullptr || v->is_null()) return std::string();
  if (!v->is_string()) return fail(ErrorCode::Internal, "etcd reply: '{}' is not a string", key);
  auto bytes = protocol::base64_decode(v->as_string());
  if (!bytes) return fail(ErrorCode::Internal, "etcd reply: '{}' is not base64", key);
  return std::move(*bytes);
}

Result<KeyValue> parse_key_value(const json::value& v) {
  if (!v.is_object()) return fail(ErrorCode::Internal, "etcd reply: a kvs entry is not an object");
  const auto& o = v.as_object();
  KeyValue kv;
  COLONIES_TRY(key, bytes_field(o, "key"));
  COLONIES_TRY(value, bytes_field(o, "value"));
  COLONIES_TRY(created, int64_field(o, "create_revision"));
  COLONIES_TRY(modified, int64_field(o, "mod_revision"));
  COLONIES_TRY(lease, int64_field(o, "lease"));
  return KeyValue{std::move(key), std::move(value), created, modified, lease};
}

Result<std::vector<KeyValue>> key_values(const json::object& range_reply) {
  std::vector<KeyValue> out;
  const auto* kvs = range_reply.if_contains("kvs");
  if (kvs == nullptr || kvs->is_null()) return out;
  if (!kvs->is_array()) return fail(ErrorCode::Internal, "etcd range reply: 'kvs' is not an array");
  for (const auto& entry : kvs->as_array()) {
    COLONIES_TRY(kv, parse_key_value(entry));
    out.push_back(std::move(kv));
  }
  return out;
}

Result<std::int64_t> header_revision(const json::object& reply) {
  const auto* header = reply.if_contains("header");
  if (header == nullptr || !header->is_object()) return fail(ErrorCode::Internal, "etcd reply has no header");
  return int64_field(header->as_object(), "revision");
}

// etcd's rule for "every key with this prefix": the range ends at the prefix with its last byte
// incremented (bytes 0xff dropped first); "\0" means "to the end of the key space".
std::string prefix_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last < 0xff) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');
}

std::string b64(std::string_view bytes) { return protocol::base64_encode(bytes); }
std::string number(std::int64_t n) { return std::to_string(n); }

}  // namespace

std::string lease_grant_request(std::int64_t ttl_s) { return json::serialize(json::object{{"TTL", number(ttl_s)}}); }

std::string lease_request(std::int64_t lease) { return json::serialize(json::object{{"ID", number(lease)}}); }

std::string put_request(std::string_view key, std::string_view value, std::int64_t lease) {
  return json::serialize(json::object{{"key", b64(key)}, {"value", b64(value)}, {"lease", number(lease)}});
}

std::string prefix_range_request(std::string_view prefix) {
  return json::serialize(json::object{{"key", b64(prefix)}, {"range_end", b64(prefix_end(prefix))}});
}

std::string campaign_request(std::string_view key, std::string_view value, std::int64_t lease) {
  json::object compare{{"key", b64(key)}, {"target", "CREATE"}, {"result", "EQUAL"}, {"create_revision", "0"}};
  json::object put{{"key", b64(key)}, {"value", b64(value)}, {"lease", number(lease)}};
  json::object range{{"key", b64(key)}};
  return json::serialize(json::object{{"compare", json::array{compare}},
                                      {"success", json::array{json::object{{"request_put", put}}}},
                                      {"failure", json::array{json::object{{"request_range", range}}}}});
}

Result<GrantedLease> parse_lease_grant(std::string_view body) {
  COLONIES_TRY(reply, parse_object(body, "lease grant"));
  COLONIES_TRY(id, int64_field(reply, "ID"));
  COLONIES_TRY(ttl, int64_field(reply, "TTL"));
  if (id == 0 || ttl <= 0) return fail(ErrorCode::Internal, "etcd lease grant reply has no lease: {}", body);
  return GrantedLease{id, ttl};
}

Result<std::int64_t> parse_keepalive(std::string_view body) {
  // The gateway streams keepalive replies: one {"result": ...} (or {"error": ...}) per line.
  COLONIES_TRY(reply, parse_object(body, "lease keepalive"));
  if (const auto* error = reply.if_contains("error"); error != nullptr && error->is_object()) {
    return fail(ErrorCode::Unavailable, "etcd lease keepalive failed: {}", json::serialize(*error));
  }
  const auto* result = reply.if_contains("result");
  if (result == nullptr || !result->is_object()) return fail(ErrorCode::Internal, "etcd lease keepalive reply has no result");
  return int64_field(result->as_object(), "TTL");
}

Result<std::vector<KeyValue>> parse_range(std::string_view body) {
  COLONIES_TRY(reply, parse_object(body, "range"));
  return key_values(reply);
}

Result<CampaignOutcome> parse_campaign(std::string_view body) {
  COLONIES_TRY(reply, parse_object(body, "txn"));
  CampaignOutcome outcome;
  if (const auto* s = reply.if_contains("succeeded"); s != nullptr && s->is_bool()) outcome.won = s->as_bool();
  COLONIES_TRY(revision, header_revision(reply));
  outcome.revision = revision;
  if (outcome.won) return outcome;
  // Lost: the failure branch's range names the holder (it may have vanished meanwhile).
  const auto* responses = reply.if_contains("responses");
  if (responses != nullptr && responses->is_array() && !responses->as_array().empty()) {
    const auto& first = responses->as_array().front();
    const auto* range = first.is_object() ? first.as_object().if_contains("response_range") : nullptr;
    if (range == nullptr || !range->is_object()) return fail(ErrorCode::Internal, "etcd txn reply: no response_range");
    COLONIES_TRY(kvs, key_values(range->as_object()));
    if (!kvs.empty()) outcome.holder = std::move(kvs.front());
  }
  return outcome;
}

Error parse_error(int http_status, std::string_view body) {
  std::string message = fmt::format("HTTP {}", http_status);
  std::int64_t code = -1;
  if (auto reply = parse_object(body, "error")) {
    if (const auto* m = reply->if_contains("message"); m != nullptr && m->is_string()) message = m->as_string();
    if (auto c = int64_field(*reply, "code")) code = *c;
  } else if (!body.empty()) {
    message += ": " + std::string(body.substr(0, 200));
  }
  // gRPC status codes: 3 INVALID_ARGUMENT, 5 NOT_FOUND.
  const ErrorCode mapped = code == 5 ? ErrorCode::NotFound : code == 3 ? ErrorCode::BadRequest : ErrorCode::Unavailable;
  return Error{mapped, "etcd: " + message};
}

std::string member_value(std::string_view name, std::string_view url) {
  return json::serialize(json::object{{"name", name}, {"url", url}});
}

Result<MemberValue> parse_member_value(std::string_view value) {
  COLONIES_TRY(object, parse_object(value, "member"));
  MemberValue m;
  auto fields = model::FieldReader::of(object);
  if (auto s = fields.str("name", m.name); !s) return fail(ErrorCode::Internal, "etcd member value: {}", s.error().message);
  if (auto s = fields.str("url", m.url); !s) return fail(ErrorCode::Internal, "etcd member value: {}", s.error().message);
  if (m.name.empty()) return fail(ErrorCode::Internal, "etcd member value has no name: {}", value);
  return m;
}

}  // namespace colonies::cluster::etcd
