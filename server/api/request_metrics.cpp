// The broker's hot-path measurements (see request_metrics.hpp).
#include "server/api/request_metrics.hpp"

#include <algorithm>
#include <array>

#include "core/protocol/status.hpp"

namespace colonies::server::api {

namespace {

// 200 and every status of the error table, ascending, without repeats.
std::vector<int> make_codes() {
  std::vector<int> codes{200};
  for (const auto& row : protocol::status_table()) codes.push_back(row.http);
  std::sort(codes.begin(), codes.end());
  codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
  return codes;
}

const std::vector<int>& all_codes() {
  static const std::vector<int> codes = make_codes();
  return codes;
}

}  // namespace

RequestMetrics::Type::Type(std::string name, std::size_t codes)
    : name_(std::move(name)), replies_(codes + 1), latency_(metrics::latency_bounds_ns()) {}

void RequestMetrics::Type::record(int status, Clock::duration elapsed) noexcept {
  const auto& codes = all_codes();
  const auto it = std::lower_bound(codes.begin(), codes.end(), status);
  const std::size_t index = it != codes.end() && *it == status ? static_cast<std::size_t>(it - codes.begin()) : codes.size();
  replies_.add(index);
  latency_.observe(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed));
}

std::uint64_t RequestMetrics::Type::total() const {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < replies_.width(); ++i) sum += replies_.value(i);
  return sum;
}

RequestMetrics::RequestMetrics(std::span<const std::string> message_types)
    : unauthenticated_(std::make_unique<Type>(std::string(kUnauthenticated), all_codes().size())),
      assign_wakeup_(metrics::latency_bounds_ns()),
      queue_wait_(metrics::latency_bounds_ns()) {
  for (const auto& name : message_types) {
    if (by_name_.contains(name)) continue;
    types_.push_back(std::make_unique<Type>(name, all_codes().size()));
    by_name_.emplace(types_.back()->name(), types_.back().get());
  }
}

RequestMetrics::Type* RequestMetrics::type(std::string_view msgtype) {
  auto it = by_name_.find(msgtype);
  return it == by_name_.end() ? unauthenticated_.get() : it->second;
}

std::vector<const RequestMetrics::Type*> RequestMetrics::types() const {
  std::vector<const Type*> out;
  out.reserve(types_.size() + 1);
  for (const auto& t : types_) out.push_back(t.get());
  out.push_back(unauthenticated_.get());
  return out;
}

std::span<const int> RequestMetrics::codes() { return all_codes(); }

}  // namespace colonies::server::api
