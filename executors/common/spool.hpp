// The executor's durable spool: what must survive a server outage or an executor restart.
//  - closes/<processid>.json: a finished job's close (successful with `out`, or failed with
//    `errors`) and the log batches not shipped yet. Written before delivery is attempted, removed
//    only when the server took the close (or refused it for good).
//  - jobs/<processid>.json: the journal of jobs in flight (backend name and the backend's own
//    token), so that a restarted executor can reattach to them or close them as lost.
//  - aside/: files that could not be read back (corrupt, partial, unknown version), moved there
//    with a log line instead of stopping the executor; kept for a human to inspect.
// Every write is write-temp + fsync + rename + fsync of the directory, so a file is either the
// old or the new version after a crash, never a mix. Only the worker thread uses a Spool.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error/error.hpp"
#include "core/model/json.hpp"

namespace colonies::executors {

namespace json = boost::json;

// A close waiting for the server's acknowledgement.
struct SpooledClose {
  std::string processid;
  bool success = false;
  json::array out;                  // closesuccessful's out
  std::vector<std::string> errors;  // closefailed's errors
  std::vector<std::string> logs;    // log batches still to ship before the close, oldest first
  std::int64_t spooled_at = 0;      // Unix ns, for humans inspecting the spool
};

// A job in flight, as the journal remembers it.
struct JournaledJob {
  std::string processid;
  std::string backend;  // Backend::name() of the backend that launched it
  std::string token;    // Backend::job_token(): whatever the backend needs to find the job again
  std::int64_t started_at = 0;  // Unix ns
};

// The file formats (JSON with "version": 1), pure so that they are tested without a disk.
// decode_* fail with BadRequest naming what is wrong.
std::string encode_close(const SpooledClose& close);
Result<SpooledClose> decode_close(std::string_view text);
std::string encode_job(const JournaledJob& job);
Result<JournaledJob> decode_job(std::string_view text);

// Where the spool lives when --spool-dir is not given: $XDG_STATE_HOME/colonies/<executor>/spool,
// else $HOME/.local/state/colonies/<executor>/spool, else <tmp>/colonies-<executor>-spool.
std::filesystem::path default_spool_dir(std::string_view executor_name);

class Spool {
 public:
  // Creates the directory and its subdirectories (mode 0700: closes carry process output) if
  // needed, and locks it (flock on <dir>/lock) for the lifetime of this object: a second executor
  // on the same spool would deliver the first one's closes, have them refused and drop them.
  // Errors (BadRequest) name the directory and what failed, or which process holds the lock.
  static Result<Spool> open(std::filesystem::path dir);

  Spool(Spool&& other) noexcept;
  Spool& operator=(Spool&& other) noexcept;
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;
  ~Spool();

  const std::filesystem::path& dir() const { return dir_; }

  // Durably stores (or replaces) the close of `close.processid`.
  Status put_close(const SpooledClose& close);
  Status remove_close(std::string_view processid);
  // Every readable close, oldest spooled first. Unreadable files are moved aside and logged.
  std::vector<SpooledClose> load_closes();

  Status put_job(const JournaledJob& job);
  Status remove_job(std::string_view processid);
  // Every readable journal entry. Unreadable files are moved aside and logged.
  std::vector<JournaledJob> load_jobs();

  // Moves the spooled close of `processid` aside (the server refused it for a reason that is
  // not "no longer yours"), for a human to look at.
  void set_aside_close(std::string_view processid, std::string_view why);
  // Moves `file` into aside/ (with a unique suffix) and logs why; never fails loudly.
  void set_aside(const std::filesystem::path& file, std::string_view why);

 private:
  Spool(std::filesystem::path dir, int lock_fd) : dir_(std::move(dir)), lock_fd_(lock_fd) {}
  Status write_atomically(const std::filesystem::path& dir, const std::string& name, const std::string& content);
  Status remove_file(const std::filesystem::path& dir, std::string_view processid);
  // Reads every *.json of `dir`; leftovers of interrupted writes (*.tmp) and unreadable files
  // go aside.
  std::vector<std::pair<std::filesystem::path, std::string>> read_all(const std::filesystem::path& dir);

  std::filesystem::path dir_;
  int lock_fd_ = -1;
};

}  // namespace colonies::executors
