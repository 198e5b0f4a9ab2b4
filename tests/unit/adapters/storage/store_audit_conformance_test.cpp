// The Store conformance suite for the audit ledger: entries round-trip every field and come
// back in seq order after a seq, filtered by colony, process, signer and time; PruneAudit
// removes the old prefix behind a checkpoint; the head (in the snapshot and audit_state) is the
// newest entry, else the newest checkpoint; RemoveColony leaves the ledger alone. Run against
// every Store implementation.
#include <gtest/gtest.h>

#include "tests/unit/adapters/storage/store_test_fixture.hpp"

namespace colonies::storage::test {
namespace {

namespace m = ports::mutation;

// Entry `seq` at kT0 + seq seconds; chained only in form (the store does not check hashes).
model::AuditEntry audit(std::int64_t seq, const std::string& colony, const std::string& process,
                        const std::string& signer, int status = 200) {
  model::AuditEntry e;
  e.seq = seq;
  e.time = kT0 + seq * 1'000'000'000LL;
  e.colonyname = colony;
  e.msgtype = "submitfuncspecmsg";
  e.signer = signer;
  e.processid = process;
  e.payload = "eyJtc2d0eXBlIjoic3VibWl0ZnVuY3NwZWNtc2cifQ==";
  e.payloaddigest = model::sha256_hex(e.payload);
  e.signature = std::string(128, 'f');
  e.status = status;
  e.prevhash = seq == 1 ? std::string(model::kAuditGenesisHash) : std::string(64, static_cast<char>('0' + seq - 1));
  e.hash = std::string(64, static_cast<char>('0' + seq));
  return e;
}

class StoreAuditTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    apply({m::AppendAudit{audit(1, "c1", "p1", "s1")}, m::AppendAudit{audit(2, "c2", "", "s2", 403)}});
    apply({m::AppendAudit{audit(3, "c1", "p2", "s2")}, m::AppendAudit{audit(4, "", "", "s1", 400)},
           m::AppendAudit{audit(5, "c1", "p1", "s1")}});
  }
  std::vector<std::int64_t> seqs(ports::AuditQuery q) {
    auto entries = store().list_audit(q);
    EXPECT_TRUE(entries) << entries.error().message;
    std::vector<std::int64_t> out;
    if (entries) {
      for (const auto& e : *entries) out.push_back(e.seq);
    }
    return out;
  }
  using V = std::vector<std::int64_t>;
};

TEST_P(StoreAuditTest, RoundTripsEveryField) {
  auto entries = store().list_audit({.after_seq = 1, .count = 1});
  ASSERT_TRUE(entries);
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ(model::to_json((*entries)[0]), model::to_json(audit(2, "c2", "", "s2", 403)));
}

TEST_P(StoreAuditTest, PagesInSeqOrderAfterASeq) {
  EXPECT_EQ(seqs({}), (V{1, 2, 3, 4, 5}));
  EXPECT_EQ(seqs({.after_seq = 2, .count = 2}), (V{3, 4}));
  EXPECT_EQ(seqs({.after_seq = 5}), V{});
  EXPECT_EQ(seqs({.count = 0}), V{});
}

TEST_P(StoreAuditTest, FiltersByColonyProcessSignerAndTime) {
  EXPECT_EQ(seqs({.colonyname = "c1"}), (V{1, 3, 5}));
  EXPECT_EQ(seqs({.processid = "p1"}), (V{1, 5}));
  EXPECT_EQ(seqs({.signer = "s2"}), (V{2, 3}));
  EXPECT_EQ(seqs({.colonyname = "c1", .signer = "s1"}), (V{1, 5}));
  EXPECT_EQ(seqs({.since = kT0 + 2'000'000'000LL}), (V{2, 3, 4, 5}));
  EXPECT_EQ(seqs({.until = kT0 + 3'000'000'000LL}), (V{1, 2}));
  EXPECT_EQ(seqs({.colonyname = "c1", .since = kT0 + 2'000'000'000LL, .until = kT0 + 5'000'000'000LL}), V{3});
}

TEST_P(StoreAuditTest, TheHeadIsTheNewestEntry) {
  const model::AuditHead head = load().audit_head;
  EXPECT_EQ(head.seq, 5);
  EXPECT_EQ(head.hash, audit(5, "", "", "").hash);
  EXPECT_EQ(head.time, audit(5, "", "", "").time);
  auto state = store().audit_state();
  ASSERT_TRUE(state);
  EXPECT_FALSE(state->checkpoint);
  EXPECT_EQ(state->first_seq, 1);
  EXPECT_EQ(state->entries, 5);
  EXPECT_EQ(state->head.seq, 5);
}

TEST_P(StoreAuditTest, PruningLeavesACheckpointOfTheLastPrunedEntry) {
  apply({m::PruneAudit{.before = kT0 + 3'000'000'000LL, .now = kT0 + 99}});  // entries 1 and 2
  EXPECT_EQ(seqs({}), (V{3, 4, 5}));
  auto state = store().audit_state();
  ASSERT_TRUE(state);
  ASSERT_TRUE(state->checkpoint);
  EXPECT_EQ(state->checkpoint->seq, 2);
  EXPECT_EQ(state->checkpoint->hash, audit(2, "", "", "").hash);
  EXPECT_EQ(state->checkpoint->time, audit(2, "", "", "").time);
  EXPECT_EQ(state->checkpoint->prunedtime, kT0 + 99);
  EXPECT_EQ(state->first_seq, 3);
  EXPECT_EQ(state->head.seq, 5);
  // Nothing old enough: nothing changes.
  apply({m::PruneAudit{.before = kT0, .now = kT0 + 100}});
  EXPECT_EQ(store().audit_state()->checkpoint->seq, 2);
}

TEST_P(StoreAuditTest, WithEveryEntryPrunedTheHeadIsTheCheckpoint) {
  apply({m::PruneAudit{.before = kT0 + 60'000'000'000LL, .now = kT0 + 99}});
  EXPECT_EQ(seqs({}), V{});
  EXPECT_EQ(load().audit_head.seq, 5);
  EXPECT_EQ(load().audit_head.hash, audit(5, "", "", "").hash);
  auto state = store().audit_state();
  ASSERT_TRUE(state);
  EXPECT_EQ(state->first_seq, 0);
  EXPECT_EQ(state->entries, 0);
  EXPECT_EQ(state->head.seq, 5);
  if (persistent()) {
    reopen();
    EXPECT_EQ(load().audit_head.seq, 5);
  }
  apply({m::AppendAudit{audit(6, "c1", "", "s1")}});
  EXPECT_EQ(seqs({}), V{6});
  EXPECT_EQ(store().audit_state()->first_seq, 6);
}

TEST_P(StoreAuditTest, RemovingAColonyKeepsItsEntries) {
  apply({m::RemoveColony{"c1"}});
  EXPECT_EQ(seqs({.colonyname = "c1"}), (V{1, 3, 5}));
}

TEST_P(StoreAuditTest, RefusesAnEntryThatWasNotChained) {
  model::AuditEntry e = audit(6, "c1", "", "s1");
  e.seq = 0;
  std::vector<ports::Mutation> batch{m::AppendAudit{e}};
  auto applied = store().apply(batch);
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().code, ErrorCode::BadRequest);
}

TEST_P(StoreAuditTest, KeepsEntriesAcrossAReopen) {
  if (!persistent()) GTEST_SKIP() << "memory store";
  reopen();
  EXPECT_EQ(seqs({}), (V{1, 2, 3, 4, 5}));
  EXPECT_EQ(load().audit_head.seq, 5);
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreAuditTest, ::testing::ValuesIn(store_kinds()), store_kind_name);

class StoreAuditEmptyTest : public StoreTest {};

TEST_P(StoreAuditEmptyTest, ANewLedgerStartsAtTheGenesis) {
  EXPECT_EQ(load().audit_head.seq, 0);
  EXPECT_EQ(load().audit_head.hash, model::kAuditGenesisHash);
  auto state = store().audit_state();
  ASSERT_TRUE(state);
  EXPECT_FALSE(state->checkpoint);
  EXPECT_EQ(state->entries, 0);
  EXPECT_EQ(state->head.seq, 0);
  // Pruning an empty ledger records nothing.
  apply({m::PruneAudit{.before = kT0, .now = kT0}});
  EXPECT_FALSE(store().audit_state()->checkpoint);
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreAuditEmptyTest, ::testing::ValuesIn(store_kinds()), store_kind_name);

}  // namespace
}  // namespace colonies::storage::test
