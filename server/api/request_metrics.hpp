// What the broker measures on its hot path: per message type, replies by HTTP status and the time
// from a request's arrival at the broker to its reply (after the commit that made it durable);
// the time from a process being handed to a parked long-poll to that assignment's reply; and how
// long processes waited assignable before they were assigned. Lock-free (core/metrics); the set
// of message types is fixed at construction, so recording needs no lock and no allocation.
// Rendering is the composition root's (server/main, through adapters/observability).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/metrics/counter.hpp"
#include "core/metrics/histogram.hpp"

namespace colonies::server::api {

class RequestMetrics {
 public:
  using Clock = std::chrono::steady_clock;

  // The statistics of one message type. Thread-safe.
  class Type {
   public:
    Type(std::string name, std::size_t codes);
    const std::string& name() const { return name_; }
    void record(int status, Clock::duration elapsed) noexcept;
    // Replies with status `codes()[i]`, and with any status not listed there (the last index).
    std::uint64_t replies(std::size_t i) const { return replies_.value(i); }
    metrics::HistogramSnapshot latency() const { return latency_.snapshot(); }
    std::uint64_t total() const;

   private:
    std::string name_;
    metrics::CounterArray replies_;
    metrics::Histogram latency_;
  };

  // The request label of requests refused before their type was authenticated: a claimed type
  // is not trusted as a label (a client could invent any number of them).
  static constexpr std::string_view kUnauthenticated = "unauthenticated";

  explicit RequestMetrics(std::span<const std::string> message_types);

  // The statistics of a message type the authenticator accepted; the unauthenticated ones for an
  // unknown name. Never null; read-only lookup, thread-safe.
  Type* type(std::string_view msgtype);
  Type* unauthenticated() { return unauthenticated_.get(); }
  // Every type, unauthenticated last, in the order given at construction.
  std::vector<const Type*> types() const;
  // The HTTP statuses counted one by one; replies(codes().size()) counts the others.
  static std::span<const int> codes();

  // A process was handed to a parked long-poll: the time from then to the assignment's reply.
  metrics::Histogram& assign_wakeup() { return assign_wakeup_; }
  const metrics::Histogram& assign_wakeup() const { return assign_wakeup_; }
  // A process was assigned: how long it had been assignable (submission, release or re-queue).
  metrics::Histogram& queue_wait() { return queue_wait_; }
  const metrics::Histogram& queue_wait() const { return queue_wait_; }

 private:
  std::vector<std::unique_ptr<Type>> types_;
  std::unordered_map<std::string_view, Type*> by_name_;
  std::unique_ptr<Type> unauthenticated_;
  metrics::Histogram assign_wakeup_;
  metrics::Histogram queue_wait_;
};

}  // namespace colonies::server::api
