// Group commit: changes from many requests are written to the store in one transaction on a
// dedicated thread, and each request's completion runs only after the transaction holding its
// changes (and every change enqueued before them) is durable. Replies are sent from those
// completions, so no client ever sees an acknowledgement the store could lose.
// A failing store is retried with backoff, never skipped: order and durability win over latency.
// One observer (the realtime event hub) sees every durable batch: the single place where every
// change, whatever handler made it, becomes visible to subscribers.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "core/metrics/histogram.hpp"
#include "core/ports/store.hpp"

namespace colonies::server::commit {

struct CommitOptions {
  std::size_t max_batch = 8192;  // mutations per transaction
  // Extra time to wait for more work before committing a batch; 0 = commit as soon as the
  // previous transaction ended (batches then form naturally under load).
  std::chrono::microseconds window{0};
};

struct CommitStats {
  std::uint64_t transactions = 0;
  std::uint64_t mutations = 0;
  std::uint64_t failures = 0;
};

// Measured on the commit thread, read by metrics scrapes from any thread.
struct CommitMetrics {
  metrics::Histogram batch_requests{metrics::size_bounds()};   // submit() calls per transaction
  metrics::Histogram batch_mutations{metrics::size_bounds()};  // changes per transaction (non-empty ones)
  // Nanoseconds of each store transaction that succeeded: its writes and the commit that makes it
  // durable (the fsync, with SQLite's --db-sync full). Retries of an unavailable store excluded.
  metrics::Histogram apply_ns{metrics::latency_bounds_ns()};
};

// Completes each batch's mutations on the commit thread right before the batch is applied, in
// commit order: the audit ledger numbers and chains its entries there (server/audit), so that
// its order is the commit order by construction. Both methods run on the commit thread only and
// must not block or call submit().
class Sealer {
 public:
  virtual ~Sealer() = default;
  // Called once per batch before its first apply (an unavailable store retries the same sealed
  // batch); may change the mutations in place.
  virtual void seal(std::span<ports::Mutation> batch) = 0;
  // The sealed batch is durable (true), or the store rejected it (false): undo what seal()
  // advanced, since nothing of the batch was stored.
  virtual void settle(bool durable) = 0;
};

class CommitQueue {
 public:
  using Done = std::function<void(Status)>;
  // Sees each batch once it is durable, in commit order, on the commit thread, before the
  // batch's completions run. Must not block (it delays every reply) and must not call submit().
  using Observer = std::function<void(std::span<const ports::Mutation>)>;

  CommitQueue(ports::Store& store, CommitOptions options);
  ~CommitQueue();  // stops (see stop())

  // Enqueues `mutations` (possibly none) and `done`, which runs on the commit thread once they
  // and everything enqueued earlier are durable. Order of submit() calls is the commit order, so
  // callers that need an order call it under their own lock. Never blocks on I/O.
  void submit(std::vector<ports::Mutation> mutations, Done done);
  // Installs (or, with an empty function, removes) the observer. Thread-safe; it applies from the
  // next batch on.
  void observe(Observer observer);
  // Installs (or, with nullptr, removes) the sealer. Thread-safe; it applies from the next batch
  // on. The sealer must stay valid until a submit() made after its removal has completed.
  void seal_with(Sealer* sealer);
  // Commits what is queued, then stops the thread; later submits complete with Unavailable.
  void stop();

  bool healthy() const { return healthy_.load(); }
  CommitStats stats() const;
  const CommitMetrics& metrics() const { return metrics_; }
  // submit() calls waiting for the commit thread (not counting the batch being committed).
  std::size_t queued() const;

 private:
  struct Item {
    std::vector<ports::Mutation> mutations;
    Done done;
  };
  void run();

  ports::Store& store_;
  const CommitOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  std::atomic<bool> healthy_{true};
  CommitStats stats_;
  CommitMetrics metrics_;
  std::shared_ptr<const Observer> observer_;
  Sealer* sealer_ = nullptr;
  std::thread thread_;
};

}  // namespace colonies::server::commit
