// JobSlots: slot counting, the free-resources offer, stop.
#include "executors/common/job_slots.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace colonies::executors {
namespace {

model::Capabilities four_cores_8gi() {
  model::Hardware hw;
  hw.cpu = "4";
  hw.mem = "8Gi";
  return model::Capabilities{{hw}, {}};
}

model::Process asking(std::string cpu, std::string mem) {
  model::Process p;
  p.processid = "p";
  p.spec.conditions.cpu = std::move(cpu);
  p.spec.conditions.mem = std::move(mem);
  return p;
}

TEST(JobSlotsTest, MpiRanksReserveAtLeastOneCpuEach) {
  model::FunctionSpec spec;
  spec.conditions.processes = 3;
  EXPECT_EQ(reservation_of(spec).cpu_millis, 3000);
  spec.conditions.cpu = "8";
  EXPECT_EQ(reservation_of(spec).cpu_millis, 8000);
  spec.conditions = {};
  spec.conditions.processespernode = 2;
  spec.conditions.nodes = 2;
  EXPECT_EQ(reservation_of(spec).cpu_millis, 4000);
  spec.conditions = {};
  spec.conditions.cpu = "500m";
  EXPECT_EQ(reservation_of(spec).cpu_millis, 500);
}

TEST(JobSlotsTest, OffersWhatRunningJobsHaveNotReserved) {
  JobSlots slots(4, four_cores_8gi());
  EXPECT_EQ(slots.offer().availablecpu, "4");
  EXPECT_EQ(slots.offer().availablemem, "8Gi");
  EXPECT_EQ(slots.offer().availablegpu, 0);
  slots.hand_over(asking("1500m", "2Gi"));
  EXPECT_EQ(slots.offer().availablecpu, "2500m");
  EXPECT_EQ(slots.offer().availablemem, "6Gi");
  auto taken = slots.take_new();
  ASSERT_EQ(taken.size(), 1u);
  slots.release(reservation_of(taken[0].spec));
  EXPECT_EQ(slots.offer().availablecpu, "4");
  EXPECT_EQ(slots.in_flight(), 0);
}

TEST(JobSlotsTest, OffersNothingForUndeclaredResources) {
  JobSlots slots(1, model::Capabilities{});
  auto offer = slots.offer();
  EXPECT_EQ(offer.availablecpu, "");
  EXPECT_EQ(offer.availablemem, "");
  EXPECT_EQ(offer.availablegpu, -1);
}

TEST(JobSlotsTest, WaitsForAFreeSlotAndWakesOnStop) {
  JobSlots slots(1, model::Capabilities{});
  EXPECT_TRUE(slots.wait_for_slot());
  slots.hand_over(asking("", ""));
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    slots.request_stop(false);
  });
  EXPECT_FALSE(slots.wait_for_slot());
  stopper.join();
  EXPECT_TRUE(slots.stopping());
  EXPECT_FALSE(slots.immediate());
  EXPECT_FALSE(slots.sleep_for(std::chrono::milliseconds(10)));
}

}  // namespace
}  // namespace colonies::executors
