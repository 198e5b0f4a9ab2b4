// Pilot mode (see pilot.hpp): the pilot job translation and the manager's loop.
#include "executors/slurm/pilot.hpp"

#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/model/resources.hpp"
#include "executors/slurm/shell_quote.hpp"

namespace colonies::executors::slurm {

std::string pilot_comment_prefix(const std::string& executor_name) { return comment_prefix(executor_name) + "pilot:"; }

Result<SlurmJobRequest> pilot_request(const SiteConfig& site, const PilotConfig& pilot, const std::string& pilot_name,
                                      const std::string& prvkey) {
  COLONIES_CHECK(validate(site));
  if (pilot.pilots < 1 || pilot.cores < 1) return fail(ErrorCode::BadRequest, "pilots and pilot cores must be at least 1");
  if (pilot.walltime_s < 60) return fail(ErrorCode::BadRequest, "a pilot's walltime must be at least 60 s");
  if (pilot.server_host.empty() || pilot.server_port == 0) {
    return fail(ErrorCode::BadRequest, "pilots need the server address as the compute nodes see it");
  }
  SlurmJobRequest r;
  r.name = "colonies-pilot";
  r.comment = pilot_comment_prefix(site.executor_name) + pilot_name;
  r.nodes = 1;
  r.ntasks = 1;
  r.cpus_per_task = pilot.cores;
  if (!pilot.mem.empty()) {
    auto bytes = model::parse_bytes(pilot.mem);
    if (!bytes || *bytes <= 0) return fail(ErrorCode::BadRequest, "pilot memory '{}' is not an amount of memory", pilot.mem);
    r.mem_per_node_mb = (*bytes + 1024 * 1024 - 1) / (1024 * 1024);
  }
  r.time_limit_min = (pilot.walltime_s + 59) / 60;
  r.partition = site.partition;
  r.account = site.account;
  r.qos = site.qos;
  r.constraints = site.constraints;
  r.environment = site.environment;
  r.environment.push_back("COLONIES_EXECUTOR_PRVKEY=" + prvkey);
  r.environment.push_back("SLURM_JOB_NAME=" + r.name);
  r.work_dir = site.workdir;
  r.std_out = fmt::format("{}/pilot-{}-%j.out", site.output_dir, pilot_name);
  r.std_err = fmt::format("{}/pilot-{}-%j.err", site.output_dir, pilot_name);
  std::vector<std::string> argv{pilot.local_executor, "--host", pilot.server_host, "--port",
                                std::to_string(pilot.server_port), "--colony", pilot.colony, "--name", pilot_name,
                                "--type", pilot.executor_type, "--max-jobs", std::to_string(pilot.cores),
                                "--cores", std::to_string(pilot.cores), "--workdir",
                                site.workdir + "/pilots/" + pilot_name};
  if (pilot.server_tls) argv.push_back("--tls");
  std::string script = fmt::format("#!{}\n# Colonies pilot {}, submitted by colonies-slurm-executor {}\n", site.shell,
                                   pilot_name, site.executor_name);
  for (const auto& line : site.prologue) script += line + "\n";
  for (const auto& module : site.modules) script += "module load " + shell_quote(module) + "\n";
  script += "exec";
  for (const auto& word : argv) script += " " + shell_quote(word);
  r.script = script + "\n";
  return r;
}

PilotManager::PilotManager(PilotConfig pilot, SiteConfig site, std::unique_ptr<SlurmApi> api, client::Client owner,
                           std::function<std::string()> new_key, std::function<std::string(const std::string&)> id_of)
    : pilot_(std::move(pilot)),
      site_(std::move(site)),
      api_(std::move(api)),
      owner_(std::move(owner)),
      new_key_(std::move(new_key)),
      id_of_(std::move(id_of)) {}

Status PilotManager::run(const std::atomic<bool>& stop) {
  // Pilots of an earlier run of this executor keep serving: adopt them instead of doubling up.
  auto found = api_->find_by_comment(pilot_comment_prefix(site_.executor_name));
  if (!found) return fail(found.error().code, "cannot look for running pilots: {}", found.error().message);
  for (const auto& job : *found) {
    if (is_terminal(job.state) || job.array_job_id != 0) continue;
    const std::string name = job.comment.substr(pilot_comment_prefix(site_.executor_name).size());
    pilots_[job.job_id] = Pilot{name, job.state_name};
    spdlog::info("pilot {} (Slurm job {}) from before the restart is still {}", name, job.job_id, job.state_name);
  }
  while (!stop.load()) {
    while (static_cast<int>(pilots_.size()) < pilot_.pilots && std::chrono::steady_clock::now() >= retry_after_) {
      start_pilot();
    }
    auto until = std::chrono::steady_clock::now() + pilot_.poll_interval;
    while (!stop.load() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    check_pilots();
  }
  shutdown();
  return ok();
}

void PilotManager::start_pilot() {
  const std::string key = new_key_();
  const std::string name = fmt::format("{}-pilot-{}", site_.executor_name, id_of_(key).substr(0, 8));
  model::Executor executor;
  executor.executorid = id_of_(key);
  executor.executortype = pilot_.executor_type;
  executor.executorname = name;
  executor.colonyname = pilot_.colony;
  auto added = owner_.add_executor(executor);
  Status approved = added ? owner_.approve_executor(pilot_.colony, name) : Status(std::unexpected(added.error()));
  if (!approved) {
    spdlog::error("cannot register pilot {}: {}; retrying", name, approved.error().message);
    retry_after_ = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    return;
  }
  auto request = pilot_request(site_, pilot_, name, key);
  auto id = request ? api_->submit(*request) : Result<SlurmJobId>(std::unexpected(request.error()));
  if (!id) {
    spdlog::error("cannot submit pilot {}: {}; retrying", name, id.error().message);
    (void)owner_.remove_executor(pilot_.colony, name);
    retry_after_ = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    return;
  }
  pilots_[*id] = Pilot{name, "PENDING"};
  ++started_;
  spdlog::info("pilot {} submitted as Slurm job {} ({} cores, {} s)", name, *id, pilot_.cores, pilot_.walltime_s);
}

void PilotManager::check_pilots() {
  if (pilots_.empty()) return;
  std::vector<SlurmJobId> ids;
  for (const auto& [id, pilot] : pilots_) ids.push_back(id);
  auto statuses = api_->query(ids);
  if (!statuses) {
    spdlog::warn("cannot query the pilots: {}", statuses.error().message);
    return;
  }
  std::map<SlurmJobId, JobStatus> by_id;
  for (auto& s : *statuses) by_id[s.job_id] = s;
  for (auto it = pilots_.begin(); it != pilots_.end();) {
    const SlurmJobId id = it->first;
    auto next = std::next(it);
    auto found = by_id.find(id);
    if (found == by_id.end()) {
      retire(id, "Slurm no longer lists it");
    } else if (is_terminal(found->second.state)) {
      retire(id, fmt::format("it ended {}", found->second.state_name));
    } else if (found->second.state_name != it->second.state) {
      spdlog::info("pilot {} (Slurm job {}) is {}{}", it->second.name, id, found->second.state_name,
                   found->second.state == JobState::Pending ? ": " + found->second.reason : "");
      it->second.state = found->second.state_name;
    }
    it = next;
  }
}

void PilotManager::retire(SlurmJobId id, const std::string& why) {
  auto it = pilots_.find(id);
  if (it == pilots_.end()) return;
  spdlog::info("pilot {} (Slurm job {}) is gone: {}", it->second.name, id, why);
  if (auto removed = owner_.remove_executor(pilot_.colony, it->second.name); !removed) {
    spdlog::warn("could not remove the registration of pilot {}: {}", it->second.name, removed.error().message);
  }
  pilots_.erase(it);
}

void PilotManager::shutdown() {
  spdlog::info("stopping: cancelling {} pilot(s)", pilots_.size());
  for (const auto& [id, pilot] : pilots_) {
    if (auto killed = api_->kill(id); !killed) {
      spdlog::warn("cannot cancel pilot {} (Slurm job {}): {}", pilot.name, id, killed.error().message);
    }
  }
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!pilots_.empty() && std::chrono::steady_clock::now() < until) {
    check_pilots();
    if (!pilots_.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  for (const auto& [id, pilot] : pilots_) {
    spdlog::warn("pilot {} (Slurm job {}) did not end within 30 s; its registration stays", pilot.name, id);
  }
}

}  // namespace colonies::executors::slurm
