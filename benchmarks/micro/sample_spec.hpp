// The realistic FunctionSpec and Process the codec and auth micro-benchmarks share: an HPC job
// with args, kwargs, env, cpu/mem/gpu conditions and walltime, as a user would submit it, and the
// process the server makes of it. Benchmark data only, not a test fixture.
#pragma once

#include <string>

#include "core/model/process.hpp"

namespace colonies::bench {

inline model::FunctionSpec sample_spec() {
  model::FunctionSpec s;
  s.nodename = "train";
  s.funcname = "train_model.py";
  s.args = model::json::array{"--epochs", 40, "--batch-size", 256, "--data", "/scratch/lab/imagenet-subset"};
  s.kwargs = model::json::object{{"learning_rate", 0.0003}, {"optimizer", "adamw"}, {"seed", 42}, {"amp", true}};
  s.priority = 5;
  s.maxwaittime = 3600;
  s.maxexectime = 7200;
  s.maxretries = 3;
  s.label = "experiment-17";
  s.env = {{"OMP_NUM_THREADS", "8"}, {"WANDB_PROJECT", "vision"}, {"PYTHONUNBUFFERED", "1"}};
  s.channels = {"progress"};
  auto& c = s.conditions;
  c.colonyname = "lab";
  c.executortype = "slurm";
  c.locationname = "hpc-north";
  c.nodes = 1;
  c.cpu = "8";
  c.processes = 1;
  c.processespernode = 1;
  c.mem = "64Gi";
  c.storage = "200G";
  c.gpu = {"a100", "40Gi", 2, 1};
  c.walltime = 7200;
  return s;
}

// What the server stores and replies for `sample_spec()` once it is running: ids, times, the env
// as attributes, an input.
inline model::Process sample_process() {
  model::Process p;
  p.processid = std::string(64, 'a');
  p.initiatorid = std::string(64, 'b');
  p.initiatorname = "alice";
  p.assignedexecutorid = std::string(64, 'c');
  p.isassigned = true;
  p.state = model::ProcessState::Running;
  p.submissiontime = 1'789'948'800'123'456'789LL;
  p.starttime = p.submissiontime + 1'500'000'000LL;
  p.prioritytime = model::priority_time(5, p.submissiontime);
  p.waitdeadline = p.submissiontime + 3600'000'000'000LL;
  p.execdeadline = p.starttime + 7200'000'000'000LL;
  p.spec = sample_spec();
  for (const auto& [key, value] : p.spec.env) {
    model::Attribute a;
    a.attributeid = std::string(64, 'd');
    a.targetid = p.processid;
    a.targetcolonyname = "lab";
    a.attributetype = static_cast<int>(model::AttributeType::Env);
    a.key = key;
    a.value = value;
    p.attributes.push_back(std::move(a));
  }
  p.in = model::json::array{"/scratch/lab/checkpoints/epoch-39.pt"};
  return p;
}

}  // namespace colonies::bench
