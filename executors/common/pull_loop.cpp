// The pull thread (see pull_loop.hpp).
#include "executors/common/pull_loop.hpp"

#include <spdlog/spdlog.h>

#include "executors/common/backoff.hpp"

namespace colonies::executors {

PullLoop::PullLoop(const RuntimeConfig& config, client::Client& client, JobSlots& slots,
                   std::function<void()> on_assigned)
    : config_(config), client_(client), slots_(slots), on_assigned_(std::move(on_assigned)) {}

void PullLoop::run() {
  Backoff backoff(config_.backoff_initial, config_.backoff_max);
  bool reported = false;  // a failure streak is reported once, then every 10th time
  while (slots_.wait_for_slot()) {
    client::AssignOffer offer = config_.offer_free_resources ? slots_.offer() : client::AssignOffer{};
    auto process = client_.assign(config_.colony_name, config_.poll_timeout_s, offer);
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
    if (!reported || backoff.failures() % 10 == 0) on_failure(error);
    reported = true;
    if (!slots_.sleep_for(backoff.next())) break;
  }
  slots_.pull_finished();
}

void PullLoop::on_failure(const Error& error) {
  switch (error.code) {
    case ErrorCode::Forbidden:
      spdlog::warn("assign refused: {}. Is executor '{}' added and approved in colony '{}'? Ask the colony owner to "
                   "run `colonies executor approve --name {}`, or start this executor with COLONIES_COLONY_PRVKEY "
                   "to register itself. Retrying.",
                   error.message, config_.executor_name, config_.colony_name, config_.executor_name);
      break;
    case ErrorCode::Unauthenticated:
      spdlog::warn("assign refused as unauthenticated: {}. Check that this machine's clock is right (signed requests "
                   "carry a timestamp) and that COLONIES_EXECUTOR_PRVKEY is the executor's key. Retrying.",
                   error.message);
      break;
    case ErrorCode::Unavailable:
      spdlog::warn("server {} unavailable: {}. Retrying with backoff; check that coloniesd runs there and the "
                   "colony is not paused.",
                   client_.endpoint(), error.message);
      break;
    default:
      spdlog::warn("assign failed: {} ({}). Retrying with backoff.", error.message, to_string(error.code));
      break;
  }
}

}  // namespace colonies::executors
