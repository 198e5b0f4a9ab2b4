// Log line coalescing (see log_batcher.hpp).
#include "executors/common/log_batcher.hpp"

#include <fmt/format.h>

namespace colonies::executors {

void LogBatcher::seal() {
  if (open_.empty()) return;
  sealed_.push_back(std::move(open_));
  open_.clear();
}

void LogBatcher::add(std::string_view line, TimePoint now) {
  if (!open_.empty() && open_.size() + line.size() + 1 > limits_.max_bytes) seal();
  if (open_.empty()) open_since_ = now;
  open_.append(line);
  open_.push_back('\n');
  buffered_ += line.size() + 1;
  if (open_.size() >= limits_.max_bytes) seal();
  // Drop the oldest sealed batches rather than grow without bound while the server is away;
  // the marker line keeps the loss visible in the process log.
  while (buffered_ > limits_.max_buffered && !sealed_.empty()) {
    buffered_ -= sealed_.front().size();
    dropped_ += sealed_.front().size();
    sealed_.pop_front();
  }
}

bool LogBatcher::due(TimePoint now) const {
  if (!sealed_.empty() || dropped_ > 0) return true;
  return !open_.empty() && now - open_since_ >= limits_.max_delay;
}

std::optional<LogBatcher::TimePoint> LogBatcher::next_due() const {
  if (!sealed_.empty() || dropped_ > 0) return TimePoint::min();
  if (open_.empty()) return std::nullopt;
  return open_since_ + limits_.max_delay;
}

std::optional<std::string> LogBatcher::take(TimePoint now, bool force) {
  if (dropped_ > 0) {
    std::string marker = fmt::format("[colonies: {} bytes of output dropped while the server was unreachable]\n", dropped_);
    dropped_ = 0;
    return marker;
  }
  if (sealed_.empty() && !open_.empty() && (force || now - open_since_ >= limits_.max_delay)) seal();
  if (sealed_.empty()) return std::nullopt;
  std::string batch = std::move(sealed_.front());
  sealed_.pop_front();
  buffered_ -= batch.size();
  return batch;
}

void LogBatcher::requeue(std::string batch) {
  buffered_ += batch.size();
  sealed_.push_front(std::move(batch));
}

std::deque<std::string> LogBatcher::drain() {
  std::deque<std::string> batches;
  while (auto batch = take(TimePoint::max(), /*force=*/true)) batches.push_back(std::move(*batch));
  return batches;
}

void LogBatcher::clear() {
  sealed_.clear();
  open_.clear();
  buffered_ = 0;
  dropped_ = 0;
}

}  // namespace colonies::executors
