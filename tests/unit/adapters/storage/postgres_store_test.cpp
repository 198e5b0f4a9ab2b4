// PostgresStore behaviour beyond the shared conformance suite, against the binary's throwaway
// PostgreSQL: schema migrations and their version check, connection-string and connection
// errors, a batch rejected by the database leaving nothing behind, batches larger than one
// pipeline chunk, and losing the database (stop/start of the real server) with reconnection.
#include <chrono>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "adapters/storage/postgres/migrations.hpp"
#include "adapters/storage/postgres/postgres_store.hpp"
#include "tests/support/postgres_cluster.hpp"
#include "tests/unit/adapters/storage/store_test_data.hpp"

namespace colonies::storage::test {
namespace {

namespace m = ports::mutation;
using colonies::testing::PostgresCluster;
using model::ProcessState;

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { conninfo_ = PostgresCluster::shared().fresh_schema_conninfo(); }

  Result<std::unique_ptr<PostgresStore>> open() { return PostgresStore::open({.conninfo = conninfo_}); }
  std::string query(const std::string& sql) { return PostgresCluster::shared().query(conninfo_, sql); }

  // Calls `f` until it succeeds or `limit` passes; the reconnection backoff is real time.
  template <class F>
  bool eventually(F&& f, std::chrono::seconds limit = std::chrono::seconds(60)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (f()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  std::string conninfo_;
};

TEST_F(PostgresStoreTest, CreatesTheSchemaAndRecordsEveryMigration) {
  auto store = open();
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_GE(postgres::latest_schema_version(), 1);
  EXPECT_EQ(query("SELECT max(version) FROM schema_version"), std::to_string(postgres::latest_schema_version()));
  EXPECT_EQ(query("SELECT count(*) FROM schema_version"), std::to_string(postgres::embedded_migrations().size()));
  // Opening again finds nothing to do.
  auto again = open();
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(query("SELECT count(*) FROM schema_version"), std::to_string(postgres::embedded_migrations().size()));
}

TEST_F(PostgresStoreTest, RefusesADatabaseWithANewerSchemaVersion) {
  ASSERT_TRUE(open());
  query("INSERT INTO schema_version (version, name, applied_at) VALUES (9999, 'future.sql', 0)");
  auto opened = open();
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::Unavailable);
  EXPECT_NE(opened.error().message.find(
                fmt::format("database schema version 9999 is newer than this coloniesd supports ({}); upgrade coloniesd",
                            postgres::latest_schema_version())),
            std::string::npos)
      << opened.error().message;
}

TEST_F(PostgresStoreTest, RejectsAMalformedConnectionStringAsBadRequest) {
  auto opened = PostgresStore::open({.conninfo = "host=/tmp nosuchoption=1"});
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::BadRequest);
  EXPECT_NE(opened.error().message.find("invalid PostgreSQL connection string"), std::string::npos)
      << opened.error().message;
  auto empty = PostgresStore::open({.conninfo = ""});
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, ErrorCode::BadRequest);
}

TEST_F(PostgresStoreTest, ReportsAnUnreachableDatabaseAsUnavailable) {
  // A socket directory where nothing listens.
  auto opened = PostgresStore::open({.conninfo = "host=/nonexistent-colonies-socket-dir port=1 dbname=x connect_timeout=5"});
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::Unavailable);
  EXPECT_NE(opened.error().message.find("cannot connect to PostgreSQL x on /nonexistent-colonies-socket-dir:1"),
            std::string::npos)
      << opened.error().message;
}

TEST_F(PostgresStoreTest, ABatchTheDatabaseRejectsLeavesNothingAndTheNextOneWorks) {
  auto store = open();
  ASSERT_TRUE(store) << store.error().message;
  model::Snapshot first{hex_id(1), "c1", "/a", "snap", {}, {}, kT0};
  ASSERT_TRUE((*store)->apply(std::vector<ports::Mutation>{m::PutColony{make_colony("c1")}, m::PutSnapshot{first}}));
  // A second snapshot under a taken name violates UNIQUE (colonyname, name) mid-batch.
  model::Snapshot clash{hex_id(2), "c1", "/a", "snap", {}, {}, kT0};
  std::vector<ports::Mutation> bad{m::PutProcess{make_process("c1", hex_id(10))}, m::PutSnapshot{clash},
                                   m::PutProcess{make_process("c1", hex_id(11))}};
  auto rejected = (*store)->apply(bad);
  ASSERT_FALSE(rejected);
  EXPECT_EQ(rejected.error().code, ErrorCode::BadRequest) << rejected.error().message;
  auto none = (*store)->get_process(hex_id(10));
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_FALSE(*none);
  ASSERT_TRUE((*store)->apply(std::vector<ports::Mutation>{m::PutProcess{make_process("c1", hex_id(12))}}));
  auto s = (*store)->load();
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s->active_processes.size(), 1u);
  EXPECT_EQ(s->active_processes[0].processid, hex_id(12));
}

TEST_F(PostgresStoreTest, AppliesABatchLargerThanOnePipelineChunkInOneTransaction) {
  auto store = open();
  ASSERT_TRUE(store) << store.error().message;
  std::vector<ports::Mutation> batch{m::PutColony{make_colony("c1")}};
  for (int i = 0; i < 3000; ++i) batch.push_back(m::PutProcess{make_process("c1", hex_id(100 + i))});
  ASSERT_TRUE((*store)->apply(batch));
  auto counts = (*store)->count_processes("c1");
  ASSERT_TRUE(counts) << counts.error().message;
  EXPECT_EQ((*counts)[ProcessState::Waiting], 3000);
  // The same size with a failure at the very end: nothing of it stays.
  std::vector<ports::Mutation> failing;
  for (int i = 0; i < 3000; ++i) failing.push_back(m::PutProcess{make_process("c1", hex_id(10'000 + i))});
  failing.push_back(m::PutSnapshot{model::Snapshot{hex_id(1), "c1", "/a", "s", {}, {}, kT0}});
  failing.push_back(m::PutSnapshot{model::Snapshot{hex_id(2), "c1", "/a", "s", {}, {}, kT0}});
  ASSERT_FALSE((*store)->apply(failing));
  counts = (*store)->count_processes("c1");
  ASSERT_TRUE(counts) << counts.error().message;
  EXPECT_EQ((*counts)[ProcessState::Waiting], 3000);
}

TEST_F(PostgresStoreTest, ReconnectsByItselfAfterTheDatabaseRestarts) {
  auto store = open();
  ASSERT_TRUE(store) << store.error().message;
  ASSERT_TRUE((*store)->apply(std::vector<ports::Mutation>{m::PutColony{make_colony("c1")}}));
  ASSERT_TRUE((*store)->get_process(hex_id(1)));  // the reader connection is up too

  PostgresCluster::shared().stop();
  auto down = (*store)->apply(std::vector<ports::Mutation>{m::PutProcess{make_process("c1", hex_id(1))}});
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code, ErrorCode::Unavailable) << down.error().message;
  auto read_down = (*store)->get_process(hex_id(1));
  ASSERT_FALSE(read_down);
  EXPECT_EQ(read_down.error().code, ErrorCode::Unavailable) << read_down.error().message;

  PostgresCluster::shared().start();
  // The store is the same object: it reconnects (after its backoff) without being reopened.
  std::vector<ports::Mutation> retry{m::PutProcess{make_process("c1", hex_id(1))}};
  EXPECT_TRUE(eventually([&] { return bool((*store)->apply(retry)); }));
  EXPECT_TRUE(eventually([&] {
    auto p = (*store)->get_process(hex_id(1));
    return p && *p;
  }));
}

// High availability: two servers on one database. The second leader's claim fences the first,
// whose next batch fails whole and leaves fenced() on for good.
TEST_F(PostgresStoreTest, ALargerEpochFencesTheDeposedLeadersWrites) {
  auto old_leader = open();
  auto new_leader = open();
  ASSERT_TRUE(old_leader && new_leader);
  ASSERT_TRUE((*old_leader)->claim_epoch(7, "node-a"));
  ASSERT_TRUE((*old_leader)->apply(std::vector<ports::Mutation>{m::PutColony{make_colony("c1")}}));
  EXPECT_EQ(query("SELECT holder || ':' || epoch FROM cluster_fence"), "node-a:7");

  ASSERT_TRUE((*new_leader)->claim_epoch(9, "node-b"));
  std::vector<ports::Mutation> late{m::PutProcess{make_process("c1", hex_id(1))}};
  auto refused = (*old_leader)->apply(late);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::Conflict);
  EXPECT_NE(refused.error().message.find("fenced: this server led epoch 7, but node-b now holds the store with epoch 9"),
            std::string::npos)
      << refused.error().message;
  EXPECT_TRUE((*old_leader)->fenced());
  EXPECT_EQ(query("SELECT count(*) FROM processes"), "0");
  // Still fenced without asking the database again.
  EXPECT_FALSE((*old_leader)->apply(late));
  // The new leader writes.
  ASSERT_TRUE((*new_leader)->apply(late));
  EXPECT_FALSE((*new_leader)->fenced());
  EXPECT_EQ(query("SELECT count(*) FROM processes"), "1");
}

TEST_F(PostgresStoreTest, AClaimWithAnEpochNotLargerThanTheStoredOneIsRefused) {
  auto a = open();
  auto b = open();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE((*a)->claim_epoch(12, "node-a"));
  auto stale = (*b)->claim_epoch(12, "node-b");
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, ErrorCode::Conflict);
  EXPECT_NE(stale.error().message.find("cannot lead with epoch 12: node-a holds the store with epoch 12"),
            std::string::npos)
      << stale.error().message;
  EXPECT_FALSE((*b)->claim_epoch(0, "node-b"));
  // A store that never claimed writes without a check (a single server).
  ASSERT_TRUE((*b)->apply(std::vector<ports::Mutation>{m::PutColony{make_colony("c1")}}));
}

}  // namespace
}  // namespace colonies::storage::test
