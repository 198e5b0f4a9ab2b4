// CoreAllocator: no core or GPU is ever given to two jobs at once; NUMA-aware placement.
#include "executors/local/core_allocator.hpp"

#include <gtest/gtest.h>

#include <set>

namespace colonies::executors::local {
namespace {

HostResources host(int cores, int numa_nodes, int gpus = 0) {
  HostResources h;
  h.cores = h.pus = cores;
  h.numa_nodes = numa_nodes;
  for (int i = 0; i < cores; ++i) h.core_list.push_back(HostCore{i, {i}, i / (cores / numa_nodes)});
  for (int g = 0; g < gpus; ++g) h.gpus.push_back(HostGpu{"GPU", "cuda", g, 0});
  return h;
}

TEST(CoreAllocatorTest, NeverGivesACoreToTwoJobs) {
  CoreAllocator allocator(host(8, 1), 8);
  std::set<int> taken;
  std::vector<Allotment> jobs;
  for (int n : {3, 2, 3}) {
    auto a = allocator.allot(n, 0);
    ASSERT_TRUE(a);
    for (int c : a->cores) EXPECT_TRUE(taken.insert(c).second) << "core " << c << " given twice";
    jobs.push_back(*a);
  }
  EXPECT_EQ(allocator.free_cores(), 0);
  EXPECT_FALSE(allocator.allot(1, 0));
  allocator.release(jobs[1]);
  auto again = allocator.allot(2, 0);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->cores, jobs[1].cores);
}

TEST(CoreAllocatorTest, RefusesWhatIsNotFreeWithoutTakingAnything) {
  CoreAllocator allocator(host(4, 1, 1), 4);
  EXPECT_FALSE(allocator.allot(5, 0));
  EXPECT_FALSE(allocator.allot(1, 2));
  EXPECT_EQ(allocator.free_cores(), 4);
  EXPECT_EQ(allocator.free_gpus(), 1);
}

TEST(CoreAllocatorTest, KeepsAJobOnOneNumaNodeWhenOneHasRoom) {
  CoreAllocator allocator(host(8, 2), 8);
  auto small = allocator.allot(1, 0);  // node 0: cores 1-3 left, node 1: 4-7
  ASSERT_TRUE(small);
  auto four = allocator.allot(4, 0);
  ASSERT_TRUE(four);
  EXPECT_EQ(four->cores, (std::vector<int>{4, 5, 6, 7}));
  auto three = allocator.allot(3, 0);
  ASSERT_TRUE(three);
  EXPECT_EQ(three->cores, (std::vector<int>{1, 2, 3}));
}

TEST(CoreAllocatorTest, SpreadsOverNodesWhenNoneHasRoomAlone) {
  CoreAllocator allocator(host(8, 2), 8);
  ASSERT_TRUE(allocator.allot(2, 0));  // cores 0, 1
  auto six = allocator.allot(6, 0);
  ASSERT_TRUE(six);
  EXPECT_EQ(six->cores, (std::vector<int>{2, 3, 4, 5, 6, 7}));
}

TEST(CoreAllocatorTest, UsesOnlyTheUsableCores) {
  CoreAllocator allocator(host(8, 1), 3);
  EXPECT_EQ(allocator.total_cores(), 3);
  EXPECT_FALSE(allocator.allot(4, 0));
  EXPECT_EQ(allocator.allot(3, 0)->cores, (std::vector<int>{0, 1, 2}));
}

TEST(CoreAllocatorTest, GpuVisibilityNamesTheAllottedDevicesPerApi) {
  HostResources h = host(4, 1);
  h.gpus = {{"A100", "cuda", 0, 0}, {"A100", "cuda", 1, 0}, {"MI250", "rocm", 0, 0}, {"Arc", "opencl", 0, 0}};
  EXPECT_EQ(gpu_visibility_env(Allotment{{}, {1, 2, 3}}, h),
            (std::vector<std::string>{"CUDA_VISIBLE_DEVICES=1", "ROCR_VISIBLE_DEVICES=0"}));
  EXPECT_TRUE(gpu_visibility_env(Allotment{}, h).empty());
}

}  // namespace
}  // namespace colonies::executors::local
