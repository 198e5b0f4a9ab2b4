// The Backend port of the executor runtime, shaped like flux's job-exec: submit, poll, cancel,
// reattach, stats. A backend turns one assigned process into platform work (a child process, a
// Slurm job, a Kubernetes Job) and reports output lines and the end of that work through a
// JobSink. It knows nothing of the server: registering, pulling and closing are the Runtime's.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error/error.hpp"
#include "core/model/json.hpp"
#include "core/model/process.hpp"

namespace colonies::executors {

namespace json = boost::json;

// Names one job inside one Backend instance. Never reused by that instance; meaningless to others.
using JobHandle = std::uint64_t;

enum class OutputStream { Stdout, Stderr };

// How a job ended, already translated into what the process is closed with. The backend builds
// it because only the backend knows what "output" means on its platform.
struct JobResult {
  bool success = false;
  json::array out;                  // closesuccessful's `out` when success
  std::vector<std::string> errors;  // closefailed's `errors` otherwise (never empty then)
  std::string summary;              // one line for the executor's own log ("exit code 0 after 1.2 s")
  // False when the server decides the process's fate itself, so closing it would be wrong: a job
  // stopped at spec.maxexectime, which the server answers by re-queueing (while retries remain)
  // or failing the process. The runtime then ships the remaining logs and does not close.
  bool close = true;
};

// Receives one job's progress. The runtime gives each submitted job its own sink.
// Both methods are called only from inside Backend::poll(), on the thread calling poll(), so a
// sink needs no locking. They must not call back into the backend.
class JobSink {
 public:
  virtual ~JobSink() = default;
  // One line of output, without its line terminator; valid UTF-8 (backends replace bad bytes).
  virtual void line(OutputStream stream, std::string_view text) = 0;
  // The job is over, however it ended (exit, signal, time limit, cancel). Called exactly once per
  // successful submit(); afterwards the backend forgets the sink and the handle.
  virtual void finished(JobResult result) = 0;
};

// A job found by reattach(): the process it runs and the handle the backend now tracks it by.
struct ReattachedJob {
  std::string processid;
  JobHandle handle = 0;
};

// A job the executor had in flight when it stopped, as its journal (in the spool directory)
// remembers it: the process and the token the backend gave for it (Backend::job_token).
struct KnownJob {
  std::string processid;
  std::string token;
};

struct BackendStats {
  int running = 0;        // jobs submitted and not yet finished
  std::int64_t submitted = 0;
  std::int64_t finished = 0;
};

// Threading contract for every method except wake(): the runtime calls them from one thread (its
// worker thread), never concurrently. A backend may keep many jobs in flight; the runtime decides
// how many by calling submit() only when it has a free slot.
// No method throws: failures are Results (adapters convert third-party exceptions at the edge).
class Backend {
 public:
  virtual ~Backend() = default;

  // Required. A short name for logs and metrics ("local", "slurm").
  virtual std::string_view name() const = 0;

  // Required. Starts work for `process` (assigned to this executor, state RUNNING) and returns
  // its handle. Must not block on the work itself, only on starting it (a fork, one API call).
  // `sink` outlives the job: it stays valid until its finished() has been called.
  // Errors mean nothing was started and finished() will not be called; the message is what the
  // process is closed failed with, so it must say what the user should change
  // ("command 'x' not found in PATH").
  virtual Result<JobHandle> submit(const model::Process& process, JobSink& sink) = 0;

  // Required. Waits at most `timeout` (0: do not wait) for activity of the jobs in flight and
  // delivers it to their sinks: output lines, and finished() for jobs that ended. Also enforces
  // the backend's own deadlines (walltime). May return earlier than `timeout` (activity, wake()).
  // An error is a fault of the backend itself (not of a job), logged by the runtime.
  virtual Status poll(std::chrono::milliseconds timeout) = 0;

  // Required. Asks a job to stop (terminate, then kill after the backend's grace period).
  // Non-blocking; the end is reported later through finished() with success = false, and
  // `reason` first in its errors. Cancelling a job already stopping is a no-op.
  // NotFound for an unknown or finished handle.
  virtual Status cancel(JobHandle handle, std::string reason) = 0;

  // Optional. After an executor restart, finds the jobs this executor launched before and keeps
  // tracking them: `sink_for(processid)` gives the sink for each (the runtime returns the sink of a
  // job it now tracks). Called once, before the first submit(). Default: none found, which is
  // right for backends whose work dies with the executor.
  virtual Result<std::vector<ReattachedJob>> reattach(const std::function<JobSink&(const std::string&)>& sink_for) {
    (void)sink_for;
    return std::vector<ReattachedJob>{};
  }

  // Optional. What the backend needs to find the job `handle` again after an executor restart
  // (a Slurm job ID, a Kubernetes Job name), as one string of its own format. Called right after
  // a successful submit(); when it is not empty (or jobs_outlive_executor()), the runtime writes
  // it durably to its journal (<spool>/jobs/) before it goes on, and hands it back to
  // reattach_known() after a restart. Default: "" (nothing to remember, nothing journaled).
  virtual std::string job_token(JobHandle handle) const {
    (void)handle;
    return {};
  }

  // Optional. Like reattach(), but given what the journal remembers of the jobs this backend had
  // in flight when the executor stopped (processid and job_token(), for jobs of this backend's
  // name() only). Return the jobs found and still tracked; the runtime closes every process that
  // the server still sees RUNNING on this executor and that neither this nor the spool knows as
  // failed ("executor restarted; its job was lost"), so an entry not found must not be returned.
  // A job found for a process the server no longer has on this executor is cancelled at once.
  // Return jobs that ended while the executor was away too; their finished() (with their output
  // lines, if the platform kept them) comes from the next poll(). Journal entries may name jobs
  // this backend cannot find any more (purged by the platform): leave those out.
  // Called once, before the first submit(), instead of reattach(). Default: reattach(sink_for),
  // ignoring the journal.
  virtual Result<std::vector<ReattachedJob>> reattach_known(const std::vector<KnownJob>& journal,
                                                            const std::function<JobSink&(const std::string&)>& sink_for) {
    (void)journal;
    return reattach(sink_for);
  }

  // Optional. True when jobs keep running without the executor (a Slurm job, a Kubernetes Job)
  // and reattach_known() finds them again. A graceful stop then leaves running jobs running and
  // journaled, without waiting for them, instead of killing them after the grace period; the next
  // start reattaches to them. Default: false (jobs die with the executor, so a stop ends them).
  virtual bool jobs_outlive_executor() const { return false; }

  // Optional. Counters for logs and metrics. Never blocks.
  virtual BackendStats stats() const { return {}; }

  // Optional, and the one method callable from any thread: makes a poll() in progress (or the
  // next one) return soon, so that the runtime can submit new work or stop without waiting for
  // poll's timeout. Default: nothing, poll() then simply runs to its timeout.
  virtual void wake() {}
};

}  // namespace colonies::executors
