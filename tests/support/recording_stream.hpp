// RecordingStream: a realtime::Stream for tests. Keeps every frame (decoded as a reply envelope)
// and how the stream ended; can act as a subscriber that stopped reading (a bounded queue that
// refuses frames beyond `capacity`, as the WebSocket bridge does). Thread-safe: the commit
// thread delivers while the test thread waits.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/protocol/envelope.hpp"
#include "server/realtime/stream.hpp"

namespace colonies::testing {

class RecordingStream final : public server::realtime::Stream {
 public:
  explicit RecordingStream(std::size_t capacity = 1'000'000) : capacity_(capacity) {}

  bool send(std::string frame) override {
    std::lock_guard lock(mu_);
    if (ended_ || dropped_) return false;
    if (frames_.size() >= capacity_) {
      dropped_ = true;  // "too slow": the bridge closes the connection here
      cv_.notify_all();
      return false;
    }
    auto reply = protocol::decode_reply(frame);
    frames_.push_back(reply ? *reply : protocol::Reply{"undecodable", boost::json::value(frame), true});
    cv_.notify_all();
    return true;
  }

  void end(std::string reason) override {
    std::lock_guard lock(mu_);
    if (ended_) return;
    ended_ = true;
    end_reason_ = std::move(reason);
    cv_.notify_all();
  }

  // Waits until at least `n` frames arrived (or the stream ended); false on timeout.
  bool wait_frames(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return frames_.size() >= n || ended_ || dropped_; }) &&
           frames_.size() >= n;
  }
  bool wait_ended(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return ended_; });
  }

  std::vector<protocol::Reply> frames() const {
    std::lock_guard lock(mu_);
    return frames_;
  }
  bool ended() const {
    std::lock_guard lock(mu_);
    return ended_;
  }
  bool dropped() const {
    std::lock_guard lock(mu_);
    return dropped_;
  }
  std::string end_reason() const {
    std::lock_guard lock(mu_);
    return end_reason_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::size_t capacity_;
  std::vector<protocol::Reply> frames_;
  bool ended_ = false;
  bool dropped_ = false;
  std::string end_reason_;
};

// The state of an event frame's process, or -1.
inline int event_state(const protocol::Reply& frame) {
  const auto* o = frame.payload.if_object();
  if (!o) return -1;
  const auto* s = o->if_contains("state");
  return s && s->is_int64() ? static_cast<int>(s->get_int64()) : -1;
}
// The status of an error frame, or 0.
inline int error_status(const protocol::Reply& frame) {
  const auto* o = frame.payload.if_object();
  if (!frame.error || !o) return 0;
  const auto* s = o->if_contains("status");
  return s && s->is_int64() ? static_cast<int>(s->get_int64()) : 0;
}

}  // namespace colonies::testing
