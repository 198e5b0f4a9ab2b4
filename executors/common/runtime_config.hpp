// Settings of the executor runtime, filled by an executor's main (flags and environment) or by a
// test. Plain data with defaults; checks live in validate(). Backend-specific settings (work
// directories, Slurm partitions) belong to the backend's own config, not here.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>

#include "client/client.hpp"
#include "core/error/error.hpp"
#include "core/model/executor.hpp"

namespace colonies::executors {

struct RuntimeConfig {
  client::ClientConfig server;  // host, port, tls
  std::string colony_name;
  std::string executor_name;
  std::string executor_type;
  std::string location;  // locationname; "" = none
  std::string executor_prvkey;  // 64 hex; signs every call of the executor
  // Optional 64-hex private key of the colony owner: with it the runtime registers and approves
  // the executor itself (self-registration); without it the owner must have done so.
  std::string colony_prvkey;
  model::Capabilities capabilities;

  // Where closes the server has not acknowledged yet and the journal of jobs in flight are kept
  // (see spool.hpp); "" = default_spool_dir(executor_name). One directory per executor: two
  // executors sharing one would deliver each other's closes.
  std::filesystem::path spool_dir;

  int max_jobs = 1;  // jobs in flight at once; assign is only called with a slot free
  // Offer the free part of capabilities.hardware[0] (cpu, mem, gpu count minus what running jobs
  // asked for) with every assign, so the server only hands out work that fits now.
  bool offer_free_resources = true;
  int poll_timeout_s = 10;  // assign long-poll; when idle it doubles as the heartbeat

  std::chrono::milliseconds log_max_delay{200};  // see LogBatcher
  std::size_t log_max_bytes = 64 * 1024;
  std::chrono::milliseconds cancel_check_interval{3'000};  // getprocess per job in flight
  std::chrono::milliseconds shutdown_grace{30'000};  // running jobs may finish within this after stop
  // After the grace, closes and logs the server still does not take are retried this long; then
  // the executor stops and the closes wait in the spool for its next start.
  std::chrono::milliseconds shutdown_delivery{15'000};
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{30'000};
  // HTTP timeout of the worker's calls (logs, closes, getprocess): short, so that a dead server
  // does not keep the worker from watching its jobs.
  std::chrono::milliseconds worker_request_timeout{10'000};
};

// What is missing or inconsistent, phrased as what to set (BadRequest).
Status validate(const RuntimeConfig& config);

}  // namespace colonies::executors
