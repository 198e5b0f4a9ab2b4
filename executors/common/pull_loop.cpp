// The pull thread (see pull_loop.hpp).
#include "executors/common/pull_loop.hpp"

#include <spdlog/spdlog.h>

#include "executors/common/backoff.hpp"

namespace colonies::executors {

PullLoop::PullLoop(const RuntimeConfig& config, client::Client& client, JobSlots& slots, ExecutorMetrics& metrics,
                   std::function<void()> on_assigned)
    : config_(config), client_(client), slots_(slots), metrics_(metrics), on_assigned_(std::move(on_assigned)) {}

void PullLoop::run() {
  Backoff backoff(config_.backoff_initial, config_.backoff_max);
  bool reported = false;  // a failure streak is reported once, then every 10th time
  while (slots_.wait_for_slot()) {
    client::AssignOffer offer = config_.offer_free_resources ? slots_.offer() : client::AssignOffer{};
    const auto asked = std::chrono::steady_clock::now();
    auto process = client_.assign(config_.colony_name, config_.poll_timeout_s, offer);
    using Outcome = ExecutorMetrics::AssignResult;
    const bool empty = !process && (process.error().code == ErrorCode::Timeout || process.error().code == ErrorCode::NotFound);
    metrics_.assign(process ? Outcome::Assigned : empty ? Outcome::Empty : Outcome::Error)
        .observe(std::chrono::steady_clock::now() - asked);
    if (process) {
      if (reported) spdlog::info("server {} reachable again", client_.endpoint());
      reported = false;
      backoff.reset();
      spdlog::info("assigned process {} ({})", process->processid, process->spec.funcname);
      slots_.hand_over(std::move(*process));
      if (on_assigned_) on_assigned_();
      continue;
    }
    const Error& error = process.error();
    if (error.code == ErrorCode::Timeout || error.code == ErrorCode::NotFound) {
      // Nothing to do within the long-poll; the call itself refreshed our liveness.
      if (reported) spdlog::info("server {} reachable again", client_.endpoint());
      reported = false;
      backoff.reset();
      continue;
    }
    const int failures = backoff.failures();
    const auto delay = backoff.next();
    // Every failure while the delay still grows, then every 10th: progress, not a flood.
    if (!reported || delay < config_.backoff_max || failures % 10 == 0) on_failure(error, delay);
    reported = true;
    if (!slots_.sleep_for(delay)) break;
  }
  slots_.pull_finished();
}

void PullLoop::on_failure(const Error& error, std::chrono::milliseconds delay) {
  const std::string retry = describe_delay(delay);
  switch (error.code) {
    case ErrorCode::Forbidden:
      spdlog::warn("assign refused: {}. Is executor '{}' added and approved in colony '{}'? Ask the colony owner to "
                   "run `colonies executor approve --name {}`, or start this executor with COLONIES_COLONY_PRVKEY "
                   "to register itself. Retrying in {}.",
                   error.message, config_.executor_name, config_.colony_name, config_.executor_name, retry);
      break;
    case ErrorCode::Unauthenticated:
      spdlog::warn("assign refused as unauthenticated: {}. Check that this machine's clock is right (signed requests "
                   "carry a timestamp) and that COLONIES_EXECUTOR_PRVKEY is the executor's key. Retrying in {}.",
                   error.message, retry);
      break;
    case ErrorCode::RateLimited:
      spdlog::warn("assign refused: rate limited by server {} ({}); retrying in {}. Other programs using this "
                   "executor's key count against the same limit (coloniesd --rate-limit).",
                   client_.endpoint(), error.message, retry);
      break;
    case ErrorCode::Unavailable:
      spdlog::warn("server {} unreachable ({}); retrying in {}. Check that coloniesd runs there and the colony is "
                   "not paused.",
                   client_.endpoint(), error.message, retry);
      break;
    default:
      spdlog::warn("assign failed: {} ({}); retrying in {}", error.message, to_string(error.code), retry);
      break;
  }
}

}  // namespace colonies::executors
