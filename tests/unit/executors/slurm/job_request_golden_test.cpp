// Golden cases of the Slurm translation. Each case directory under tests/golden/slurm/ holds
// spec.json (a FunctionSpec), site.json (SiteConfig fields, below) and request.txt (the rendered
// SlurmJobRequest); cases under tests/golden/slurm/invalid/ hold error.txt (the exact error) instead
// of request.txt. Every case runs as the process kProcessId.
// site.json keys: executor, partition, account, qos, constraints, modules [..], prologue [..],
// workdir, outputdir, defaultwalltime (s), gres ("none"|"gres"|"tres"), srunargs [..], shell,
// environment [..].
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "executors/slurm/job_request.hpp"
#include "tests/support/golden.hpp"

namespace colonies::executors::slurm {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr const char* kProcessId = "4f0c1e2d3b4a59687766554433221100aabbccddeeff00112233445566778899";

std::vector<std::string> strings(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  if (auto* v = o.if_contains(key)) {
    for (const auto& e : v->as_array()) out.emplace_back(e.as_string());
  }
  return out;
}

std::string text(const json::object& o, std::string_view key, std::string fallback = "") {
  if (auto* v = o.if_contains(key)) return std::string(v->as_string());
  return fallback;
}

SiteConfig site_of(const fs::path& file) {
  json::object o = json::parse(testing::read_golden(file)).as_object();
  SiteConfig site;
  site.executor_name = text(o, "executor", "slurm-a");
  site.partition = text(o, "partition");
  site.account = text(o, "account");
  site.qos = text(o, "qos");
  site.constraints = text(o, "constraints");
  site.modules = strings(o, "modules");
  site.prologue = strings(o, "prologue");
  site.workdir = text(o, "workdir", "/scratch/colonies/work");
  site.output_dir = text(o, "outputdir", "/scratch/colonies/out");
  if (auto* v = o.if_contains("defaultwalltime")) site.default_walltime_s = v->as_int64();
  const std::string gres = text(o, "gres", "gres");
  site.gres_style = gres == "none" ? GresStyle::None : gres == "tres" ? GresStyle::Tres : GresStyle::Gres;
  site.srun_args = strings(o, "srunargs");
  site.shell = text(o, "shell", "/bin/bash");
  site.environment = strings(o, "environment");
  if (site.environment.empty()) site.environment = {"PATH=/usr/local/bin:/usr/bin:/bin"};
  return site;
}

Result<SlurmJobRequest> translate_case(const fs::path& dir) {
  auto spec = model::function_spec_from_json(json::parse(testing::read_golden(dir / "spec.json")));
  if (!spec) return std::unexpected(spec.error());
  model::Process process;
  process.processid = kProcessId;
  process.spec = std::move(*spec);
  return translate(process, site_of(dir / "site.json"));
}

TEST(SlurmGoldenTest, ValidCasesTranslateToTheExpectedRequest) {
  auto cases = testing::golden_cases(testing::golden_root() / "slurm");
  ASSERT_GE(cases.size(), 10u);
  for (const auto& dir : cases) {
    SCOPED_TRACE(dir.filename().string());
    auto request = translate_case(dir);
    ASSERT_TRUE(request) << request.error().message;
    EXPECT_TRUE(request->script.starts_with("#!"));
    testing::expect_golden(dir / "request.txt", render(*request));
  }
}

TEST(SlurmGoldenTest, InvalidCasesAreRefusedWithTheExactError) {
  auto cases = testing::golden_cases(testing::golden_root() / "slurm" / "invalid");
  ASSERT_GE(cases.size(), 6u);
  for (const auto& dir : cases) {
    SCOPED_TRACE(dir.filename().string());
    auto request = translate_case(dir);
    ASSERT_FALSE(request) << "translated, but should be refused:\n" << render(*request);
    EXPECT_EQ(request.error().code, ErrorCode::BadRequest);
    testing::expect_golden(dir / "error.txt", request.error().message + "\n");
  }
}

}  // namespace
}  // namespace colonies::executors::slurm
