// The pilot job translation: the local executor started with the pilot's identity, the private key
// only in the job's environment, resources from the pilot settings.
#include "executors/slurm/pilot.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace colonies::executors::slurm {
namespace {

SiteConfig site() {
  SiteConfig s;
  s.executor_name = "slurm-a";
  s.workdir = "/scratch/work";
  s.output_dir = "/scratch/out";
  s.partition = "short";
  s.modules = {"colonies/1.0"};
  return s;
}

PilotConfig pilot() {
  PilotConfig p;
  p.pilots = 2;
  p.cores = 8;
  p.mem = "16Gi";
  p.walltime_s = 3601;
  p.local_executor = "/opt/colonies/bin/colonies-local-executor";
  p.server_host = "colonies.example.org";
  p.server_port = 50080;
  p.colony = "hpc";
  p.executor_type = "slurm";
  return p;
}

TEST(SlurmPilotTest, PilotJobRunsTheLocalExecutorWithItsOwnIdentity) {
  const std::string key(64, 'a');
  auto r = pilot_request(site(), pilot(), "slurm-a-pilot-1234abcd", key);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->comment, "colonies:slurm-a:pilot:slurm-a-pilot-1234abcd");
  EXPECT_EQ(r->nodes, 1);
  EXPECT_EQ(r->cpus_per_task, 8);
  EXPECT_EQ(r->mem_per_node_mb, 16384);
  EXPECT_EQ(r->time_limit_min, 61);
  EXPECT_EQ(r->partition, "short");
  EXPECT_EQ(r->script,
            "#!/bin/bash\n# Colonies pilot slurm-a-pilot-1234abcd, submitted by colonies-slurm-executor slurm-a\n"
            "module load colonies/1.0\n"
            "exec /opt/colonies/bin/colonies-local-executor --host colonies.example.org --port 50080 --colony hpc "
            "--name slurm-a-pilot-1234abcd --type slurm --max-jobs 8 --cores 8 --workdir "
            "/scratch/work/pilots/slurm-a-pilot-1234abcd\n");
  EXPECT_EQ(r->script.find(key), std::string::npos) << "the private key must not be in the script";
  EXPECT_NE(std::find(r->environment.begin(), r->environment.end(), "COLONIES_EXECUTOR_PRVKEY=" + key),
            r->environment.end());
}

TEST(SlurmPilotTest, RefusesPilotsTheServerCannotBeReachedFromOrTooShort) {
  auto p = pilot();
  p.server_port = 0;
  EXPECT_FALSE(pilot_request(site(), p, "x", "k"));
  p = pilot();
  p.walltime_s = 30;
  auto r = pilot_request(site(), p, "x", "k");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "a pilot's walltime must be at least 60 s");
}

}  // namespace
}  // namespace colonies::executors::slurm
