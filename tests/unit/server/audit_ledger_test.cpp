// The audit ledger's pieces without a broker: the commit thread's AuditChain (numbering,
// linking, a rejected batch taken back, times that never go back), the chain check a client
// runs (an intact chain passes; a change to any recorded field, a missing range or a rewritten
// chain is named at the right entry) and which message types are recorded.
#include <functional>
#include <variant>

#include <gtest/gtest.h>

#include "adapters/crypto/sodium_crypto.hpp"
#include "core/model/audit.hpp"
#include "core/protocol/encoding.hpp"
#include "core/protocol/envelope.hpp"
#include "core/protocol/messages.hpp"
#include "server/audit/audit_chain.hpp"
#include "server/audit/recorded.hpp"
#include "tests/support/fake_clock.hpp"

namespace colonies::server::audit {
namespace {

namespace json = boost::json;
using model::AuditEntry;
using ports::Mutation;
namespace mutation = ports::mutation;

class AuditLedgerTest : public ::testing::Test {
 protected:
  AuditLedgerTest() : chain_(clock_) {
    auto s = crypto_.signer(crypto_.generate_private_key());
    signer_ = std::move(*s);
  }

  // An entry as the broker drafts it: a really signed payload, its digest, subject and status.
  AuditEntry draft(std::string_view msgtype, json::object payload, int status = 200) {
    auto body = protocol::build_request(msgtype, std::move(payload), *signer_, crypto_.random_hex(16), clock_.now_s());
    auto envelope = protocol::decode_envelope(body);
    EXPECT_TRUE(envelope);
    auto decoded = protocol::decode_payload(*envelope);
    EXPECT_TRUE(decoded);
    AuditEntry e;
    e.msgtype = std::string(msgtype);
    e.signer = signer_->id();
    e.payload = envelope->payload;
    e.signature = envelope->signature;
    e.payloaddigest = model::sha256_hex(e.payload);
    auto subject = model::audit_subject(*decoded);
    e.colonyname = subject.colonyname;
    e.processid = subject.processid;
    e.status = status;
    return e;
  }

  // Seals one batch holding `entries` (between other mutations) and returns them chained.
  std::vector<AuditEntry> seal(std::vector<AuditEntry> entries, bool durable = true) {
    std::vector<Mutation> batch{mutation::SetPaused{"c", true}};
    for (auto& e : entries) batch.push_back(mutation::AppendAudit{std::move(e)});
    batch.push_back(mutation::SetPaused{"c", false});
    chain_.seal(batch);
    chain_.settle(durable);
    std::vector<AuditEntry> out;
    for (auto& m : batch) {
      if (auto* a = std::get_if<mutation::AppendAudit>(&m)) out.push_back(a->entry);
    }
    return out;
  }

  // Three chained entries: add a colony, submit (names a process via the reply), a 403 close.
  std::vector<AuditEntry> three() {
    auto first = seal({draft(protocol::msg::kAddColony, {{"colony", json::object{{"name", "alpha"}, {"colonyid", "x"}}}})});
    clock_.advance_s(1);
    auto submit = draft(protocol::msg::kSubmitFunctionSpec,
                        {{"spec", json::object{{"conditions", json::object{{"colonyname", "alpha"}}}}}});
    submit.processid = "p1";  // from the reply, as the broker fills it
    auto rest = seal({submit, draft(protocol::msg::kCloseSuccessful, {{"processid", "p1"}}, 403)});
    first.insert(first.end(), rest.begin(), rest.end());
    return first;
  }

  // The first problem of `entries` checked from `start`, as "seq: reason"; "" when intact.
  std::string check(const std::vector<AuditEntry>& entries, model::AuditHead start = {}) {
    model::AuditChainCheck checker(crypto_, start);
    for (const auto& e : entries) {
      if (auto problem = checker.next(e)) return std::to_string(e.seq) + ": " + *problem;
    }
    return "";
  }

  testing::FakeClock clock_;
  crypto::SodiumCrypto crypto_;
  std::unique_ptr<ports::Signer> signer_;
  AuditChain chain_;
};

TEST_F(AuditLedgerTest, NumbersAndLinksEntriesInBatchOrder) {
  auto entries = three();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].seq, 1);
  EXPECT_EQ(entries[0].prevhash, model::kAuditGenesisHash);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].seq, static_cast<std::int64_t>(i) + 1);
    EXPECT_EQ(entries[i].hash, model::audit_hash(entries[i]));
    if (i > 0) {
      EXPECT_EQ(entries[i].prevhash, entries[i - 1].hash);
    }
  }
  EXPECT_EQ(entries[0].colonyname, "alpha");
  EXPECT_EQ(entries[1].colonyname, "alpha");
  EXPECT_EQ(entries[2].processid, "p1");
  EXPECT_EQ(chain_.head().seq, 3);
  EXPECT_EQ(chain_.head().hash, entries[2].hash);
  EXPECT_EQ(check(entries), "");
}

TEST_F(AuditLedgerTest, TakesBackTheEntriesOfABatchTheStoreRejected) {
  auto first = seal({draft(protocol::msg::kAddLog, {{"processid", "p"}})});
  auto rejected = seal({draft(protocol::msg::kAddLog, {{"processid", "p"}})}, /*durable=*/false);
  EXPECT_EQ(rejected[0].seq, 2);
  EXPECT_EQ(chain_.head().seq, 1);
  auto next = seal({draft(protocol::msg::kAddLog, {{"processid", "p"}})});
  EXPECT_EQ(next[0].seq, 2);  // no gap
  EXPECT_EQ(next[0].prevhash, first[0].hash);
}

TEST_F(AuditLedgerTest, TimesNeverGoBackwardsEvenIfTheClockDoes) {
  auto first = seal({draft(protocol::msg::kAddLog, {})});
  clock_.advance_s(-60);
  auto second = seal({draft(protocol::msg::kAddLog, {})});
  EXPECT_EQ(second[0].time, first[0].time);
  EXPECT_EQ(check({first[0], second[0]}), "");
}

TEST_F(AuditLedgerTest, ContinuesAfterTheHeadItIsResetTo) {
  chain_.reset(model::AuditHead{41, std::string(64, 'a'), clock_.now()});
  auto next = seal({draft(protocol::msg::kAddLog, {})});
  EXPECT_EQ(next[0].seq, 42);
  EXPECT_EQ(next[0].prevhash, std::string(64, 'a'));
  EXPECT_EQ(check(next, model::AuditHead{41, std::string(64, 'a'), clock_.now()}), "");
  EXPECT_NE(check(next), "");  // not from the genesis
}

TEST_F(AuditLedgerTest, NamesTheEntryWhoseRecordedFieldWasChanged) {
  const std::vector<std::pair<std::string, std::function<void(AuditEntry&)>>> tampers = {
      {"time", [](AuditEntry& e) { e.time += 1; }},
      {"colonyname", [](AuditEntry& e) { e.colonyname = "beta"; }},
      {"msgtype", [](AuditEntry& e) { e.msgtype = "addlogmsg"; }},
      {"signer", [](AuditEntry& e) { e.signer = std::string(64, 'b'); }},
      {"processid", [](AuditEntry& e) { e.processid = "p2"; }},
      {"payloaddigest", [](AuditEntry& e) { e.payloaddigest = std::string(64, 'c'); }},
      {"signature", [](AuditEntry& e) { e.signature[0] = e.signature[0] == 'a' ? 'b' : 'a'; }},
      {"payload", [](AuditEntry& e) { e.payload = protocol::base64_encode("{\"msgtype\":\"submitfuncspecmsg\"}"); }},
      {"status", [](AuditEntry& e) { e.status = 200; }},
      {"prevhash", [](AuditEntry& e) { e.prevhash = std::string(64, 'd'); }},
      {"hash", [](AuditEntry& e) { e.hash = std::string(64, 'e'); }},
  };
  const auto entries = three();
  for (const auto& [field, tamper] : tampers) {
    // The 403 close (entry 3) for status, the submit (entry 2) otherwise.
    const std::size_t at = field == "status" ? 2 : 1;
    auto copy = entries;
    tamper(copy[at]);
    const std::string found = check(copy);
    EXPECT_EQ(found.substr(0, found.find(':')), std::to_string(at + 1)) << field << ": " << found;
  }
}

TEST_F(AuditLedgerTest, SaysWhyAnEntryIsBad) {
  auto entries = three();
  auto digest = entries;
  digest[1].payloaddigest = std::string(64, 'c');
  EXPECT_EQ(check(digest), "2: payload does not match its digest");
  auto status = entries;
  status[2].status = 200;
  EXPECT_EQ(check(status), "3: hash mismatch: a recorded field was changed");
  auto link = entries;
  link[1].prevhash = std::string(64, 'd');
  EXPECT_EQ(check(link), "2: prevhash does not match the hash of entry 1");
  // A signature that is well-formed but another message's: re-hash so only the signature fails.
  auto forged = entries;
  forged[1].signature = entries[2].signature;
  forged[1].hash = model::audit_hash(forged[1]);
  forged[2].prevhash = forged[1].hash;
  forged[2].hash = model::audit_hash(forged[2]);
  EXPECT_EQ(check(forged), "2: bad signature");
}

TEST_F(AuditLedgerTest, ReportsAMissingRange) {
  auto entries = three();
  EXPECT_EQ(check({entries[0], entries[2]}), "3: gap: entry 2 is missing");
  EXPECT_EQ(check({entries[2]}), "3: gap: entries 1 to 2 are missing");
}

TEST_F(AuditLedgerTest, CatchesARewriteThatRecomputedEveryHash) {
  // Whoever can write the database can recompute the chain; the signed payload still says
  // which colony the request was about.
  auto entries = three();
  entries[1].colonyname = "beta";
  for (std::size_t i = 1; i < entries.size(); ++i) {
    entries[i].prevhash = entries[i - 1].hash;
    entries[i].hash = model::audit_hash(entries[i]);
  }
  EXPECT_EQ(check(entries), "2: colonyname differs from the signed payload");
}

TEST_F(AuditLedgerTest, VerifiesFromACheckpoint) {
  auto entries = three();
  const model::AuditHead checkpoint{entries[0].seq, entries[0].hash, entries[0].time};
  EXPECT_EQ(check({entries[1], entries[2]}, checkpoint), "");
  EXPECT_EQ(check({entries[2]}, checkpoint), "3: gap: entry 2 is missing");
}

TEST_F(AuditLedgerTest, RecordsStateChangingTypesOnly) {
  for (auto type : {protocol::msg::kSubmitFunctionSpec, protocol::msg::kAssignProcess, protocol::msg::kCloseFailed,
                    protocol::msg::kAddColony, protocol::msg::kAddLog, protocol::msg::kChannelAppend,
                    protocol::msg::kPackGenerator, protocol::msg::kChangeServerId}) {
    EXPECT_TRUE(is_recorded(type)) << type;
  }
  for (auto type : {protocol::msg::kGetProcess, protocol::msg::kGetProcesses, protocol::msg::kGetLogs,
                    protocol::msg::kChannelRead, protocol::msg::kVersion, protocol::msg::kGetAudit,
                    protocol::msg::kGetAuditHead, protocol::msg::kSubscribeProcess, protocol::msg::kResolveGenerator}) {
    EXPECT_FALSE(is_recorded(type)) << type;
  }
}

}  // namespace
}  // namespace colonies::server::audit
