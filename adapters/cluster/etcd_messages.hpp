// The JSON bodies etcd's v3 HTTP gateway takes and returns for the few calls the election needs
// (lease grant/keepalive/revoke, range, put, txn): pure builders and parsers, no I/O, tested
// against replies captured from a real etcd 3.4 (tests/fixtures/etcd/). Keys and values are
// bytes (base64 on the wire); 64-bit numbers come as JSON strings and absent fields mean zero
// (proto3), which the parsers accept. Not a general etcd client.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error/error.hpp"

namespace colonies::cluster::etcd {

// One key as a range or a failed campaign returns it.
struct KeyValue {
  std::string key;
  std::string value;
  std::int64_t create_revision = 0;
  std::int64_t mod_revision = 0;
  std::int64_t lease = 0;  // 0: not attached to a lease
};

struct GrantedLease {
  std::int64_t id = 0;
  std::int64_t ttl_s = 0;  // as granted: etcd may raise a TTL below its minimum
};

// What a campaign transaction did: either we created the key (`revision` is the store's
// revision of that write, i.e. the key's create_revision), or someone holds it (`holder`).
struct CampaignOutcome {
  bool won = false;
  std::int64_t revision = 0;
  std::optional<KeyValue> holder;
};

// Request bodies.
std::string lease_grant_request(std::int64_t ttl_s);
std::string lease_request(std::int64_t lease);  // keepalive and revoke: {"ID": ...}
std::string put_request(std::string_view key, std::string_view value, std::int64_t lease);
// Every key that starts with `prefix` (`prefix` must not be empty).
std::string prefix_range_request(std::string_view prefix);
// Creates `key` = `value` attached to `lease` only if the key does not exist (create_revision
// 0); otherwise reads it, so that the loser learns who holds it.
std::string campaign_request(std::string_view key, std::string_view value, std::int64_t lease);

// Reply parsers. Errors: Internal, naming what is malformed (a gateway reply we cannot read).
Result<GrantedLease> parse_lease_grant(std::string_view body);
// The TTL left after a keepalive; 0 when the lease has already expired or was revoked.
Result<std::int64_t> parse_keepalive(std::string_view body);
Result<std::vector<KeyValue>> parse_range(std::string_view body);
Result<CampaignOutcome> parse_campaign(std::string_view body);

// The error a gateway reply with an HTTP status other than 200 stands for, e.g.
// {"error":"etcdserver: requested lease not found","code":5}: gRPC NOT_FOUND → NotFound,
// INVALID_ARGUMENT → BadRequest, anything else → Unavailable.
Error parse_error(int http_status, std::string_view body);

// A member's registration value: {"name": ..., "url": ...}.
std::string member_value(std::string_view name, std::string_view url);
struct MemberValue {
  std::string name;
  std::string url;
};
Result<MemberValue> parse_member_value(std::string_view value);

}  // namespace colonies::cluster::etcd
