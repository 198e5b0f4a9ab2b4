// Benchmark traces through the SDK's history paging and the HDF5 trace adapter, and the run
// context (commit, CPU, load) every summary carries.
#include "benchmarks/common/trace.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

#include "benchmarks/common/host.hpp"
#ifdef COLONIES_HAVE_HDF5
#include "adapters/trace/hdf5_process_trace.hpp"
#endif

namespace colonies::bench {

namespace {

// First line of a shell command's output, "" on failure.
std::string first_line_of(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  if (!pipe) return "";
  char buffer[512];
  if (!std::fgets(buffer, sizeof buffer, pipe.get())) return "";
  std::string line(buffer);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  return line;
}

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(colon + 2);
    }
  }
  return "unknown";
}

}  // namespace

boost::json::object run_context() {
  const std::string source = COLONIES_SOURCE_DIR;
  std::string commit = first_line_of("git -C '" + source + "' rev-parse --short HEAD 2>/dev/null");
  if (commit.empty()) commit = "unknown";
  else if (!first_line_of("git -C '" + source + "' status --porcelain --untracked-files=no 2>/dev/null").empty())
    commit += "-dirty";
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  const auto now = std::chrono::system_clock::now();
  return {{"commit", commit},
          {"host", host},
          {"cpu", cpu_model()},
          {"cpus", std::thread::hardware_concurrency()},
          {"load_average_1m", load_average()},
          {"unix_time", std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count()}};
}

#ifdef COLONIES_HAVE_HDF5

bool traces_supported() { return true; }

bool write_trace(const client::ClientConfig& config, const BenchColony& colony, const std::string& path,
                 const boost::json::object& summary, std::int64_t since_s, std::int64_t submitted_from_ns) {
  auto fail = [&](const std::string& why) {
    std::cerr << "trace " << path << ": " << why << "\n";
    return false;
  };
  auto c = client::Client::connect(config, colony.user_key);
  if (!c) return fail(c.error().message);
  auto executors = c->get_executors("bench");
  if (!executors) return fail(executors.error().message);
  const trace::ExecutorNames names = trace::executor_names(*executors);
  auto created = trace::Hdf5ProcessTrace::create(
      path, {{"colonyname", "bench"}, {"summary", boost::json::serialize(summary)}});
  if (!created) return fail(created.error().message);
  auto& out = *created;
  client::HistoryQuery query{.colonyname = "bench", .seconds = std::max<std::int64_t>(since_s, 1)};
  auto paged = c->for_each_history_page(query, [&](std::vector<model::Process>& page) -> Status {
    std::erase_if(page, [&](const model::Process& p) { return p.submissiontime < submitted_from_ns; });
    return out->append(page, names);
  });
  if (!paged) return fail(paged.error().message);
  if (auto closed = out->close(); !closed) return fail(closed.error().message);
  std::printf("  trace    %zu processes -> %s\n", out->rows(), path.c_str());
  return true;
}

#else

bool traces_supported() { return false; }

bool write_trace(const client::ClientConfig&, const BenchColony&, const std::string& path, const boost::json::object&,
                 std::int64_t, std::int64_t) {
  std::cerr << "trace " << path << ": this build has no HDF5 (configure with -DCOLONIES_WITH_HDF5=ON)\n";
  return false;
}

#endif

}  // namespace colonies::bench
