// Audit ledger entries: canonical hash, JSON codec and the client-side chain check.
#include "core/model/audit.hpp"

#include <sodium.h>

#include <fmt/format.h>

#include "core/protocol/encoding.hpp"

namespace colonies::model {

namespace {

// A string member of `o`, or "" when absent or not a string.
std::string string_of(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return {};
  return std::string(it->value().get_string());
}

const json::object* object_of(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_object()) return nullptr;
  return &it->value().get_object();
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ':';
  out += std::to_string(value.size());
  out += ':';
  out += value;
  out += '\n';
}

}  // namespace

AuditSubject audit_subject(const json::object& payload) {
  AuditSubject s;
  s.processid = string_of(payload, "processid");
  s.colonyname = string_of(payload, "colonyname");
  if (!s.colonyname.empty()) return s;
  if (const auto* colony = object_of(payload, "colony")) {
    s.colonyname = string_of(*colony, "name");
    if (!s.colonyname.empty()) return s;
  }
  if (const auto* spec = object_of(payload, "spec")) {
    if (const auto* conditions = object_of(*spec, "conditions")) {
      s.colonyname = string_of(*conditions, "colonyname");
      if (!s.colonyname.empty()) return s;
    }
    s.colonyname = string_of(*spec, "colonyname");  // a WorkflowSpec
    if (!s.colonyname.empty()) return s;
  }
  // The object an add message carries: executor, user, location, fun, file, cron, generator.
  for (const auto& member : payload) {
    if (!member.value().is_object()) continue;
    s.colonyname = string_of(member.value().get_object(), "colonyname");
    if (!s.colonyname.empty()) return s;
  }
  return s;
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return protocol::hex_encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

std::string audit_canonical(const AuditEntry& e) {
  std::string out = "colonies-audit-v1\n";
  out.reserve(out.size() + 400 + e.colonyname.size() + e.msgtype.size() + e.processid.size());
  append_field(out, "seq", std::to_string(e.seq));
  append_field(out, "time", std::to_string(e.time));
  append_field(out, "colonyname", e.colonyname);
  append_field(out, "msgtype", e.msgtype);
  append_field(out, "signer", e.signer);
  append_field(out, "processid", e.processid);
  append_field(out, "payloaddigest", e.payloaddigest);
  append_field(out, "signature", e.signature);
  append_field(out, "status", std::to_string(e.status));
  append_field(out, "prevhash", e.prevhash);
  return out;
}

std::string audit_hash(const AuditEntry& e) { return sha256_hex(audit_canonical(e)); }

json::object to_json(const AuditEntry& e) {
  return json::object{{"seq", e.seq},
                      {"time", format_time(e.time)},
                      {"colonyname", e.colonyname},
                      {"msgtype", e.msgtype},
                      {"signer", e.signer},
                      {"processid", e.processid},
                      {"payloaddigest", e.payloaddigest},
                      {"signature", e.signature},
                      {"payload", e.payload},
                      {"status", e.status},
                      {"prevhash", e.prevhash},
                      {"hash", e.hash}};
}

Result<AuditEntry> audit_entry_from_json(const json::value& v, const std::string& path) {
  COLONIES_TRY(r, FieldReader::of(v, path));
  AuditEntry e;
  COLONIES_CHECK(r.i64("seq", e.seq));
  COLONIES_CHECK(r.time("time", e.time));
  COLONIES_CHECK(r.str("colonyname", e.colonyname));
  COLONIES_CHECK(r.str("msgtype", e.msgtype));
  COLONIES_CHECK(r.str("signer", e.signer));
  COLONIES_CHECK(r.str("processid", e.processid));
  COLONIES_CHECK(r.str("payloaddigest", e.payloaddigest));
  COLONIES_CHECK(r.str("signature", e.signature));
  COLONIES_CHECK(r.str("payload", e.payload));
  COLONIES_CHECK(r.i32("status", e.status));
  COLONIES_CHECK(r.str("prevhash", e.prevhash));
  COLONIES_CHECK(r.str("hash", e.hash));
  return e;
}

json::object to_json(const AuditCheckpoint& c) {
  return json::object{
      {"seq", c.seq}, {"hash", c.hash}, {"time", format_time(c.time)}, {"prunedtime", format_time(c.prunedtime)}};
}

Result<AuditCheckpoint> audit_checkpoint_from_json(const json::value& v, const std::string& path) {
  COLONIES_TRY(r, FieldReader::of(v, path));
  AuditCheckpoint c;
  COLONIES_CHECK(r.i64("seq", c.seq));
  COLONIES_CHECK(r.str("hash", c.hash));
  COLONIES_CHECK(r.time("time", c.time));
  COLONIES_CHECK(r.time("prunedtime", c.prunedtime));
  return c;
}

json::object to_json(const AuditHead& h) {
  return json::object{{"seq", h.seq}, {"hash", h.hash}, {"time", format_time(h.time)}};
}

Result<AuditHead> audit_head_from_json(const json::value& v, const std::string& path) {
  COLONIES_TRY(r, FieldReader::of(v, path));
  AuditHead h;
  COLONIES_CHECK(r.i64("seq", h.seq));
  COLONIES_CHECK(r.str("hash", h.hash));
  COLONIES_CHECK(r.time("time", h.time));
  return h;
}

AuditChainCheck::AuditChainCheck(const ports::Crypto& crypto, AuditHead start) : crypto_(crypto), head_(std::move(start)) {}

std::optional<std::string> AuditChainCheck::next(const AuditEntry& e) {
  const std::int64_t expected = head_.seq + 1;
  if (e.seq > expected) {
    return e.seq == expected + 1 ? fmt::format("gap: entry {} is missing", expected)
                                 : fmt::format("gap: entries {} to {} are missing", expected, e.seq - 1);
  }
  if (e.seq != expected) return fmt::format("out of order: expected entry {}, found {}", expected, e.seq);
  if (e.prevhash != head_.hash) {
    return head_.seq == 0 ? std::string("prevhash is not the genesis hash")
                          : fmt::format("prevhash does not match the hash of entry {}", head_.seq);
  }
  if (e.time < head_.time) return fmt::format("time goes backwards from entry {}", head_.seq);
  if (sha256_hex(e.payload) != e.payloaddigest) return std::string("payload does not match its digest");
  if (audit_hash(e) != e.hash) return std::string("hash mismatch: a recorded field was changed");
  if (!crypto_.verify(e.payload, e.signature, e.signer)) return std::string("bad signature");
  // The indexed fields must agree with what was signed: a rewrite that recomputed every hash
  // after the changed entry is caught here (and by an anchor, docs/audit.md).
  auto raw = protocol::base64_decode(e.payload);
  auto parsed = raw ? parse_json(*raw) : Result<json::value>(fail(ErrorCode::BadRequest, "not base64"));
  if (!parsed || !parsed->is_object()) return std::string("payload is not a base64 JSON object");
  const json::object& payload = parsed->get_object();
  if (string_of(payload, "msgtype") != e.msgtype) return std::string("msgtype differs from the signed payload");
  const AuditSubject subject = audit_subject(payload);
  if (!subject.colonyname.empty() && subject.colonyname != e.colonyname) {
    return std::string("colonyname differs from the signed payload");
  }
  if (!subject.processid.empty() && subject.processid != e.processid) {
    return std::string("processid differs from the signed payload");
  }
  head_ = AuditHead{e.seq, e.hash, e.time};
  return std::nullopt;
}

}  // namespace colonies::model
