// Golden cases of the Kubernetes Job translation: each tests/golden/k8s/<case>/ holds spec.json
// (a FunctionSpec), site.json (SiteConfig keys as in the executor's config file) and job.json
// (the expected Job, pretty-printed); each invalid/<case>/ holds error.txt instead of job.json.
// The process ID and start time are fixed here so that names and labels are stable.
#include "executors/k8s/job_translation.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "tests/support/golden.hpp"

namespace colonies::executors::k8s {
namespace {

namespace fs = std::filesystem;
using colonies::testing::expect_golden;
using colonies::testing::golden_cases;
using colonies::testing::golden_root;
using colonies::testing::read_golden;

constexpr const char* kProcessId = "7b1f3c0d9e2a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
constexpr std::int64_t kStartTime = 1'795'428'000'123'456'789;  // 2026-11-23T10:00:00.123456789Z

// Two-space indented JSON with keys in their insertion order, so a diff of job.json reads well.
void pretty(const json::value& v, std::string& out, int indent) {
  const std::string pad(static_cast<std::size_t>(indent + 2), ' ');
  const std::string end_pad(static_cast<std::size_t>(indent), ' ');
  if (v.is_object()) {
    const auto& o = v.get_object();
    if (o.empty()) { out += "{}"; return; }
    out += "{\n";
    bool first = true;
    for (const auto& [key, value] : o) {
      if (!first) out += ",\n";
      first = false;
      out += pad + json::serialize(json::string(key)) + ": ";
      pretty(value, out, indent + 2);
    }
    out += "\n" + end_pad + "}";
  } else if (v.is_array()) {
    const auto& a = v.get_array();
    if (a.empty()) { out += "[]"; return; }
    out += "[\n";
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (i) out += ",\n";
      out += pad;
      pretty(a[i], out, indent + 2);
    }
    out += "\n" + end_pad + "]";
  } else {
    out += json::serialize(v);
  }
}

struct Outcome {
  bool translated = false;
  std::string text;  // the pretty Job, or the error message
};

Outcome translate_case(const fs::path& dir) {
  auto spec_json = model::parse_json(read_golden(dir / "spec.json"));
  auto site_json = model::parse_json(read_golden(dir / "site.json"));
  if (!spec_json || !site_json) return {false, "unreadable case files"};
  auto site = site_config_from_json(*site_json);
  if (!site) return {false, site.error().message};
  auto spec = model::function_spec_from_json(*spec_json);
  if (!spec) return {false, spec.error().message};
  model::Process process;
  process.processid = kProcessId;
  process.starttime = kStartTime;
  process.spec = std::move(*spec);
  auto job = translate_job(process, *site);
  if (!job) return {false, job.error().message};
  Outcome out{true, ""};
  pretty(*job, out.text, 0);
  out.text += "\n";
  return out;
}

TEST(K8sJobTranslationTest, ValidCasesMatchTheirJob) {
  auto cases = golden_cases(golden_root() / "k8s");
  ASSERT_GE(cases.size(), 10u);
  for (const auto& dir : cases) {
    SCOPED_TRACE(dir.filename().string());
    Outcome out = translate_case(dir);
    ASSERT_TRUE(out.translated) << out.text;
    expect_golden(dir / "job.json", out.text);
  }
}

TEST(K8sJobTranslationTest, InvalidCasesAreRefusedWithTheirError) {
  auto cases = golden_cases(golden_root() / "k8s" / "invalid");
  ASSERT_GE(cases.size(), 6u);
  for (const auto& dir : cases) {
    SCOPED_TRACE(dir.filename().string());
    Outcome out = translate_case(dir);
    ASSERT_FALSE(out.translated) << "translated although invalid:\n" << out.text;
    expect_golden(dir / "error.txt", out.text + "\n");
  }
}

TEST(K8sJobTranslationTest, JobNamesAreDns1123AndAtMost63Characters) {
  model::Process p;
  p.processid = kProcessId;
  p.starttime = std::numeric_limits<std::int64_t>::max();
  auto name = job_name(p);
  ASSERT_TRUE(name) << name.error().message;
  EXPECT_LE(name->size(), 63u);
  EXPECT_EQ(*name, "colonies-7b1f3c0d9e2a4b5c6d7e8f90a1b2c3d4e5f6-1y2p0ij32e8e7");
  p.processid = "NOT-HEX";
  EXPECT_FALSE(job_name(p));
}

TEST(K8sJobTranslationTest, EachAssignmentGetsItsOwnJobName) {
  model::Process p;
  p.processid = kProcessId;
  p.starttime = 1'795'428'000'000'000'000;
  auto first = job_name(p);
  p.starttime += 1;  // assigned again, retry counted or not
  auto second = job_name(p);
  ASSERT_TRUE(first && second);
  EXPECT_NE(*first, *second);
  p.starttime -= 1;
  EXPECT_EQ(*first, *job_name(p)) << "stable for one assignment";
}

TEST(K8sJobTranslationTest, QuantitiesUseBinaryUnitsWhenExact) {
  EXPECT_EQ(memory_quantity(512LL * 1024 * 1024), "512Mi");
  EXPECT_EQ(memory_quantity(3LL * 1024 * 1024 * 1024), "3Gi");
  EXPECT_EQ(memory_quantity(1000), "1000");
  EXPECT_EQ(memory_quantity(2048), "2Ki");
  EXPECT_EQ(cpu_quantity(500), "500m");
  EXPECT_EQ(cpu_quantity(2000), "2");
}

TEST(K8sJobTranslationTest, LabelValuesFollowKubernetesRules) {
  EXPECT_TRUE(is_label_value(""));
  EXPECT_TRUE(is_label_value("a100"));
  EXPECT_TRUE(is_label_value("NVIDIA-A100-SXM4-80GB"));
  EXPECT_FALSE(is_label_value("-a"));
  EXPECT_FALSE(is_label_value("a b"));
  EXPECT_FALSE(is_label_value(std::string(64, 'a')));
}

}  // namespace
}  // namespace colonies::executors::k8s
