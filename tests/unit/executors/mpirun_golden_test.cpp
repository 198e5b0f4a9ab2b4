// Golden cases of the MPI translation: FunctionSpec + host topology + site settings -> mpirun
// argv, environment and rankfile (executors/local/mpi_plan.hpp). Each case directory under
// tests/golden/mpirun/ holds:
//   spec.json    a FunctionSpec (the process ID is "p1")
//   site.json    {"host": {"cores", "numa_nodes", "pus_per_core", "mem", "gpus": [{name, api, index, mem}]},
//                 "usable_cores", "busy_cores" (allotted to another job first), "mpirun", "oversubscribe",
//                 "run_as_root", "extra_args", "executor_env", "bin" (where a bare funcname resolves)}
//   argv.txt     expected mpirun argv, one argument per line
//   env.txt      expected environment of mpirun, one entry per line
//   rankfile.txt expected rankfile
// Cases under tests/golden/mpirun/invalid/ hold error.txt: the exact message the process fails with.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/model/resources.hpp"
#include "executors/local/core_allocator.hpp"
#include "executors/local/launch_plan.hpp"
#include "executors/local/mpi_plan.hpp"
#include "tests/support/golden.hpp"

namespace colonies::executors::local {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using colonies::testing::expect_golden;
using colonies::testing::golden_cases;
using colonies::testing::golden_root;
using colonies::testing::read_golden;

struct Site {
  HostResources host;
  int usable_cores = 0;
  int busy_cores = 0;
  MpiSite mpi;
  std::vector<std::string> executor_env;
  std::string bin = "/usr/local/bin";
};

std::int64_t bytes_of(const json::object& o, std::string_view key) {
  if (!o.contains(key)) return 0;
  return model::parse_bytes(std::string(o.at(key).as_string())).value();
}

Site read_site(const fs::path& dir) {
  const json::object root = json::parse(read_golden(dir / "site.json")).as_object();
  Site site;
  const json::object& h = root.at("host").as_object();
  const int cores = static_cast<int>(h.at("cores").as_int64());
  const int numa = h.contains("numa_nodes") ? static_cast<int>(h.at("numa_nodes").as_int64()) : 1;
  const int per_core = h.contains("pus_per_core") ? static_cast<int>(h.at("pus_per_core").as_int64()) : 1;
  site.host.cores = cores;
  site.host.pus = cores * per_core;
  site.host.numa_nodes = numa;
  site.host.mem_bytes = bytes_of(h, "mem");
  for (int i = 0; i < cores; ++i) {
    HostCore core{.index = i, .pus = {}, .numa = i / std::max(1, cores / numa)};
    // Linux numbers the second hardware thread of core i as i + cores.
    for (int k = 0; k < per_core; ++k) core.pus.push_back(i + k * cores);
    site.host.core_list.push_back(core);
  }
  if (h.contains("gpus")) {
    for (const auto& g : h.at("gpus").as_array()) {
      const json::object& o = g.as_object();
      site.host.gpus.push_back(HostGpu{std::string(o.at("name").as_string()), std::string(o.at("api").as_string()),
                                       static_cast<int>(o.at("index").as_int64()), bytes_of(o, "mem")});
    }
  }
  site.usable_cores = root.contains("usable_cores") ? static_cast<int>(root.at("usable_cores").as_int64()) : cores;
  if (root.contains("busy_cores")) site.busy_cores = static_cast<int>(root.at("busy_cores").as_int64());
  if (root.contains("mpirun")) site.mpi.mpirun = std::string(root.at("mpirun").as_string());
  if (root.contains("oversubscribe")) site.mpi.oversubscribe = root.at("oversubscribe").as_bool();
  if (root.contains("run_as_root")) site.mpi.run_as_root = root.at("run_as_root").as_bool();
  if (root.contains("extra_args")) {
    for (const auto& a : root.at("extra_args").as_array()) site.mpi.extra_args.emplace_back(a.as_string());
  }
  if (root.contains("executor_env")) {
    for (const auto& e : root.at("executor_env").as_array()) site.executor_env.emplace_back(e.as_string());
  }
  if (root.contains("bin")) site.bin = std::string(root.at("bin").as_string());
  return site;
}

std::string lines(const std::vector<std::string>& entries) {
  std::string text;
  for (const auto& e : entries) text += e + "\n";
  return text;
}

// The whole translation as the backend runs it, minus the I/O (PATH lookup, rankfile write).
Result<MpiLaunch> translate(const fs::path& dir) {
  auto spec = model::function_spec_from_json(json::parse(read_golden(dir / "spec.json")));
  if (!spec) return std::unexpected(spec.error());
  Site site = read_site(dir);
  model::Process process;
  process.processid = "p1";
  process.spec = *spec;
  COLONIES_TRY(plan, plan_launch(process, LaunchContext{site.executor_env}));
  if (!needs_mpi(process.spec.conditions)) return fail(ErrorCode::BadRequest, "(the case does not need MPI)");
  COLONIES_TRY(shape, plan_mpi_shape(process.spec, site.host, site.usable_cores, site.mpi));
  CoreAllocator allocator(site.host, site.usable_cores);
  if (site.busy_cores > 0) EXPECT_TRUE(allocator.allot(site.busy_cores, 0).has_value());
  auto allotment = allocator.allot(shape.cores, shape.gpus);
  if (!allotment) return fail(ErrorCode::Unavailable, "(not enough free cores for the case)");
  const std::string executable = plan.program.find('/') != std::string::npos ? plan.program : site.bin + "/" + plan.program;
  return plan_mpirun(plan, executable, shape, *allotment, site.host, site.mpi, "/work/p1/rankfile");
}

class MpirunGoldenTest : public ::testing::TestWithParam<fs::path> {};

TEST_P(MpirunGoldenTest, TranslatesAsRecorded) {
  const fs::path dir = GetParam();
  auto launch = translate(dir);
  ASSERT_TRUE(launch) << launch.error().message;
  expect_golden(dir / "argv.txt", lines(launch->argv));
  expect_golden(dir / "env.txt", lines(launch->env));
  expect_golden(dir / "rankfile.txt", launch->rankfile);
}

class MpirunGoldenInvalidTest : public ::testing::TestWithParam<fs::path> {};

TEST_P(MpirunGoldenInvalidTest, IsRefusedWithTheRecordedMessage) {
  const fs::path dir = GetParam();
  auto launch = translate(dir);
  ASSERT_FALSE(launch) << "expected an error, got argv:\n" << lines(launch->argv);
  EXPECT_EQ(launch.error().code, ErrorCode::BadRequest) << launch.error().message;
  expect_golden(dir / "error.txt", launch.error().message + "\n");
}

std::string case_name(const ::testing::TestParamInfo<fs::path>& info) {
  std::string name = info.param.filename().string();
  for (auto& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Cases, MpirunGoldenTest, ::testing::ValuesIn(golden_cases(golden_root() / "mpirun")), case_name);
INSTANTIATE_TEST_SUITE_P(Cases, MpirunGoldenInvalidTest,
                         ::testing::ValuesIn(golden_cases(golden_root() / "mpirun" / "invalid")), case_name);

TEST(MpirunGoldenSetTest, HasEnoughCases) {
  EXPECT_GE(golden_cases(golden_root() / "mpirun").size(), 8u);
  EXPECT_GE(golden_cases(golden_root() / "mpirun" / "invalid").size(), 6u);
}

}  // namespace
}  // namespace colonies::executors::local
