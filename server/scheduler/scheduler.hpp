// The in-memory scheduler: every WAITING and RUNNING process, the assignable ones indexed for
// O(log n) selection, the parked long-poll assigns, and the deadline timers. It decides *which*
// process and *which* waiter; the broker (server/api) performs the state transitions, writes
// them to the store and answers. Not thread-safe: the broker calls it under its lock.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/model/process.hpp"
#include "server/scheduler/matching.hpp"

namespace colonies::server::scheduler {

// Where a process may be picked up: general pool (name "") or targeted at one executor name.
struct QueueKey {
  std::string colony;
  std::string type;      // "" only for name-targeted processes that accept any type
  std::string name;      // "" = general pool
  std::string location;  // lower-case; "" = anywhere
  bool operator==(const QueueKey&) const = default;
};
struct QueueKeyHash {
  std::size_t operator()(const QueueKey& k) const;
};

// Wait: spec.maxwaittime. Exec: spec.maxexectime. Poll: a parked long-poll's end. Fallback: the
// next of spec.conditions.fallback becomes eligible (cloud bursting).
enum class DeadlineKind { Wait, Exec, Poll, Fallback };

struct Deadline {
  model::TimeNs at = 0;
  std::uint64_t seq = 0;
  DeadlineKind kind = DeadlineKind::Wait;
  std::string id;  // processid, or waiter id
  auto operator<=>(const Deadline& o) const { return std::tie(at, seq) <=> std::tie(o.at, o.seq); }
  bool operator==(const Deadline& o) const { return at == o.at && seq == o.seq; }
};

struct ActiveProcess;

struct QueueEntry {
  std::int64_t prioritytime = 0;
  std::uint64_t seq = 0;
  ActiveProcess* process = nullptr;
  bool operator<(const QueueEntry& o) const {
    return prioritytime != o.prioritytime ? prioritytime < o.prioritytime : seq < o.seq;
  }
};
using Queue = std::set<QueueEntry>;
// Processes of one key grouped by identical requirements, so that matching costs one check per
// distinct requirement set, not per process.
using QueueGroup = std::map<model::Requirements, Queue>;

struct ActiveProcess {
  model::Process process;
  model::Requirements req;
  std::uint64_t seq = 0;
  struct Slot {
    QueueKey key;
    QueueGroup::iterator bucket;
    Queue::iterator entry;
  };
  std::vector<Slot> slots;  // non-empty while assignable
  std::optional<std::set<Deadline>::iterator> wait_deadline;
  std::optional<std::set<Deadline>::iterator> exec_deadline;
  // Cloud bursting: when the process became assignable, and how many of its fallbacks (a prefix
  // of spec.conditions.fallback, which is ordered by `after`) are eligible now.
  model::TimeNs queued_since = 0;
  std::size_t fallbacks_active = 0;
  std::optional<std::set<Deadline>::iterator> fallback_deadline;
};

// Who asks for work: the executor's identity, capabilities and what it has free now.
struct ExecutorQuery {
  std::string colony;
  std::string type;
  std::string name;
  std::string location;  // lower-case
  std::string executorid;
  ExecutorProfile profile;
  Availability available;
};

struct Waiter {
  std::uint64_t id = 0;
  ExecutorQuery query;
  // Called exactly once, under the broker's lock: with the process handed to this waiter (the
  // broker then assigns it), or with nullptr when the long-poll deadline passed.
  std::function<void(ActiveProcess*)> wake;
  // Whether the client is still connected (empty = assume so). Checked before handing work.
  std::function<bool()> alive;
  std::optional<std::set<Deadline>::iterator> deadline;
  model::TimeNs until = 0;  // the long-poll's deadline, set by park()
};

// Whether an executor of `type` at `location` (lower-case) may take the process now: its own
// executor type (or any type, for name-targeted processes) and location, or one of its eligible
// fallbacks. Names and resources are checked elsewhere.
bool accepts_placement(const ActiveProcess& p, const std::string& type, const std::string& location);

// Which parked long-poll a new process goes to, among those that can take it (coloniesd
// --long-poll-order). Fifo: the one that has waited longest, so work spreads evenly over the
// executors. Lifo: the one parked last, so a busy colony keeps a few executors hot and lets the
// others' polls time out (fewer processes' caches and connections in use; less fair).
enum class WaiterOrder { Fifo, Lifo };

// A count per (colony, executor type), for metrics.
struct TypeCount {
  std::string colony;
  std::string type;  // "" for processes that target executor names and accept any type
  std::size_t count = 0;
};

class Scheduler {
 public:
  explicit Scheduler(WaiterOrder order = WaiterOrder::Fifo) : order_(order) {}

  // Takes a WAITING or RUNNING process. WAITING ones that do not wait for parents are queued.
  ActiveProcess* add(model::Process process, model::Requirements req);
  ActiveProcess* find(const std::string& processid);
  // Forgets a process (it reached a final state or was removed): dequeues it, drops its timers.
  void remove(const std::string& processid);

  // Queue membership of a WAITING process. Enqueueing also arms the deadline of its next
  // fallback; dequeueing drops it.
  void enqueue(ActiveProcess* p);
  void dequeue(ActiveProcess* p);

  // Cloud bursting. restart_wait: the process became assignable (again) at `since`: no fallback
  // is eligible until its `after` has passed from then (re-queues it if queued).
  // activate_fallbacks: makes every fallback due at `now` eligible and re-queues the process
  // under their executor types; returns true when any became eligible.
  void restart_wait(ActiveProcess* p, model::TimeNs since);
  bool activate_fallbacks(ActiveProcess* p, model::TimeNs now);

  // The best assignable process for an executor: lowest priority time, then submission order,
  // among those whose conditions the executor satisfies. O(k log n), k = distinct requirement
  // sets under the executor's keys.
  ActiveProcess* best_for(const ExecutorQuery& query);

  // Long-poll waiters per (colony, type), in the WaiterOrder given at construction.
  std::uint64_t park(Waiter waiter, model::TimeNs deadline);
  // The first parked waiter that can take `p`, removed from the park. nullopt when none.
  std::optional<Waiter> take_waiter_for(const ActiveProcess& p);
  // All parked waiters of a colony, removed (used on resume to re-run selection).
  std::vector<Waiter> take_waiters(const std::string& colony);
  std::size_t parked_count() const { return waiter_index_.size(); }
  // True while the executor has a parked long-poll (it is alive, just idle).
  bool is_parked(const std::string& executorid) const { return parked_by_executor_.contains(executorid); }

  // Deadlines of processes.
  void set_deadline(ActiveProcess* p, DeadlineKind kind, model::TimeNs at);
  void clear_deadline(ActiveProcess* p, DeadlineKind kind);

  struct Expired {
    std::vector<Deadline> process_deadlines;  // Wait, Exec or Fallback, in time order
    std::vector<Waiter> waiters;              // long-polls that ran out
  };
  // Removes and returns everything due at or before `now`. Cost O(expired log n).
  Expired pop_expired(model::TimeNs now);

  // Every active process, for statistics and for re-queueing a removed executor's work.
  const std::unordered_map<std::string, std::unique_ptr<ActiveProcess>>& all() const { return processes_; }
  std::size_t queued_count() const { return queued_; }

  // For metrics scrapes, not the hot path. Assignable processes per (colony, executor type): a
  // process targeted at several executor names counts once, one with eligible fallbacks counts
  // under its own type and each fallback's. O(queue keys + requirement groups + name-targeted
  // entries). Sorted by colony, then type.
  std::vector<TypeCount> queue_depths() const;
  // Parked long-polls per (colony, executor type of the executor waiting). Sorted likewise.
  std::vector<TypeCount> parked_depths() const;

 private:
  void park_index_erase(std::uint64_t id);
  void arm_fallback(ActiveProcess* p);
  void unpark_bookkeeping(const Waiter& w);
  std::set<Deadline>::iterator add_deadline(DeadlineKind kind, std::string id, model::TimeNs at);

  std::unordered_map<std::string, std::unique_ptr<ActiveProcess>> processes_;
  std::unordered_map<QueueKey, QueueGroup, QueueKeyHash> groups_;
  std::size_t queued_ = 0;
  std::uint64_t next_seq_ = 1;

  WaiterOrder order_ = WaiterOrder::Fifo;
  using WaiterList = std::list<Waiter>;
  std::unordered_map<std::string, WaiterList> waiters_;  // by colony + '\0' + type
  std::unordered_map<std::uint64_t, std::pair<std::string, WaiterList::iterator>> waiter_index_;
  std::uint64_t next_waiter_ = 1;
  std::unordered_map<std::string, int> parked_by_executor_;

  std::set<Deadline> deadlines_;
};

}  // namespace colonies::server::scheduler
