// The audit ledger (docs/audit.md): one entry per signed state-changing request, numbered
// 1, 2, 3, ... without gaps and hash-chained (each entry's hash covers the previous one's), with
// the signed payload and its signature so that anyone can check who asked for what offline.
// This file is the entry, its JSON codec, its canonical hash and the chain check a client runs;
// it is not where entries are made (server/audit) or stored (the Store port).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/model/json.hpp"
#include "core/ports/crypto.hpp"

namespace colonies::model {

// The prevhash of entry 1: 64 zeros.
inline constexpr std::string_view kAuditGenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

struct AuditEntry {
  std::int64_t seq = 0;  // 1, 2, 3, ... in commit order, gap-free
  TimeNs time = 0;       // when the entry was committed; never decreases along the chain
  std::string colonyname;  // the colony the request is about; "" when it names none
  std::string msgtype;
  std::string signer;     // the signer's ID (64 hex)
  std::string processid;  // the process the request names or created; "" when none
  std::string payloaddigest;  // sha256 (64 hex) of `payload`, the exact text that was signed
  std::string signature;      // the request's signature (128 hex) of `payload`
  std::string payload;        // the envelope's base64 payload, exactly as signed
  int status = 0;             // the reply's HTTP status (200, 400, 403, 404, 409, ...)
  std::string prevhash;       // the previous entry's hash (kAuditGenesisHash for entry 1)
  std::string hash;           // audit_hash(*this)
};

// Where the chain starts after retention pruned its oldest entries: the last pruned entry's seq,
// hash and time, and when it was pruned.
struct AuditCheckpoint {
  std::int64_t seq = 0;
  std::string hash;
  TimeNs time = 0;
  TimeNs prunedtime = 0;
};

// The newest entry's seq, hash and time: the next entry's predecessor. {0, genesis, 0} when
// nothing was ever recorded.
struct AuditHead {
  std::int64_t seq = 0;
  std::string hash = std::string(kAuditGenesisHash);
  TimeNs time = 0;
};

// What a signed payload says the request is about, as the ledger indexes it: its `colonyname`
// (top level, or that of the object it adds: `colony.name`, `executor.colonyname`, ...,
// `spec.conditions.colonyname`) and its `processid` (top level). "" for what it does not name.
struct AuditSubject {
  std::string colonyname;
  std::string processid;
};
AuditSubject audit_subject(const json::object& payload);

// sha256 of `bytes` as 64 lowercase hex characters.
std::string sha256_hex(std::string_view bytes);

// The bytes an entry's hash covers: a version tag, then every field except `payload` (its digest
// stands for it) and `hash`, each as name, length and value, so that no two entries encode alike.
std::string audit_canonical(const AuditEntry& e);
// sha256_hex(audit_canonical(e)).
std::string audit_hash(const AuditEntry& e);

// `time` and the checkpoint times are RFC 3339; every field is always present.
json::object to_json(const AuditEntry& e);
Result<AuditEntry> audit_entry_from_json(const json::value& v, const std::string& path = "entry");
json::object to_json(const AuditCheckpoint& c);
Result<AuditCheckpoint> audit_checkpoint_from_json(const json::value& v, const std::string& path = "checkpoint");
json::object to_json(const AuditHead& h);
Result<AuditHead> audit_head_from_json(const json::value& v, const std::string& path = "head");

// Checks a ledger entry by entry, in seq order, starting after a checkpoint or at the genesis:
// what `colonies audit verify` runs on the client, so that a server cannot vouch for itself.
// Not thread-safe.
class AuditChainCheck {
 public:
  // Checks entries after `start` (a checkpoint's seq/hash/time, or the default genesis head).
  AuditChainCheck(const ports::Crypto& crypto, AuditHead start = {});
  // The first thing wrong with `e` as the next entry, or nullopt when it is intact: a gap (seq
  // not the next one), a prevhash that is not the previous entry's hash, a time before the
  // previous entry's, a payload that does not match its digest, a hash that does not match the
  // fields, a signature that does not verify, or an indexed field (msgtype, colonyname,
  // processid) that differs from what the signed payload says. Only an intact entry advances
  // the check.
  std::optional<std::string> next(const AuditEntry& e);
  // The last intact entry (or the start).
  const AuditHead& head() const { return head_; }

 private:
  const ports::Crypto& crypto_;
  AuditHead head_;
};

}  // namespace colonies::model
