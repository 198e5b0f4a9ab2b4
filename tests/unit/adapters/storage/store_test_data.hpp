// Builders of fully populated model values and a JSON comparison helper for the store tests:
// every field set to a non-default value, so a round-trip that drops one shows up. Not shared
// test infrastructure for other subsystems (that belongs in tests/support/).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include "core/model/entities.hpp"
#include "core/model/executor.hpp"
#include "core/model/process.hpp"

namespace colonies::storage::test {

namespace json = model::json;

inline constexpr model::TimeNs kT0 = 1'700'000'000'123'456'789;  // a time with nanoseconds

// A 64-hex-digit ID, distinct per n.
inline std::string hex_id(std::uint64_t n) { return fmt::format("{:064x}", n); }

// Canonical JSON text of anything with a to_json codec, for EXPECT_EQ with a readable diff.
template <class T>
std::string as_json(const T& value) {
  return json::serialize(model::to_json(value));
}

inline model::Colony make_colony(const std::string& name) { return {.colonyid = hex_id(1000), .name = name}; }

inline model::User make_user(const std::string& colony, const std::string& name) {
  return {.colonyname = colony, .userid = hex_id(2000), .name = name, .email = name + "@example.org",
          .phone = "+46 70 000 00 00"};
}

inline model::Executor make_executor(const std::string& colony, const std::string& name) {
  model::Executor e;
  e.executorid = hex_id(3000);
  e.executortype = "slurm";
  e.executorname = name;
  e.colonyname = colony;
  e.state = model::ExecutorState::Approved;
  e.requirefuncreg = true;
  e.commissiontime = kT0;
  e.lastheardfromtime = kT0 + 5;
  e.locationname = "lumi";
  model::Hardware hw;
  hw.model = "MI250X";
  hw.nodes = 4;
  hw.cpu = "64000m";
  hw.cores = 64;
  hw.mem = "512Gi";
  hw.storage = "1Ti";
  hw.gpu = {.name = "mi250x", .mem = "64Gi", .count = 8, .nodecount = 4};
  hw.platform = "linux";
  hw.architecture = "x86_64";
  hw.network = {"slingshot"};
  hw.walltime = 86400;
  e.capabilities.hardware.push_back(hw);
  e.capabilities.software.push_back({.name = "python", .type = "runtime", .version = "3.11"});
  e.allocations = json::object{{"projects", json::object{{"p1", json::object{{"allocatedcpu", 100}}}}}};
  return e;
}

inline model::Location make_location(const std::string& colony, const std::string& name) {
  return {.locationid = hex_id(4000), .name = name, .colonyname = colony, .description = "Kajaani",
          .long_ = 27.7, .lat = 64.2};
}

inline model::Function make_function(const std::string& colony, const std::string& id) {
  model::Function f;
  f.functionid = id;
  f.executorname = "exec-1";
  f.executortype = "slurm";
  f.colonyname = colony;
  f.funcname = "simulate";
  f.description = "runs the model";
  f.args = json::array{"x", 1};
  f.counter = 7;
  f.minwaittime = 0.25;
  f.maxwaittime = 3.5;
  f.minexectime = 1.125;
  f.maxexectime = 60.0;
  f.avgwaittime = 1.0 / 3.0;
  f.avgexectime = 2.0 / 3.0;
  f.locationname = "lumi";
  return f;
}

inline model::Attribute make_attribute(const std::string& id, const std::string& processid,
                                       const std::string& colony, const std::string& key) {
  return {.attributeid = id, .targetid = processid, .targetcolonyname = colony, .targetprocessgraphid = hex_id(5000),
          .state = 1, .attributetype = static_cast<int>(model::AttributeType::Out), .key = key, .value = "v-" + key};
}

// A process with every field set. Attribute IDs are derived from the process ID.
inline model::Process make_process(const std::string& colony, const std::string& id,
                                   model::ProcessState state = model::ProcessState::Waiting,
                                   model::TimeNs submitted = kT0) {
  model::Process p;
  p.processid = id;
  p.initiatorid = hex_id(6000);
  p.initiatorname = "alice";
  p.assignedexecutorid = state == model::ProcessState::Waiting ? "" : hex_id(3000);
  p.isassigned = state != model::ProcessState::Waiting;
  p.state = state;
  p.prioritytime = model::priority_time(3, submitted);
  p.submissiontime = submitted;
  p.starttime = submitted + 1000;
  p.endtime = submitted + 2000;
  p.waitdeadline = submitted + 3000;
  p.execdeadline = submitted + 4000;
  p.retries = 2;
  p.attributes = {make_attribute(id + "-a1", id, colony, "result"), make_attribute(id + "-a2", id, colony, "log")};
  auto& s = p.spec;
  s.nodename = "step-1";
  s.funcname = "simulate";
  s.args = json::array{"input.h5", 42, 2.5, true};
  s.kwargs = json::object{{"steps", 1000}, {"mode", "fast"}};
  s.priority = 3;
  s.maxwaittime = 600;
  s.maxexectime = 3600;
  s.maxretries = 5;
  auto& c = s.conditions;
  c.colonyname = colony;
  c.executornames = {"exec-1", "exec-2"};
  c.executortype = "slurm";
  c.locationname = "lumi";
  c.dependencies = {"prep"};
  c.nodes = 2;
  c.cpu = "500m";
  c.processes = 16;
  c.processespernode = 8;
  c.mem = "4Gi";
  c.storage = "10Gi";
  c.gpu = {.name = "a100", .mem = "40Gi", .count = 2, .nodecount = 2};
  c.walltime = 7200;
  s.label = "nightly";
  s.fs = json::object{{"mount", "/data"}};
  s.env = {{"OMP_NUM_THREADS", "8"}, {"LANG", "C"}};
  s.channels = {"progress"};
  p.waitforparents = true;
  p.parents = {hex_id(7001)};
  p.children = {hex_id(7002), hex_id(7003)};
  p.processgraphid = hex_id(5000);
  p.in = json::array{"a", 1};
  p.out = json::array{json::object{{"k", "v"}}};
  p.errors = {"first try failed"};
  return p;
}

inline model::Log make_log(const std::string& colony, const std::string& processid, const std::string& executor,
                           std::int64_t timestamp, const std::string& message) {
  return {.processid = processid, .colonyname = colony, .executorname = executor, .message = message,
          .timestamp = timestamp};
}

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "colonies-store-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace colonies::storage::test
