// Pilot mode: instead of one Slurm job per process, keep a few Slurm allocations ("pilots") alive,
// each running colonies-local-executor, which pulls many short processes from the server and runs
// them inside the allocation. Throughput is then bounded by the server, not by slurmctld. The
// manager registers a fresh executor identity per pilot (as the colony owner), submits the pilot
// job, replaces pilots that end, and on stop cancels them and removes their registrations.
// The pilot's job script is a pure translation (pilot_request), golden-tested like the others.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "client/client.hpp"
#include "executors/slurm/job_request.hpp"
#include "executors/slurm/slurm_api.hpp"

namespace colonies::executors::slurm {

struct PilotConfig {
  int pilots = 1;                 // allocations kept alive
  int cores = 1;                  // per pilot: --cpus-per-task, and the local executor's --max-jobs and --cores
  std::string mem;                // per pilot ("8Gi"); "" = the partition's default
  std::int64_t walltime_s = 3600; // per pilot; a pilot that ends is replaced
  std::string local_executor = "colonies-local-executor";  // as found on the compute nodes
  // How the pilots reach the server from the compute nodes.
  std::string server_host;
  std::uint16_t server_port = 0;
  bool server_tls = false;
  std::string colony;
  std::string executor_type;  // the pilots pull processes of this type
  std::chrono::milliseconds poll_interval{2'000};
};

// The batch job of one pilot: runs the local executor as `pilot_name` with its private key in the
// job's environment (never in the script or its arguments). BadRequest for a bad configuration.
Result<SlurmJobRequest> pilot_request(const SiteConfig& site, const PilotConfig& pilot, const std::string& pilot_name,
                                      const std::string& prvkey);
// The comment prefix of this executor's pilot jobs; the pilot's name follows.
std::string pilot_comment_prefix(const std::string& executor_name);

class PilotManager {
 public:
  // `owner` signs as the colony owner (registers and removes the pilots' executors); `new_key`
  // makes a private key and `id_of` gives its executor ID.
  PilotManager(PilotConfig pilot, SiteConfig site, std::unique_ptr<SlurmApi> api, client::Client owner,
               std::function<std::string()> new_key, std::function<std::string(const std::string&)> id_of);

  // Adopts running pilots of an earlier run, then keeps `pilots` alive until `stop` is set;
  // then cancels them and removes their registrations. Blocks.
  Status run(const std::atomic<bool>& stop);

  std::int64_t pilots_started() const { return started_; }

 private:
  struct Pilot {
    std::string name;
    std::string state;
  };
  void start_pilot();
  void check_pilots();
  void retire(SlurmJobId id, const std::string& why);
  void shutdown();

  PilotConfig pilot_;
  SiteConfig site_;
  std::unique_ptr<SlurmApi> api_;
  client::Client owner_;
  std::function<std::string()> new_key_;
  std::function<std::string(const std::string&)> id_of_;
  std::map<SlurmJobId, Pilot> pilots_;
  std::int64_t started_ = 0;
  std::chrono::steady_clock::time_point retry_after_{};
};

}  // namespace colonies::executors::slurm
