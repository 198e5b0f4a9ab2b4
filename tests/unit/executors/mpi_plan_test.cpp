// Reading mpirun's output back: --tag-output lines become "[rank N] text", and Open MPI 4.1's
// failure reports (recorded from real runs) name the failing rank and its exit code or signal.
#include "executors/local/mpi_plan.hpp"

#include <gtest/gtest.h>

namespace colonies::executors::local {
namespace {

TEST(MpiPlanTest, ReadsOpenMpisVersionAsASoftwareCapability) {
  auto software = parse_mpirun_version("mpirun (Open MPI) 4.1.4\n\nReport bugs to http://www.open-mpi.org/community/help/\n");
  ASSERT_TRUE(software);
  EXPECT_EQ(software->name, "Open MPI");
  EXPECT_EQ(software->type, "mpi");
  EXPECT_EQ(software->version, "4.1.4");
  EXPECT_FALSE(parse_mpirun_version("HYDRA build details:\n    Version: 4.0\n"));
  EXPECT_FALSE(parse_mpirun_version(""));
}

TEST(MpiPlanTest, RetagsRankOutput) {
  EXPECT_EQ(retag_mpi_line("[1,0]<stdout>:rank 0 of 2 on cpu 1"), "[rank 0] rank 0 of 2 on cpu 1");
  EXPECT_EQ(retag_mpi_line("[1,12]<stderr>:warning: x"), "[rank 12] warning: x");
  EXPECT_EQ(retag_mpi_line("[1,3]<stdout>:"), "[rank 3] ");
  EXPECT_EQ(retag_mpi_line("mpirun noticed that process rank 1 ..."), "mpirun noticed that process rank 1 ...");
  EXPECT_EQ(retag_mpi_line("[1,0]<other>:x"), "[1,0]<other>:x");
  EXPECT_EQ(retag_mpi_line("[1,]<stdout>:x"), "[1,]<stdout>:x");
  EXPECT_EQ(retag_mpi_line("[,1]<stdout>:x"), "[,1]<stdout>:x");
  EXPECT_EQ(retag_mpi_line("[1,2]<stdout>"), "[1,2]<stdout>");
  EXPECT_EQ(retag_mpi_line("["), "[");
  EXPECT_EQ(retag_mpi_line(""), "");
  EXPECT_EQ(retag_mpi_line("[2,1]<stddiag>:[1,1]<stdout>:nested"), "[rank 1] [1,1]<stdout>:nested");
}

TEST(MpiPlanTest, FindsTheRankThatExitedNonZero) {
  std::vector<std::string> report = {
      "--------------------------------------------------------------------------",
      "mpirun detected that one or more processes exited with non-zero status, thus causing",
      "the job to be terminated. The first process to do so was:",
      "",
      "  Process name: [[29622,1],1]",
      "  Exit code:    3",
      "--------------------------------------------------------------------------"};
  EXPECT_EQ(mpi_rank_failure(report), "rank 1 exited with code 3");
}

TEST(MpiPlanTest, FindsTheRankKilledByASignal) {
  std::vector<std::string> report = {
      "--------------------------------------------------------------------------",
      "mpirun noticed that process rank 1 with PID 0 on node vm exited on signal 9 (Killed).",
      "--------------------------------------------------------------------------"};
  EXPECT_EQ(mpi_rank_failure(report), "rank 1 was killed by signal 9 (Killed)");
}

TEST(MpiPlanTest, SaysNothingWithoutAReport) {
  EXPECT_EQ(mpi_rank_failure({"[vm:07869] MCW rank 1 bound to socket 0[core 0[hwt 0]]: [B/.]", "  Exit code:    3"}),
            std::nullopt);
}

}  // namespace
}  // namespace colonies::executors::local
