// The leader's in-memory triggers: the generator release rule, the due-cron index and the
// generator queues (pack order, sequence numbers, consumption).
#include <gtest/gtest.h>

#include "server/triggers/triggers.hpp"

namespace colonies::server::triggers {
namespace {

constexpr model::TimeNs kS = 1'000'000'000;
constexpr model::TimeNs kT0 = 1'700'000'000 * kS;

model::Generator generator(int trigger, int timeout) {
  model::Generator g;
  g.generatorid = "g1";
  g.colonyname = "lab";
  g.name = "batcher";
  g.trigger = trigger;
  g.timeout = timeout;
  return g;
}

std::deque<model::GeneratorArg> queue_packed_at(std::initializer_list<model::TimeNs> times) {
  std::deque<model::GeneratorArg> q;
  std::int64_t seq = 0;
  for (auto t : times) q.push_back({.seq = ++seq, .generatorid = "g1", .colonyname = "lab", .arg = "a", .packed = t});
  return q;
}

using V = std::vector<int>;

TEST(GeneratorReleasesTest, NothingQueuedReleasesNothing) {
  EXPECT_EQ(generator_releases(generator(2, 10), {}, kT0), V{});
}

TEST(GeneratorReleasesTest, FullBatchesGoOutAtOnce) {
  auto q = queue_packed_at({kT0, kT0, kT0, kT0, kT0, kT0, kT0});
  EXPECT_EQ(generator_releases(generator(3, 0), q, kT0), (V{3, 3}));
}

TEST(GeneratorReleasesTest, ARemainderWaitsForTheTimeoutOfItsOwnOldestArg) {
  auto q = queue_packed_at({kT0, kT0 + 1 * kS, kT0 + 5 * kS});
  // Trigger 2: the first two go out at once; the third waits 10 s from its own pack time.
  EXPECT_EQ(generator_releases(generator(2, 10), q, kT0 + 6 * kS), (V{2}));
  EXPECT_EQ(generator_releases(generator(2, 10), q, kT0 + 14 * kS), (V{2}));
  EXPECT_EQ(generator_releases(generator(2, 10), q, kT0 + 15 * kS), (V{2, 1}));
}

TEST(GeneratorReleasesTest, FewerThanTriggerArgsGoOutAfterTheTimeout) {
  auto q = queue_packed_at({kT0, kT0 + 2 * kS});
  EXPECT_EQ(generator_releases(generator(5, 10), q, kT0 + 9 * kS), V{});
  EXPECT_EQ(generator_releases(generator(5, 10), q, kT0 + 10 * kS), (V{2}));
}

TEST(GeneratorReleasesTest, WithoutATimeoutOnlyFullBatchesGoOut) {
  auto q = queue_packed_at({kT0, kT0});
  EXPECT_EQ(generator_releases(generator(5, 0), q, kT0 + 1'000'000 * kS), V{});
}

TEST(GeneratorReleasesTest, ANonPositiveTriggerReleasesNothing) {
  auto q = queue_packed_at({kT0});
  EXPECT_EQ(generator_releases(generator(0, 1), q, kT0 + 100 * kS), V{});
}

model::Cron cron(const std::string& id, const std::string& colony, const std::string& name, model::TimeNs nextrun) {
  model::Cron c;
  c.cronid = id;
  c.colonyname = colony;
  c.name = name;
  c.nextrun = nextrun;
  return c;
}

TEST(TriggersTest, DueCronsComeEarliestFirstAndFollowNextrunChanges) {
  Triggers t;
  t.put_cron(cron("c1", "lab", "late", kT0 + 20 * kS));
  t.put_cron(cron("c2", "lab", "early", kT0 + 10 * kS));
  t.put_cron(cron("c3", "lab", "unscheduled", 0));
  EXPECT_EQ(t.due_crons(kT0), std::vector<std::string>{});
  EXPECT_EQ(t.due_crons(kT0 + 30 * kS), (std::vector<std::string>{"c2", "c1"}));
  // Moving nextrun (put again) moves it in the index; the old position is forgotten.
  t.put_cron(cron("c2", "lab", "early", kT0 + 40 * kS));
  EXPECT_EQ(t.due_crons(kT0 + 30 * kS), (std::vector<std::string>{"c1"}));
  t.remove_cron("c1");
  EXPECT_EQ(t.due_crons(kT0 + 30 * kS), std::vector<std::string>{});
  EXPECT_EQ(t.cron_by_name("lab", "late"), nullptr);
  ASSERT_NE(t.cron_by_name("lab", "early"), nullptr);
  EXPECT_EQ(t.cron_by_name("lab", "early")->cronid, "c2");
}

TEST(TriggersTest, ListsPerColonyByName) {
  Triggers t;
  t.put_cron(cron("c1", "lab", "b", kT0));
  t.put_cron(cron("c2", "lab", "a", kT0));
  t.put_cron(cron("c3", "other", "a", kT0));
  auto crons = t.crons("lab");
  ASSERT_EQ(crons.size(), 2u);
  EXPECT_EQ(crons[0]->name, "a");
  EXPECT_EQ(crons[1]->name, "b");
}

TEST(TriggersTest, QueuesKeepPackOrderAndSequenceNumbersNeverRepeat) {
  Triggers t;
  t.put_generator(generator(2, 0));
  EXPECT_EQ(t.next_seq("g1"), 1);
  for (int i = 0; i < 3; ++i) {
    t.enqueue({.seq = t.next_seq("g1"), .generatorid = "g1", .colonyname = "lab", .arg = std::to_string(i)});
  }
  auto taken = t.take("g1", 2);
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(taken[0].arg, "0");
  EXPECT_EQ(taken[1].arg, "1");
  ASSERT_EQ(t.queue("g1").size(), 1u);
  EXPECT_EQ(t.queue("g1").front().arg, "2");
  // Consumed seqs are not reused: the store deletes by "seq <= n".
  EXPECT_EQ(t.next_seq("g1"), 4);
}

TEST(TriggersTest, RestoredQueuesContinueAfterTheirHighestSeq) {
  Triggers t;
  t.put_generator(generator(2, 0));
  t.enqueue({.seq = 7, .generatorid = "g1", .colonyname = "lab", .arg = "x"});
  t.enqueue({.seq = 9, .generatorid = "g1", .colonyname = "lab", .arg = "y"});
  EXPECT_EQ(t.next_seq("g1"), 10);
}

TEST(TriggersTest, RemovingAColonyForgetsItsCronsGeneratorsAndQueues) {
  Triggers t;
  t.put_cron(cron("c1", "lab", "a", kT0));
  t.put_cron(cron("c2", "kept", "a", kT0));
  t.put_generator(generator(2, 0));
  t.enqueue({.seq = 1, .generatorid = "g1", .colonyname = "lab", .arg = "x"});
  t.remove_colony("lab");
  EXPECT_EQ(t.cron("c1"), nullptr);
  EXPECT_NE(t.cron("c2"), nullptr);
  EXPECT_EQ(t.generator("g1"), nullptr);
  EXPECT_TRUE(t.queue("g1").empty());
  EXPECT_EQ(t.due_crons(kT0), std::vector<std::string>{"c2"});
}

// runcronmsg's handler holds the cron it looked up while start_cron reschedules it (put_cron).
// put_cron used to erase the entry and insert a new one, which freed what the handler then read:
// a use after free that AddressSanitizer reports in the fuzz build (the payloads target, seed
// tests/fuzz/corpus/payloads/run-cron). Replacing keeps the entry where it is.
TEST(TriggersTest, PutCronReplacesTheEntryInPlace) {
  Triggers t;
  model::Cron c;
  c.cronid = "c1";
  c.colonyname = "lab";
  c.name = "nightly";
  c.nextrun = kT0;
  t.put_cron(c);
  const model::Cron* held = t.cron("c1");
  ASSERT_NE(held, nullptr);
  const std::string& held_id = held->cronid;
  c.nextrun = kT0 + 60 * kS;
  c.name = "renamed";
  t.put_cron(c);
  EXPECT_EQ(t.cron("c1"), held);
  EXPECT_EQ(held_id, "c1");
  EXPECT_EQ(held->nextrun, kT0 + 60 * kS);
  EXPECT_EQ(t.cron_by_name("lab", "renamed"), held);
  EXPECT_EQ(t.cron_by_name("lab", "nightly"), nullptr);
  EXPECT_EQ(t.due_crons(kT0), std::vector<std::string>{});
  EXPECT_EQ(t.due_crons(kT0 + 60 * kS), std::vector<std::string>{"c1"});
}

}  // namespace
}  // namespace colonies::server::triggers
