// The scheduler's structures: queue order (priority, then FIFO), which executor may take which
// process (colony, type, names, location, capabilities, availability), selection among 100k
// queued processes, FIFO long-poll waiters, and deadlines popped in time order.
#include <algorithm>
#include <random>

#include <gtest/gtest.h>

#include "server/scheduler/scheduler.hpp"

namespace colonies::server::scheduler {
namespace {

constexpr model::TimeNs kT0 = 1'790'000'000'000'000'000LL;
constexpr model::TimeNs kSecond = 1'000'000'000LL;

struct Proc {
  std::string id;
  model::Conditions conditions;
  int priority = 0;
  model::TimeNs submitted = kT0;
};

class SchedulerTest : public ::testing::Test {
 protected:
  ActiveProcess* add(const std::string& id, model::Conditions c = {}, int priority = 0, model::TimeNs at = 0) {
    model::Process p;
    p.processid = id;
    p.state = model::ProcessState::Waiting;
    p.spec.funcname = "f";
    p.spec.priority = priority;
    if (c.colonyname.empty()) c.colonyname = "colony";
    if (c.executortype.empty() && c.executornames.empty()) c.executortype = "worker";
    p.spec.conditions = c;
    p.submissiontime = at ? at : kT0 + static_cast<model::TimeNs>(++submitted_) * 1000;
    p.prioritytime = model::priority_time(priority, p.submissiontime);
    auto req = model::validate(p.spec);
    EXPECT_TRUE(req.has_value()) << (req ? "" : req.error().message);
    return sched_.add(std::move(p), req.value_or(model::Requirements{}));
  }

  static ExecutorQuery query(std::string type = "worker", std::string name = "e1", std::string location = "",
                             std::string colony = "colony") {
    ExecutorQuery q;
    q.colony = std::move(colony);
    q.type = std::move(type);
    q.name = std::move(name);
    q.location = std::move(location);
    q.executorid = q.name + "-id";
    return q;
  }

  // A "worker" executor whose hardware offers one CPU.
  static ExecutorQuery one_cpu_query(std::string name) {
    auto q = query("worker", std::move(name));
    model::Capabilities caps;
    model::Hardware hw;
    hw.cpu = "1";
    caps.hardware.push_back(hw);
    q.profile = make_profile(caps).value();
    return q;
  }

  // The id of the process best_for picks, or "" for none.
  std::string pick(const ExecutorQuery& q) {
    ActiveProcess* p = sched_.best_for(q);
    return p ? p->process.processid : "";
  }
  // Picks and dequeues, as an assignment does.
  std::string take(const ExecutorQuery& q) {
    ActiveProcess* p = sched_.best_for(q);
    if (!p) return "";
    sched_.dequeue(p);
    return p->process.processid;
  }

  Waiter waiter(ExecutorQuery q, std::vector<std::string>* woken) {
    Waiter w;
    w.query = std::move(q);
    const std::string name = w.query.name;
    w.wake = [woken, name](ActiveProcess*) { woken->push_back(name); };
    return w;
  }

  Scheduler sched_;
  int submitted_ = 0;
};

TEST_F(SchedulerTest, HigherPriorityFirstThenSubmissionOrder) {
  add("a", {}, 0);
  add("b", {}, 0);
  add("c", {}, 5);
  add("d", {}, -3);
  add("e", {}, 5);
  const auto q = query();
  std::vector<std::string> order;
  for (std::string id = take(q); !id.empty(); id = take(q)) order.push_back(id);
  EXPECT_EQ(order, (std::vector<std::string>{"c", "e", "a", "b", "d"}));
  EXPECT_EQ(sched_.queued_count(), 0u);
}

TEST_F(SchedulerTest, OnlyTheProcessesColonyAndTypeMatch) {
  model::Conditions gpu;
  gpu.executortype = "gpu";
  add("gpu-job", gpu);
  model::Conditions other;
  other.colonyname = "other";
  add("other-job", other);
  EXPECT_EQ(pick(query("worker")), "");
  EXPECT_EQ(pick(query("gpu")), "gpu-job");
  EXPECT_EQ(pick(query("worker", "e1", "", "other")), "other-job");
}

TEST_F(SchedulerTest, LocationMatchesCaseInsensitively) {
  model::Conditions c;
  c.locationname = "Lab-A";
  add("located", c);
  EXPECT_EQ(pick(query("worker", "e1", "")), "");
  EXPECT_EQ(pick(query("worker", "e1", "lab-b")), "");
  EXPECT_EQ(pick(query("worker", "e1", "lab-a")), "located");  // queries carry lower-case locations
}

TEST_F(SchedulerTest, ProcessWithoutLocationRunsAnywhere) {
  add("anywhere");
  EXPECT_EQ(pick(query("worker", "e1", "lab-a")), "anywhere");
}

TEST_F(SchedulerTest, ExecutorNamesRestrictWhoMayTakeIt) {
  model::Conditions c;
  c.executornames = {"e2", "e3"};
  add("named", c);
  EXPECT_EQ(pick(query("worker", "e1")), "");
  EXPECT_EQ(pick(query("worker", "e3")), "named");
  EXPECT_EQ(take(query("worker", "e2")), "named");
  EXPECT_EQ(pick(query("worker", "e3")), "") << "a taken process is gone from every name's queue";
}

TEST_F(SchedulerTest, NamedProcessWithoutTypeGoesToThatNameOfAnyType) {
  model::Conditions c;
  c.executornames = {"e2"};
  c.executortype = "";
  add("named-any-type", c);
  EXPECT_EQ(pick(query("gpu", "e2")), "named-any-type");
  EXPECT_EQ(pick(query("gpu", "e1")), "");
}

TEST_F(SchedulerTest, SkipsProcessesBeyondTheExecutorsCapabilities) {
  model::Conditions big;
  big.cpu = "8";
  add("big", big, 10);
  model::Conditions small;
  small.cpu = "500m";
  add("small", small, 0);
  auto q = query();
  model::Capabilities caps;
  model::Hardware hw;
  hw.cpu = "2";
  caps.hardware.push_back(hw);
  q.profile = make_profile(caps).value();
  EXPECT_EQ(pick(q), "small");
  EXPECT_EQ(pick(query()), "big") << "an executor without declared hardware takes the higher priority";
}

TEST_F(SchedulerTest, SkipsProcessesBeyondWhatIsAvailableNow) {
  model::Conditions big;
  big.mem = "16Gi";
  big.gpu.count = 2;
  add("big", big, 10);
  add("plain", {}, 0);
  auto q = query();
  q.available = Availability{-1, 8LL << 30, -1};
  EXPECT_EQ(pick(q), "plain");
  q.available = Availability{-1, 16LL << 30, 1};
  EXPECT_EQ(pick(q), "plain");
  q.available = Availability{-1, 16LL << 30, 2};
  EXPECT_EQ(pick(q), "big");
}

TEST_F(SchedulerTest, PicksTheRightHeadAmong100kQueuedProcesses) {
  // Ten requirement sets, random priorities: best_for must return exactly the head a full
  // scan would, while only looking at one head per requirement set.
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> prio(-5, 5);
  std::uniform_int_distribution<int> cpu_pick(1, 10);
  struct Expect {
    std::int64_t prioritytime;
    std::uint64_t order;
    std::string id;
    int cpu;
  };
  std::vector<Expect> all;
  constexpr int kCount = 100'000;
  all.reserve(kCount);
  for (int i = 0; i < kCount; ++i) {
    model::Conditions c;
    const int cpu = cpu_pick(rng);
    c.cpu = std::to_string(cpu);
    const int priority = prio(rng);
    ActiveProcess* p = add("p" + std::to_string(i), c, priority);
    all.push_back({p->process.prioritytime, static_cast<std::uint64_t>(i), p->process.processid, cpu});
  }
  EXPECT_EQ(sched_.queued_count(), static_cast<std::size_t>(kCount));
  std::ranges::sort(all, [](const Expect& a, const Expect& b) {
    return std::tie(a.prioritytime, a.order) < std::tie(b.prioritytime, b.order);
  });
  // An executor of 4 cores takes only cpu <= 4, in priority order.
  auto q = query();
  model::Capabilities caps;
  model::Hardware hw;
  hw.cpu = "4";
  caps.hardware.push_back(hw);
  q.profile = make_profile(caps).value();
  std::vector<std::string> expected;
  for (const auto& e : all) {
    if (e.cpu <= 4 && expected.size() < 2000) expected.push_back(e.id);
  }
  std::vector<std::string> got;
  for (int i = 0; i < 2000; ++i) got.push_back(take(q));
  EXPECT_EQ(got, expected);
  // An unrestricted executor now gets the best of what is left.
  std::string best_left;
  for (const auto& e : all) {
    if (std::ranges::find(expected, e.id) == expected.end()) {
      best_left = e.id;
      break;
    }
  }
  EXPECT_EQ(pick(query()), best_left);
  EXPECT_EQ(sched_.queued_count(), static_cast<std::size_t>(kCount - 2000));
}

TEST_F(SchedulerTest, RemoveForgetsQueueEntryAndTimers) {
  ActiveProcess* p = add("gone");
  sched_.set_deadline(p, DeadlineKind::Wait, kT0 + kSecond);
  sched_.remove("gone");
  EXPECT_EQ(sched_.find("gone"), nullptr);
  EXPECT_EQ(pick(query()), "");
  EXPECT_TRUE(sched_.pop_expired(kT0 + 10 * kSecond).process_deadlines.empty());
}

TEST_F(SchedulerTest, RunningProcessesAreKnownButNotQueued) {
  model::Process p;
  p.processid = "running";
  p.state = model::ProcessState::Running;
  p.spec.conditions.colonyname = "colony";
  p.spec.conditions.executortype = "worker";
  sched_.add(std::move(p), model::Requirements{});
  EXPECT_NE(sched_.find("running"), nullptr);
  EXPECT_EQ(pick(query()), "");
  EXPECT_EQ(sched_.queued_count(), 0u);
}

TEST_F(SchedulerTest, WaitersAreServedFirstInFirstOut) {
  std::vector<std::string> woken;
  sched_.park(waiter(query("worker", "e1"), &woken), kT0 + 60 * kSecond);
  sched_.park(waiter(query("worker", "e2"), &woken), kT0 + 60 * kSecond);
  sched_.park(waiter(query("worker", "e3"), &woken), kT0 + 60 * kSecond);
  ActiveProcess* p = add("p");
  auto first = sched_.take_waiter_for(*p);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->query.name, "e1");
  EXPECT_EQ(sched_.parked_count(), 2u) << "exactly one waiter is handed the process";
  auto second = sched_.take_waiter_for(*p);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->query.name, "e2");
  EXPECT_TRUE(woken.empty()) << "taking a waiter does not wake it: the broker does";
}

TEST_F(SchedulerTest, LifoOrderServesTheLatestWaiterFirstAndStillSkipsOnesThatCannotRunIt) {
  Scheduler lifo(WaiterOrder::Lifo);
  std::vector<std::string> woken;
  auto small = one_cpu_query("small");
  lifo.park(waiter(query("worker", "e1"), &woken), kT0 + 60 * kSecond);
  lifo.park(waiter(query("worker", "e2"), &woken), kT0 + 60 * kSecond);
  lifo.park(waiter(small, &woken), kT0 + 60 * kSecond);
  model::Process process;
  process.processid = "needs-4";
  process.spec.funcname = "f";
  process.spec.conditions.colonyname = "colony";
  process.spec.conditions.executortype = "worker";
  process.spec.conditions.cpu = "4";
  process.submissiontime = kT0;
  auto req = model::validate(process.spec);
  ASSERT_TRUE(req.has_value());
  ActiveProcess* p = lifo.add(std::move(process), *req);
  auto first = lifo.take_waiter_for(*p);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->query.name, "e2") << "the latest parked waiter that can run it ('small' cannot)";
  auto second = lifo.take_waiter_for(*p);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->query.name, "e1");
  EXPECT_EQ(lifo.parked_count(), 1u);
  // Expiry still follows the deadlines, whatever the order.
  EXPECT_EQ(lifo.pop_expired(kT0 + 61 * kSecond).waiters.size(), 1u);
}

TEST_F(SchedulerTest, NewProcessGoesToTheFirstWaiterThatFits) {
  std::vector<std::string> woken;
  auto small = one_cpu_query("small");
  sched_.park(waiter(small, &woken), kT0 + 60 * kSecond);
  sched_.park(waiter(query("gpu", "gpu-exec"), &woken), kT0 + 60 * kSecond);
  sched_.park(waiter(query("worker", "large"), &woken), kT0 + 60 * kSecond);
  model::Conditions c;
  c.cpu = "4";
  ActiveProcess* p = add("needs-4", c);
  auto w = sched_.take_waiter_for(*p);
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->query.name, "large");
  EXPECT_EQ(sched_.parked_count(), 2u);
  EXPECT_FALSE(sched_.take_waiter_for(*p).has_value()) << "no other parked executor can run it";
}

TEST_F(SchedulerTest, WaiterOfAnotherColonyIsNotHandedTheProcess) {
  std::vector<std::string> woken;
  sched_.park(waiter(query("worker", "e1", "", "other"), &woken), kT0 + 60 * kSecond);
  ActiveProcess* p = add("p");
  EXPECT_FALSE(sched_.take_waiter_for(*p).has_value());
  EXPECT_EQ(sched_.parked_count(), 1u);
}

TEST_F(SchedulerTest, DeadlinesPopInTimeOrder) {
  ActiveProcess* a = add("a");
  ActiveProcess* b = add("b");
  ActiveProcess* c = add("c");
  sched_.set_deadline(a, DeadlineKind::Wait, kT0 + 30 * kSecond);
  sched_.set_deadline(b, DeadlineKind::Wait, kT0 + 10 * kSecond);
  sched_.set_deadline(c, DeadlineKind::Exec, kT0 + 20 * kSecond);
  EXPECT_TRUE(sched_.pop_expired(kT0 + 9 * kSecond).process_deadlines.empty());
  auto expired = sched_.pop_expired(kT0 + 25 * kSecond);
  ASSERT_EQ(expired.process_deadlines.size(), 2u);
  EXPECT_EQ(expired.process_deadlines[0].id, "b");
  EXPECT_EQ(expired.process_deadlines[0].kind, DeadlineKind::Wait);
  EXPECT_EQ(expired.process_deadlines[1].id, "c");
  EXPECT_EQ(expired.process_deadlines[1].kind, DeadlineKind::Exec);
  expired = sched_.pop_expired(kT0 + 25 * kSecond);
  EXPECT_TRUE(expired.process_deadlines.empty()) << "a deadline fires once";
  expired = sched_.pop_expired(kT0 + 31 * kSecond);
  ASSERT_EQ(expired.process_deadlines.size(), 1u);
  EXPECT_EQ(expired.process_deadlines[0].id, "a");
}

TEST_F(SchedulerTest, ClearedAndReplacedDeadlinesDoNotFire) {
  ActiveProcess* a = add("a");
  sched_.set_deadline(a, DeadlineKind::Wait, kT0 + 10 * kSecond);
  sched_.set_deadline(a, DeadlineKind::Wait, kT0 + 50 * kSecond);  // replaces
  ActiveProcess* b = add("b");
  sched_.set_deadline(b, DeadlineKind::Exec, kT0 + 10 * kSecond);
  sched_.clear_deadline(b, DeadlineKind::Exec);
  EXPECT_TRUE(sched_.pop_expired(kT0 + 20 * kSecond).process_deadlines.empty());
  auto expired = sched_.pop_expired(kT0 + 50 * kSecond);
  ASSERT_EQ(expired.process_deadlines.size(), 1u);
  EXPECT_EQ(expired.process_deadlines[0].id, "a");
}

TEST_F(SchedulerTest, ExpiredLongPollsComeBackAsWaiters) {
  std::vector<std::string> woken;
  sched_.park(waiter(query("worker", "late"), &woken), kT0 + 20 * kSecond);
  sched_.park(waiter(query("worker", "early"), &woken), kT0 + 10 * kSecond);
  auto expired = sched_.pop_expired(kT0 + 15 * kSecond);
  ASSERT_EQ(expired.waiters.size(), 1u);
  EXPECT_EQ(expired.waiters[0].query.name, "early");
  EXPECT_EQ(sched_.parked_count(), 1u);
  ActiveProcess* p = add("p");
  auto w = sched_.take_waiter_for(*p);
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->query.name, "late");
  EXPECT_TRUE(sched_.pop_expired(kT0 + 30 * kSecond).waiters.empty()) << "a taken waiter's deadline is gone";
}

}  // namespace
}  // namespace colonies::server::scheduler

namespace colonies::server::scheduler {
namespace {

class SchedulerDepthTest : public SchedulerTest {};

TEST_F(SchedulerDepthTest, QueueDepthsCountEachProcessOncePerTypeEvenWhenItNamesSeveralExecutors) {
  add("p1");
  add("p2");
  model::Conditions gpu;
  gpu.executortype = "gpu";
  add("p3", gpu);
  model::Conditions named;
  named.executornames = {"e1", "e2", "e3"};  // any type, three names: one process
  add("p4", named);
  model::Conditions elsewhere;
  elsewhere.colonyname = "other";
  add("p5", elsewhere);
  const auto depths = sched_.queue_depths();
  ASSERT_EQ(depths.size(), 4u);
  EXPECT_EQ(depths[0].colony, "colony");
  EXPECT_EQ(depths[0].type, "");  // name-targeted, any type
  EXPECT_EQ(depths[0].count, 1u);
  EXPECT_EQ(depths[1].type, "gpu");
  EXPECT_EQ(depths[1].count, 1u);
  EXPECT_EQ(depths[2].type, "worker");
  EXPECT_EQ(depths[2].count, 2u);
  EXPECT_EQ(depths[3].colony, "other");
  EXPECT_EQ(depths[3].count, 1u);

  sched_.dequeue(sched_.find("p1"));
  EXPECT_EQ(sched_.queue_depths()[2].count, 1u);
}

TEST_F(SchedulerDepthTest, ParkedDepthsCountLongPollsPerColonyAndType) {
  Waiter a;
  a.query = query("worker", "e1");
  a.wake = [](ActiveProcess*) {};
  Waiter b;
  b.query = query("worker", "e2");
  b.wake = [](ActiveProcess*) {};
  Waiter c;
  c.query = query("gpu", "e3");
  c.wake = [](ActiveProcess*) {};
  sched_.park(std::move(a), kT0 + 10 * kSecond);
  sched_.park(std::move(b), kT0 + 10 * kSecond);
  sched_.park(std::move(c), kT0 + 10 * kSecond);
  const auto parked = sched_.parked_depths();
  ASSERT_EQ(parked.size(), 2u);
  EXPECT_EQ(parked[0].type, "gpu");
  EXPECT_EQ(parked[0].count, 1u);
  EXPECT_EQ(parked[1].type, "worker");
  EXPECT_EQ(parked[1].count, 2u);
}

}  // namespace
}  // namespace colonies::server::scheduler
