// Matching of a process's conditions against an executor's capabilities (could it ever run it?)
// and against the availability stated in an assign call (can it run it now?): every condition,
// with the units the protocol allows. Queues and waiters are scheduler_test.cpp.
#include <gtest/gtest.h>

#include "core/model/function_spec.hpp"
#include "server/scheduler/matching.hpp"

namespace colonies::server::scheduler {
namespace {

model::Requirements require(const model::Conditions& c) {
  model::FunctionSpec spec;
  spec.funcname = "f";
  spec.conditions = c;
  if (spec.conditions.colonyname.empty()) spec.conditions.colonyname = "c";
  if (spec.conditions.executortype.empty()) spec.conditions.executortype = "t";
  auto req = model::validate(spec);
  EXPECT_TRUE(req.has_value()) << (req ? "" : req.error().message);
  return req.value_or(model::Requirements{});
}

ExecutorProfile profile(const model::Hardware& hw) {
  model::Capabilities caps;
  caps.hardware.push_back(hw);
  auto p = make_profile(caps);
  EXPECT_TRUE(p.has_value()) << (p ? "" : p.error().message);
  return p.value_or(ExecutorProfile{});
}

model::Conditions cpu(std::string v) { model::Conditions c; c.cpu = std::move(v); return c; }
model::Conditions mem(std::string v) { model::Conditions c; c.mem = std::move(v); return c; }

TEST(MatchingTest, ExecutorWithoutDeclaredHardwareFitsAnything) {
  model::Conditions c = cpu("64");
  c.mem = "1Ti";
  c.gpu.count = 8;
  c.nodes = 100;
  EXPECT_TRUE(fits(ExecutorProfile{}, require(c)));
}

TEST(MatchingTest, CpuInWholeCoresAndMillicores) {
  model::Hardware hw;
  hw.cpu = "2";
  const auto p = profile(hw);
  EXPECT_TRUE(fits(p, require(cpu("2"))));
  EXPECT_TRUE(fits(p, require(cpu("500m"))));
  EXPECT_TRUE(fits(p, require(cpu("2000m"))));
  EXPECT_FALSE(fits(p, require(cpu("2001m"))));
  EXPECT_FALSE(fits(p, require(cpu("3"))));
  hw.cpu = "500m";
  EXPECT_TRUE(fits(profile(hw), require(cpu("500m"))));
  EXPECT_FALSE(fits(profile(hw), require(cpu("1"))));
}

TEST(MatchingTest, MemoryInDecimalAndBinaryUnits) {
  model::Hardware hw;
  hw.mem = "1Gi";
  const auto p = profile(hw);
  EXPECT_TRUE(fits(p, require(mem("1Gi"))));
  EXPECT_TRUE(fits(p, require(mem("1073741824"))));
  EXPECT_FALSE(fits(p, require(mem("1073741825"))));
  EXPECT_TRUE(fits(p, require(mem("1G"))));  // 10^9 < 2^30
  EXPECT_TRUE(fits(p, require(mem("1024Mi"))));
  EXPECT_FALSE(fits(p, require(mem("1025Mi"))));
  hw.mem = "1G";
  EXPECT_FALSE(fits(profile(hw), require(mem("1Gi"))));
  EXPECT_TRUE(fits(profile(hw), require(mem("1000M"))));
}

TEST(MatchingTest, StorageIsCompared) {
  model::Hardware hw;
  hw.storage = "10G";
  model::Conditions c;
  c.storage = "11G";
  EXPECT_FALSE(fits(profile(hw), require(c)));
  c.storage = "10G";
  EXPECT_TRUE(fits(profile(hw), require(c)));
}

TEST(MatchingTest, GpuCount) {
  model::Hardware hw;
  hw.gpu.count = 2;
  model::Conditions c;
  c.gpu.count = 2;
  EXPECT_TRUE(fits(profile(hw), require(c)));
  c.gpu.count = 3;
  EXPECT_FALSE(fits(profile(hw), require(c)));
}

TEST(MatchingTest, GpuNameIsACaseInsensitiveSubstring) {
  model::Hardware hw;
  hw.gpu.count = 4;
  hw.gpu.name = "NVIDIA-A100-80GB";
  model::Conditions c;
  c.gpu.count = 1;
  c.gpu.name = "a100";
  EXPECT_TRUE(fits(profile(hw), require(c)));
  c.gpu.name = "H100";
  EXPECT_FALSE(fits(profile(hw), require(c)));
}

TEST(MatchingTest, DeclaredHardwareWithoutGpusRefusesGpuWork) {
  model::Hardware hw;
  hw.cpu = "64";  // a declared entry with gpu.count 0: no GPUs
  model::Conditions c;
  c.gpu.count = 1;
  std::string why;
  EXPECT_FALSE(fits(profile(hw), require(c), &why));
  EXPECT_NE(why.find("GPU"), std::string::npos) << why;
  c.gpu.count = 0;
  c.gpu.name = "a100";
  c.gpu.count = 1;
  EXPECT_FALSE(fits(profile(hw), require(c)));
}

TEST(MatchingTest, Nodes) {
  model::Hardware hw;
  hw.nodes = 4;
  model::Conditions c;
  c.nodes = 4;
  EXPECT_TRUE(fits(profile(hw), require(c)));
  c.nodes = 5;
  std::string why;
  EXPECT_FALSE(fits(profile(hw), require(c), &why));
  EXPECT_NE(why.find("nodes"), std::string::npos) << why;
}

TEST(MatchingTest, ProcessesAgainstCoresOfAllNodes) {
  model::Hardware hw;
  hw.nodes = 2;
  hw.cores = 8;
  model::Conditions c;
  c.processes = 16;
  EXPECT_TRUE(fits(profile(hw), require(c)));
  c.processes = 17;
  EXPECT_FALSE(fits(profile(hw), require(c)));
}

TEST(MatchingTest, ProcessesPerNodeAgainstCoresPerNode) {
  model::Hardware hw;
  hw.nodes = 4;
  hw.cores = 8;
  model::Conditions c;
  c.processespernode = 8;
  EXPECT_TRUE(fits(profile(hw), require(c)));
  c.processespernode = 9;
  std::string why;
  EXPECT_FALSE(fits(profile(hw), require(c), &why));
  EXPECT_NE(why.find("per node"), std::string::npos) << why;
}

TEST(MatchingTest, Walltime) {
  model::Hardware hw;
  hw.walltime = 3600;
  model::Conditions c;
  c.walltime = 3600;
  EXPECT_TRUE(fits(profile(hw), require(c)));
  c.walltime = 3601;
  EXPECT_FALSE(fits(profile(hw), require(c)));
  c.walltime = 0;  // unspecified
  EXPECT_TRUE(fits(profile(hw), require(c)));
}

TEST(MatchingTest, AnyOneHardwareEntrySuffices) {
  model::Capabilities caps;
  model::Hardware small;
  small.cpu = "4";
  small.mem = "8Gi";
  model::Hardware gpu_node;
  gpu_node.cpu = "16";
  gpu_node.gpu.count = 4;
  gpu_node.gpu.name = "a100";
  caps.hardware = {small, gpu_node};
  auto p = make_profile(caps);
  ASSERT_TRUE(p.has_value());
  model::Conditions c;
  c.gpu.count = 2;
  EXPECT_TRUE(fits(*p, require(c)));
  c.cpu = "32";
  EXPECT_FALSE(fits(*p, require(c)));
}

TEST(MatchingTest, ReasonNamesTheFailingCondition) {
  model::Hardware hw;
  hw.cpu = "2";
  std::string why;
  EXPECT_FALSE(fits(profile(hw), require(cpu("4")), &why));
  EXPECT_NE(why.find("cpu"), std::string::npos) << why;
}

TEST(MatchingTest, RefusesUnparseableCapabilities) {
  model::Capabilities caps;
  model::Hardware hw;
  hw.mem = "lots";
  caps.hardware.push_back(hw);
  EXPECT_FALSE(make_profile(caps).has_value());
  caps.hardware[0].mem = "";
  caps.hardware[0].cpu = "two";
  EXPECT_FALSE(make_profile(caps).has_value());
}

TEST(MatchingTest, AvailabilityLimitsCpuMemoryAndGpus) {
  model::Conditions c = cpu("2");
  c.mem = "4Gi";
  c.gpu.count = 1;
  const auto req = require(c);
  EXPECT_TRUE(fits(Availability{}, req));  // nothing stated: no limit
  EXPECT_TRUE(fits(Availability{2000, 4LL << 30, 1}, req));
  EXPECT_FALSE(fits(Availability{1999, -1, -1}, req));
  EXPECT_FALSE(fits(Availability{-1, (4LL << 30) - 1, -1}, req));
  EXPECT_FALSE(fits(Availability{-1, -1, 0}, req));
}

}  // namespace
}  // namespace colonies::server::scheduler
