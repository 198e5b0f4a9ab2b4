// The Store conformance suite for logs: get_logs (by process or executor, since, latest, count)
// and search_logs, run against every Store implementation. See store_conformance_test.cpp for
// the rest of the port.
#include <gtest/gtest.h>

#include "tests/unit/adapters/storage/store_test_fixture.hpp"

namespace colonies::storage::test {
namespace {

namespace m = ports::mutation;

class StoreLogTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    // Two processes of exec-1 and one of exec-2 in c1, interleaved in time; one log in c2 that
    // shares a process and executor name with c1 to check colony scoping. "p1-t3b" has the same
    // timestamp as "p1-t3" and was appended after it.
    apply({m::AppendLog{make_log("c1", "p1", "exec-1", kT0 + 1, "p1-t1")},
           m::AppendLog{make_log("c1", "p2", "exec-1", kT0 + 2, "p2-t2")},
           m::AppendLog{make_log("c1", "p1", "exec-1", kT0 + 3, "p1-t3")},
           m::AppendLog{make_log("c1", "p1", "exec-1", kT0 + 3, "p1-t3b")},
           m::AppendLog{make_log("c1", "p3", "exec-2", kT0 + 4, "p3-t4")}});
    apply({m::AppendLog{make_log("c1", "p1", "exec-1", kT0 + 5, "p1-t5")},
           m::AppendLog{make_log("c2", "p1", "exec-1", kT0 + 6, "c2-p1-t6")}});
  }
  using V = std::vector<std::string>;
};

TEST_P(StoreLogTest, ReturnsLogsOfAProcessOldestFirst) {
  EXPECT_EQ(log_messages({.colonyname = "c1", .processid = "p1"}), (V{"p1-t1", "p1-t3", "p1-t3b", "p1-t5"}));
}

TEST_P(StoreLogTest, RoundTripsEveryLogField) {
  auto logs = store().get_logs({.colonyname = "c1", .processid = "p3"});
  ASSERT_TRUE(logs);
  ASSERT_EQ(logs->size(), 1u);
  EXPECT_EQ(as_json((*logs)[0]), as_json(make_log("c1", "p3", "exec-2", kT0 + 4, "p3-t4")));
}

TEST_P(StoreLogTest, LimitsToTheOldestCount) {
  EXPECT_EQ(log_messages({.colonyname = "c1", .processid = "p1", .count = 2}), (V{"p1-t1", "p1-t3"}));
  EXPECT_TRUE(log_messages({.colonyname = "c1", .processid = "p1", .count = 0}).empty());
}

TEST_P(StoreLogTest, LatestReturnsTheNewestCountOldestFirst) {
  EXPECT_EQ(log_messages({.colonyname = "c1", .processid = "p1", .count = 2, .latest = true}), (V{"p1-t3b", "p1-t5"}));
  EXPECT_EQ(log_messages({.colonyname = "c1", .processid = "p1", .count = 10, .latest = true}),
            (V{"p1-t1", "p1-t3", "p1-t3b", "p1-t5"}));
}

TEST_P(StoreLogTest, SinceExcludesLogsAtOrBeforeIt) {
  EXPECT_EQ(log_messages({.colonyname = "c1", .processid = "p1", .since = kT0 + 3}), (V{"p1-t5"}));
  EXPECT_EQ(log_messages({.colonyname = "c1", .processid = "p1", .since = kT0 + 2}), (V{"p1-t3", "p1-t3b", "p1-t5"}));
}

TEST_P(StoreLogTest, ReturnsLogsOfAnExecutorWithinTheColony) {
  EXPECT_EQ(log_messages({.colonyname = "c1", .executorname = "exec-1"}),
            (V{"p1-t1", "p2-t2", "p1-t3", "p1-t3b", "p1-t5"}));
  EXPECT_EQ(log_messages({.colonyname = "c1", .executorname = "exec-1", .count = 2, .since = kT0 + 1, .latest = true}),
            (V{"p1-t3b", "p1-t5"}));
  EXPECT_EQ(log_messages({.colonyname = "c2", .executorname = "exec-1"}), (V{"c2-p1-t6"}));
  EXPECT_TRUE(log_messages({.colonyname = "c1", .executorname = "nobody"}).empty());
}

TEST_P(StoreLogTest, ProcessIdTakesPrecedenceOverExecutorName) {
  EXPECT_EQ(log_messages({.colonyname = "c1", .processid = "p3", .executorname = "exec-1"}), (V{"p3-t4"}));
}

TEST_P(StoreLogTest, SearchFindsSubstringsNewestFirstWithinTheColony) {
  EXPECT_EQ(search("c1", "p1-"), (V{"p1-t5", "p1-t3b", "p1-t3", "p1-t1"}));
  EXPECT_EQ(search("c1", "T3"), (V{"p1-t3b", "p1-t3"}));  // case-insensitive
  EXPECT_EQ(search("c1", "p1-", kT0 + 3), (V{"p1-t5"}));
  EXPECT_EQ(search("c1", "-t", 0, 2), (V{"p1-t5", "p3-t4"}));
  EXPECT_EQ(search("c2", "p1"), (V{"c2-p1-t6"}));
  EXPECT_TRUE(search("c1", "absent").empty());
  EXPECT_TRUE(search("c1", "p1", 0, 0).empty());
}

TEST_P(StoreTest, SearchTreatsWildcardCharactersLiterally) {
  apply({m::AppendLog{make_log("c1", "p", "e", kT0 + 1, "100% done")},
         m::AppendLog{make_log("c1", "p", "e", kT0 + 2, "1000 done")},
         m::AppendLog{make_log("c1", "p", "e", kT0 + 3, "a_b")},
         m::AppendLog{make_log("c1", "p", "e", kT0 + 4, "axb")},
         m::AppendLog{make_log("c1", "p", "e", kT0 + 5, "back\\slash")}});
  EXPECT_EQ(search("c1", "0%"), (std::vector<std::string>{"100% done"}));
  EXPECT_EQ(search("c1", "a_b"), (std::vector<std::string>{"a_b"}));
  EXPECT_EQ(search("c1", "k\\s"), (std::vector<std::string>{"back\\slash"}));
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreLogTest, ::testing::ValuesIn(store_kinds()), store_kind_name);

}  // namespace
}  // namespace colonies::storage::test
