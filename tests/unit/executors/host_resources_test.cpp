// Host discovery through hwloc on the machine the tests run on (whatever it is: no exact counts
// asserted), and the Hardware entry it is advertised as.
#include "executors/local/host_resources.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <set>

#include "core/model/resources.hpp"

namespace colonies::executors::local {
namespace {

TEST(HostResourcesTest, DetectsACoherentTopology) {
  HostResources h = detect_host_resources();
  EXPECT_EQ(h.source, "hwloc");
  EXPECT_GE(h.cores, 1);
  EXPECT_GE(h.pus, h.cores);
  EXPECT_GE(h.numa_nodes, 1);
  EXPECT_GE(h.packages, 1);
  EXPECT_GT(h.mem_bytes, 0);
  ASSERT_FALSE(h.core_list.empty());
  EXPECT_LE(h.cores, static_cast<int>(h.core_list.size()));
  std::set<int> pus;
  for (std::size_t i = 0; i < h.core_list.size(); ++i) {
    const HostCore& core = h.core_list[i];
    EXPECT_EQ(core.index, static_cast<int>(i)) << "core_list is in logical order";
    EXPECT_FALSE(core.pus.empty());
    EXPECT_GE(core.numa, 0);
    EXPECT_LT(core.numa, h.numa_nodes);
    for (int pu : core.pus) EXPECT_TRUE(pus.insert(pu).second) << "PU " << pu << " in two cores";
  }
  // A machine without GPUs (like CI) reports none, not an error.
  for (const auto& gpu : h.gpus) EXPECT_FALSE(gpu.api.empty());
}

// hwloc's synthetic topologies (HWLOC_SYNTHETIC) stand in for a bigger machine: two packages,
// one NUMA node each, four cores of two hardware threads.
TEST(HostResourcesTest, ReadsPackagesNumaNodesCoresAndThreadsFromHwloc) {
  ::setenv("HWLOC_SYNTHETIC", "pack:2 [numa] core:4 pu:2", 1);
  HostResources h = detect_host_resources();
  ::unsetenv("HWLOC_SYNTHETIC");
  EXPECT_EQ(h.source, "hwloc");
  EXPECT_EQ(h.packages, 2);
  EXPECT_EQ(h.numa_nodes, 2);
  ASSERT_EQ(h.core_list.size(), 8u);
  EXPECT_EQ(h.core_list[0].pus, (std::vector<int>{0, 1}));
  EXPECT_EQ(h.core_list[7].pus, (std::vector<int>{14, 15}));
  EXPECT_EQ(h.core_list[3].numa, 0);
  EXPECT_EQ(h.core_list[4].numa, 1);
  EXPECT_LE(h.cores, 8);  // a container's cpu.max may lower the usable counts, never raise them
  EXPECT_LE(h.pus, 16);
  EXPECT_GE(h.pus, h.cores);
  EXPECT_TRUE(h.gpus.empty());
}

TEST(HostResourcesTest, AdvertisesCoresPusMemoryAndGpus) {
  HostResources h;
  h.cores = 4;
  h.pus = 8;
  h.packages = 1;
  h.numa_nodes = 2;
  h.mem_bytes = std::int64_t{64} << 30;
  h.cpu_model = "Example CPU 9000";
  h.gpus = {{"NVIDIA A100-SXM4-80GB", "cuda", 0, std::int64_t{80} << 30}, {"NVIDIA A100-SXM4-80GB", "cuda", 1, 0}};
  model::Hardware hw = to_hardware(h);
  EXPECT_EQ(hw.cores, 4);
  EXPECT_EQ(hw.cpu, "8");
  EXPECT_EQ(model::parse_bytes(hw.mem).value(), std::int64_t{64} << 30);
  EXPECT_EQ(hw.model, "Example CPU 9000 (1 package, 2 NUMA nodes, 4 cores, 8 PUs)");
  EXPECT_EQ(hw.gpu.count, 2);
  EXPECT_EQ(hw.gpu.name, "NVIDIA A100-SXM4-80GB");
  EXPECT_EQ(model::parse_bytes(hw.gpu.mem).value(), std::int64_t{80} << 30);
}

TEST(HostResourcesTest, NoGpusIsADeclaredZero) {
  HostResources h;
  model::Hardware hw = to_hardware(h);
  EXPECT_EQ(hw.gpu.count, 0);
  EXPECT_TRUE(hw.gpu.name.empty());
  EXPECT_EQ(hw.model, "1 package, 1 NUMA node, 1 core, 1 PU");
}

}  // namespace
}  // namespace colonies::executors::local
