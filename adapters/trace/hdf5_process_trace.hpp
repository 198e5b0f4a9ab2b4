// A colony's process history as an HDF5 table, for analysis with standard tools (h5py, pandas,
// MATLAB, HDFView): one row per process with its timings, state, executor and retries. Written by
// `colonies export --format hdf5` and by the benchmarks' --trace option, so both read the same
// way. Schema in docs/export.md. Not a general HDF5 wrapper: it writes and reads this one table.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/error/error.hpp"
#include "core/model/executor.hpp"
#include "core/model/process.hpp"

namespace colonies::trace {

// The schema's name, stored as the file attribute "schema". Bump the number on an incompatible
// change of the table.
inline constexpr const char* kSchema = "colonies-process-trace/1";

// One row of the "processes" table. Times are Unix nanoseconds (UTC), 0 where the process never
// got there (a WAITING process has no start). `started_ns` is when an executor was assigned the
// process (the process went RUNNING), the last time for a process that was retried.
struct TraceRow {
  std::string processid;
  std::string colonyname;
  std::string funcname;
  std::string executortype;  // the condition the process was submitted with
  std::string executorid;    // the executor it was last assigned to ("" if never)
  std::string executorname;  // that executor's name, when it was known at export time
  std::string initiatorname;
  std::string processgraphid;  // "" for a standalone process
  model::ProcessState state = model::ProcessState::Waiting;
  std::int32_t priority = 0;
  std::int32_t retries = 0;
  std::int64_t submitted_ns = 0;
  std::int64_t started_ns = 0;
  std::int64_t ended_ns = 0;
};

// Executor names by executorid, to fill TraceRow::executorname.
using ExecutorNames = std::map<std::string, std::string>;
ExecutorNames executor_names(const std::vector<model::Executor>& executors);
TraceRow row_of(const model::Process& p, const ExecutorNames& names);

// File attributes (name, value), e.g. {"colonyname", "dev"}, {"summary", "<JSON>"}.
using TraceAttributes = std::vector<std::pair<std::string, std::string>>;

// Writes the table in chunks as rows arrive, so a history of millions of processes never has to
// be held in memory. Not thread-safe: one writer, one thread. HDF5's own error printing is
// turned off process-wide on first use; its errors come back as Error messages instead.
class Hdf5ProcessTrace {
 public:
  // Creates (truncates) `path`, writes the attributes and an empty table. BadRequest when the
  // file cannot be created (the message names the path and HDF5's reason).
  static Result<std::unique_ptr<Hdf5ProcessTrace>> create(const std::string& path, const TraceAttributes& attributes);
  ~Hdf5ProcessTrace();
  Hdf5ProcessTrace(const Hdf5ProcessTrace&) = delete;
  Hdf5ProcessTrace& operator=(const Hdf5ProcessTrace&) = delete;

  Status append(std::span<const TraceRow> rows);
  // The rows of `processes` (row_of each), as a page of history arrives.
  Status append(std::span<const model::Process> processes, const ExecutorNames& names);
  // Sets (or replaces) a file attribute after creation, e.g. a summary known only at the end.
  Status set_attribute(const std::string& name, const std::string& value);
  std::size_t rows() const { return rows_; }
  // Flushes and closes the file; later calls fail. The destructor closes an unclosed file, but
  // any error is then lost: call close() to know the file is complete.
  Status close();

 private:
  struct Handles;
  Hdf5ProcessTrace(std::string path, std::unique_ptr<Handles> handles);
  std::string path_;
  std::unique_ptr<Handles> h_;
  std::size_t rows_ = 0;
};

// What a trace file holds, read back (tests, and tools that compare runs).
struct TraceFile {
  std::map<std::string, std::string> attributes;
  std::vector<TraceRow> rows;
};
// NotFound when the file does not exist; BadRequest when it is not a trace of kSchema.
Result<TraceFile> read_hdf5_trace(const std::string& path);

}  // namespace colonies::trace
