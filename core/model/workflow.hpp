// Workflows: a WorkflowSpec (the DAG a user submits, nodes joined by `dependencies` on node
// names) and a ProcessGraph (the running instance: one process per node), with JSON codecs and
// the pure validation of a spec. Not the runtime: releasing nodes and failure handling live in
// the server (server/api/workflows.cpp).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/model/function_spec.hpp"
#include "core/model/process.hpp"

namespace colonies::model {

struct WorkflowSpec {
  std::string colonyname;
  std::vector<FunctionSpec> functionspecs;
};

// How many of a graph's processes are in each state. Our addition to the original's graph JSON
// (field `progress`), so clients can show "nodes done / total" without fetching every process.
struct GraphProgress {
  int total = 0;
  int waiting = 0;
  int running = 0;
  int successful = 0;
  int failed = 0;
  int cancelled = 0;
  int done() const { return successful + failed + cancelled; }
};

struct ProcessGraph {
  std::string processgraphid;
  std::string initiatorid;
  std::string initiatorname;
  std::string colonyname;
  std::vector<std::string> rootprocessids;
  ProcessState state = ProcessState::Waiting;
  TimeNs submissiontime = 0;
  TimeNs starttime = 0;  // first node assigned
  TimeNs endtime = 0;    // last node reached a final state; 0 while any node is WAITING or RUNNING
  std::vector<std::string> processids;
  GraphProgress progress;
};

json::object to_json(const WorkflowSpec& w);
Result<WorkflowSpec> workflow_spec_from_json(const json::value& v, const std::string& path = "spec");
json::object to_json(const GraphProgress& p);
json::object to_json(const ProcessGraph& g);
Result<ProcessGraph> process_graph_from_json(const json::value& v, const std::string& path = "processgraph");

// A spec that passed validate_workflow: limits normalised (<= 0 becomes -1), every node's
// colony set to the workflow's, requirements parsed, and the edges resolved to indexes into
// `spec.functionspecs`. parents[i] follows the order of node i's `dependencies` (which is the
// order its input is concatenated in).
struct ValidatedWorkflow {
  WorkflowSpec spec;
  std::vector<Requirements> requirements;
  std::vector<std::vector<std::size_t>> parents;
  std::vector<std::vector<std::size_t>> children;
  std::vector<std::size_t> roots;  // nodes without dependencies, in spec order
};

// Checks a whole workflow before anything is created: at least one node, a colony, every node
// named and names unique, dependencies known and not repeated, no cycle, and every node's
// FunctionSpec valid (validate(FunctionSpec)). Errors are BadRequest naming the offending
// node(s), e.g. "dependency cycle: a -> b -> a".
Result<ValidatedWorkflow> validate_workflow(WorkflowSpec spec);

// A graph's state derived from its progress: FAILED if any node failed, else CANCELLED if any
// was cancelled, else SUCCESS when all succeeded, else RUNNING once any node started or
// finished, else WAITING.
ProcessState derive_graph_state(const GraphProgress& p);

}  // namespace colonies::model
