// LibslurmApi (see libslurm_api.hpp): the one file that includes slurm.h. Quirks of the 22.05 API
// handled here (tested on the real library, see shared INFRA.md): a batch job needs an
// environment array (else "I/O error writing script/environment"), the script's "#!" is not
// checked by the API (translate() guarantees it), %x needs SLURM_JOB_NAME in the environment
// (translate() sets it), exit_code is a wait() status, and job state names are not exported.
#include "executors/slurm/libslurm_api.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <deque>

#include <fmt/format.h>

#include <slurm/slurm.h>
#include <slurm/slurm_errno.h>

// Exported by libslurm but not declared in its public 22.05 headers.
extern "C" char* slurm_job_reason_string(enum job_state_reason inx);

namespace colonies::executors::slurm {

namespace {

job_info_msg_t* table(void* p) { return static_cast<job_info_msg_t*>(p); }

// The build's library file is libslurm.so.<current-age>.<age>.<revision> (libtool), while
// slurm_api_version() packs (current, revision, age); see cmake/FindSlurm.cmake.
constexpr long kBuiltSonameMajor = COLONIES_SLURM_SONAME_MAJOR;
constexpr long kBuiltAge = COLONIES_SLURM_API_AGE;
constexpr long kBuiltRevision = COLONIES_SLURM_API_REVISION;

bool transient(int error) {
  switch (error) {
    case SLURM_COMMUNICATIONS_CONNECTION_ERROR:
    case SLURM_COMMUNICATIONS_SEND_ERROR:
    case SLURM_COMMUNICATIONS_RECEIVE_ERROR:
    case SLURM_COMMUNICATIONS_SHUTDOWN_ERROR:
    case SLURMCTLD_COMMUNICATIONS_CONNECTION_ERROR:
    case SLURMCTLD_COMMUNICATIONS_SEND_ERROR:
    case SLURMCTLD_COMMUNICATIONS_RECEIVE_ERROR:
    case SLURMCTLD_COMMUNICATIONS_SHUTDOWN_ERROR:
    case SLURM_PROTOCOL_SOCKET_IMPL_TIMEOUT:
    case ESLURM_IN_STANDBY_MODE:
    case EAGAIN:
      return true;
    default:
      return false;
  }
}

Error slurm_error(std::string_view what, bool request_fault) {
  const int error = slurm_get_errno();
  const ErrorCode code = transient(error) || !request_fault ? ErrorCode::Unavailable : ErrorCode::BadRequest;
  return Error{code, fmt::format("{}: {}", what, slurm_strerror(error))};
}

JobState state_of(uint32_t raw) {
  switch (raw & JOB_STATE_BASE) {
    case JOB_PENDING: return JobState::Pending;
    case JOB_RUNNING: return JobState::Running;
    case JOB_SUSPENDED: return JobState::Suspended;
    case JOB_COMPLETE: return JobState::Completed;
    case JOB_CANCELLED: return JobState::Cancelled;
    case JOB_FAILED: return JobState::Failed;
    case JOB_TIMEOUT: return JobState::Timeout;
    case JOB_NODE_FAIL: return JobState::NodeFail;
    case JOB_PREEMPTED: return JobState::Preempted;
    case JOB_BOOT_FAIL: return JobState::BootFail;
    case JOB_DEADLINE: return JobState::Deadline;
    case JOB_OOM: return JobState::OutOfMemory;
    default: return JobState::Unknown;
  }
}

JobStatus status_of(const slurm_job_info_t& job) {
  JobStatus s;
  s.job_id = job.job_id;
  s.state = state_of(job.job_state);
  // A job whose batch script ended but whose nodes are still cleaning up is not over yet: its
  // exit code is final, but output may still be flushed.
  if ((job.job_state & JOB_COMPLETING) && !is_terminal(s.state)) s.state = JobState::Completing;
  s.state_name = std::string(to_string(s.state));
  const char* reason = slurm_job_reason_string(static_cast<enum job_state_reason>(job.state_reason));
  s.reason = reason ? reason : "";
  if (job.exit_code != NO_VAL) s.wait_status = static_cast<int>(job.exit_code);
  s.nodes = job.nodes ? job.nodes : "";
  s.comment = job.comment ? job.comment : "";
  if (job.array_job_id != 0) {
    s.array_job_id = job.array_job_id;
    if (job.array_task_id != NO_VAL) {
      s.array_task_id = job.array_task_id;
    } else if (job.array_task_str) {
      s.pending_tasks = parse_task_set(job.array_task_str);
    }
  }
  return s;
}

// Heap copies the C struct can point into for the duration of one submit call.
// (A deque: its elements never move, so the pointers stay valid as it grows.)
struct CStrings {
  std::deque<std::string> owned;
  char* add(const std::string& s) {
    if (s.empty()) return nullptr;
    owned.push_back(s);
    return owned.back().data();
  }
};

std::string tres_gpu(const std::string& gres) {
  // 22.05 writes generic resources as "gres:gpu:2"; 23.02 and later as "gres/gpu:2".
#if SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(23, 2, 0)
  return "gres/" + gres;
#else
  return "gres:" + gres;
#endif
}

}  // namespace

long loaded_libslurm_version() { return slurm_api_version(); }

std::string built_libslurm_version() {
  return fmt::format("{}.{}.{} (library API {}.{}.{})", SLURM_VERSION_MAJOR(SLURM_VERSION_NUMBER),
                     SLURM_VERSION_MINOR(SLURM_VERSION_NUMBER), SLURM_VERSION_MICRO(SLURM_VERSION_NUMBER),
                     kBuiltSonameMajor, kBuiltAge, kBuiltRevision);
}

Status check_libslurm_version(long runtime_version) {
  const long current = SLURM_VERSION_MAJOR(runtime_version);
  const long revision = SLURM_VERSION_MINOR(runtime_version);
  const long age = SLURM_VERSION_MICRO(runtime_version);
  if (current - age == kBuiltSonameMajor && age == kBuiltAge && revision == kBuiltRevision) return ok();
  return fail(ErrorCode::BadRequest,
              "the loaded libslurm has API {}.{}.{} but this executor was built against Slurm {}; struct layouts "
              "differ between Slurm releases, so rebuild colonies-slurm-executor against this cluster's libslurm "
              "(libslurm-dev) or start it with --transport cli",
              current - age, age, revision, built_libslurm_version());
}

Result<std::unique_ptr<LibslurmApi>> LibslurmApi::create(std::unique_ptr<SlurmApi> accounting) {
  COLONIES_CHECK(check_libslurm_version(slurm_api_version()));
  slurm_init(nullptr);
  return std::unique_ptr<LibslurmApi>(new LibslurmApi(std::move(accounting)));
}

LibslurmApi::~LibslurmApi() {
  if (jobs_) slurm_free_job_info_msg(table(jobs_));
  slurm_fini();
}

Result<SlurmJobId> LibslurmApi::submit(const SlurmJobRequest& r) {
  if (!r.script.starts_with("#!")) {
    // The API would accept it and the job would fail with "Exec format error" on the node.
    return fail(ErrorCode::Internal, "refusing to submit a batch script that does not start with #!");
  }
  job_desc_msg_t d;
  slurm_init_job_desc_msg(&d);
  CStrings strings;
  d.name = strings.add(r.name);
  d.comment = strings.add(r.comment);
  d.script = strings.add(r.script);
  std::vector<char*> env;
  std::vector<std::string> env_copy = r.environment;
  for (auto& entry : env_copy) env.push_back(entry.data());
  env.push_back(nullptr);
  d.environment = env.data();
  d.env_size = static_cast<uint32_t>(env_copy.size());
  d.user_id = ::getuid();
  d.group_id = ::getgid();
  if (r.nodes > 0) {
    d.min_nodes = static_cast<uint32_t>(r.nodes);
    d.max_nodes = static_cast<uint32_t>(r.nodes);
  }
  if (r.ntasks > 0) d.num_tasks = static_cast<uint32_t>(r.ntasks);
  if (r.ntasks_per_node > 0) d.ntasks_per_node = static_cast<uint16_t>(r.ntasks_per_node);
  if (r.cpus_per_task > 0) d.cpus_per_task = static_cast<uint16_t>(r.cpus_per_task);
  // As sbatch does: the job's CPU count follows from its tasks.
  d.min_cpus = static_cast<uint32_t>(std::max(r.ntasks, 1) * std::max(r.cpus_per_task, 1));
  if (r.mem_per_node_mb > 0) d.pn_min_memory = static_cast<uint64_t>(r.mem_per_node_mb);
  if (r.tmp_per_node_mb > 0) d.pn_min_tmp_disk = static_cast<uint32_t>(r.tmp_per_node_mb);
  std::string gres = r.gres_per_node.empty() ? std::string() : tres_gpu(r.gres_per_node);
  std::string gpus = r.gpus_per_job.empty() ? std::string() : tres_gpu("gpu:" + r.gpus_per_job);
  d.tres_per_node = strings.add(gres);
  d.tres_per_job = strings.add(gpus);
  if (r.time_limit_min > 0) d.time_limit = static_cast<uint32_t>(r.time_limit_min);
  d.partition = strings.add(r.partition);
  d.account = strings.add(r.account);
  d.qos = strings.add(r.qos);
  d.features = strings.add(r.constraints);
  d.work_dir = strings.add(r.work_dir);
  d.std_out = strings.add(r.std_out);
  d.std_err = strings.add(r.std_err);
  d.array_inx = strings.add(r.array);

  submit_response_msg_t* response = nullptr;
  if (slurm_submit_batch_job(&d, &response) != SLURM_SUCCESS) {
    if (response) slurm_free_submit_response_response_msg(response);
    return std::unexpected(slurm_error("Slurm refused the batch job", /*request_fault=*/true));
  }
  const SlurmJobId id = response->job_id;
  slurm_free_submit_response_response_msg(response);
  reload_ = true;  // the next query must see the new job
  return id;
}

Status LibslurmApi::load_jobs() {
  job_info_msg_t* fresh = nullptr;
  // One second earlier than the table's time: slurmctld compares whole seconds, and a change in
  // the same second as our last load would otherwise be answered "no change" and missed.
  const time_t since = jobs_ && !reload_ ? table(jobs_)->last_update - 1 : 0;
  reload_ = false;
  if (slurm_load_jobs(since, &fresh, SHOW_ALL) != SLURM_SUCCESS) {
    if (slurm_get_errno() == SLURM_NO_CHANGE_IN_DATA && jobs_) return ok();
    return std::unexpected(slurm_error("cannot read Slurm's job table", /*request_fault=*/false));
  }
  if (jobs_) slurm_free_job_info_msg(table(jobs_));
  jobs_ = fresh;
  return ok();
}

Result<std::vector<JobStatus>> LibslurmApi::query(std::span<const SlurmJobId> ids) {
  std::vector<JobStatus> found;
  if (ids.empty()) return found;
  COLONIES_CHECK(load_jobs());
  const job_info_msg_t* all = table(jobs_);
  for (uint32_t i = 0; i < all->record_count; ++i) {
    const slurm_job_info_t& job = all->job_array[i];
    const bool asked = std::find(ids.begin(), ids.end(), job.job_id) != ids.end() ||
                       (job.array_job_id != 0 && std::find(ids.begin(), ids.end(), job.array_job_id) != ids.end());
    if (asked) found.push_back(status_of(job));
  }
  return found;
}

Result<std::vector<JobStatus>> LibslurmApi::query_accounting(std::span<const SlurmJobId> ids) {
  if (!accounting_) return fail(ErrorCode::Unavailable, "no job accounting: sacct is not available to this executor");
  return accounting_->query_accounting(ids);
}

Status LibslurmApi::kill(SlurmJobId id) {
  if (slurm_kill_job(id, SIGKILL, 0) == SLURM_SUCCESS) return ok();
  const int error = slurm_get_errno();
  if (error == ESLURM_ALREADY_DONE || error == ESLURM_INVALID_JOB_ID) return ok();
  return std::unexpected(slurm_error(fmt::format("cannot cancel Slurm job {}", id), /*request_fault=*/false));
}

Status LibslurmApi::kill_array_task(SlurmJobId array_id, std::uint32_t task) {
  const std::string target = fmt::format("{}_{}", array_id, task);
  if (slurm_kill_job2(target.c_str(), SIGKILL, 0, nullptr) == SLURM_SUCCESS) return ok();
  const int error = slurm_get_errno();
  if (error == ESLURM_ALREADY_DONE || error == ESLURM_INVALID_JOB_ID) return ok();
  return std::unexpected(slurm_error(fmt::format("cannot cancel Slurm array task {}", target), /*request_fault=*/false));
}

Result<std::vector<JobStatus>> LibslurmApi::find_by_comment(std::string_view prefix) {
  COLONIES_CHECK(load_jobs());
  std::vector<JobStatus> found;
  const job_info_msg_t* all = table(jobs_);
  for (uint32_t i = 0; i < all->record_count; ++i) {
    const slurm_job_info_t& job = all->job_array[i];
    if (job.comment && std::string_view(job.comment).starts_with(prefix)) found.push_back(status_of(job));
  }
  return found;
}

}  // namespace colonies::executors::slurm
