// The commit thread.
#include "server/commit/commit_queue.hpp"

#include <pthread.h>

#include <spdlog/spdlog.h>

namespace colonies::server::commit {

CommitQueue::CommitQueue(ports::Store& store, CommitOptions options)
    : store_(store), options_(options), thread_([this] { run(); }) {}

CommitQueue::~CommitQueue() { stop(); }

void CommitQueue::submit(std::vector<ports::Mutation> mutations, Done done) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back({std::move(mutations), std::move(done)});
      cv_.notify_one();
      return;
    }
  }
  if (done) done(fail(ErrorCode::Unavailable, "server is shutting down"));
}

void CommitQueue::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    cv_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void CommitQueue::observe(Observer observer) {
  std::lock_guard lock(mu_);
  observer_ = observer ? std::make_shared<const Observer>(std::move(observer)) : nullptr;
}

void CommitQueue::seal_with(Sealer* sealer) {
  std::lock_guard lock(mu_);
  sealer_ = sealer;
}

CommitStats CommitQueue::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

std::size_t CommitQueue::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void CommitQueue::run() {
  pthread_setname_np(pthread_self(), "colonies-commit");  // visible in top -H, perf, gdb
  std::vector<Item> batch;
  std::vector<ports::Mutation> mutations;
  std::shared_ptr<const Observer> observer;
  Sealer* sealer = nullptr;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      observer = observer_;
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      if (options_.window.count() > 0 && !stopping_) {
        cv_.wait_for(lock, options_.window, [&] { return stopping_; });
      }
      sealer = sealer_;
      std::size_t count = 0;
      while (!queue_.empty() && (batch.empty() || count + queue_.front().mutations.size() <= options_.max_batch)) {
        count += queue_.front().mutations.size();
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    mutations.clear();
    for (auto& item : batch) {
      for (auto& m : item.mutations) mutations.push_back(std::move(m));
    }
    Status outcome = ok();
    metrics_.batch_requests.observe(static_cast<std::int64_t>(batch.size()));
    if (!mutations.empty()) {
      metrics_.batch_mutations.observe(static_cast<std::int64_t>(mutations.size()));
      if (sealer) sealer->seal(mutations);
      // An unavailable store is retried until it works: skipping a batch would acknowledge what
      // memory holds but the store does not. While failing, health reports it and clients wait.
      // Any other error is a rejected batch (a bug, not an outage): its requests get the error.
      auto delay = std::chrono::milliseconds(10);
      const auto first_failure = std::chrono::steady_clock::now();
      for (;;) {
        const auto started = std::chrono::steady_clock::now();
        outcome = store_.apply(mutations);
        if (outcome) metrics_.apply_ns.observe(std::chrono::steady_clock::now() - started);
        if (outcome || outcome.error().code != ErrorCode::Unavailable) break;
        {
          std::lock_guard lock(mu_);
          ++stats_.failures;
          // When shutting down, give up after a while so that SIGTERM still ends the process.
          if (stopping_ && std::chrono::steady_clock::now() - first_failure > std::chrono::seconds(10)) break;
        }
        healthy_ = false;
        spdlog::error("store commit of {} changes failed, retrying in {} ms: {}", mutations.size(), delay.count(),
                      outcome.error().message);
        std::this_thread::sleep_for(delay);
        delay = std::min(delay * 2, std::chrono::milliseconds(2000));
      }
      if (sealer) sealer->settle(outcome.has_value());
      if (outcome) {
        healthy_ = true;
        // Subscribers hear of a change only once it is durable, and before its requester does.
        if (observer) (*observer)(mutations);
      } else {
        spdlog::critical("store rejected a batch of {} changes: {}", mutations.size(), outcome.error().message);
      }
    }
    {
      std::lock_guard lock(mu_);
      ++stats_.transactions;
      stats_.mutations += mutations.size();
    }
    for (auto& item : batch) {
      if (item.done) item.done(outcome);
    }
    batch.clear();
  }
}

}  // namespace colonies::server::commit
