// JSON codecs of WorkflowSpec and ProcessGraph, and the pure validation of a workflow DAG.
#include "core/model/workflow.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace colonies::model {

json::object to_json(const WorkflowSpec& w) {
  json::array specs;
  specs.reserve(w.functionspecs.size());
  for (const auto& s : w.functionspecs) specs.emplace_back(to_json(s));
  return {{"colonyname", w.colonyname}, {"functionspecs", std::move(specs)}};
}

Result<WorkflowSpec> workflow_spec_from_json(const json::value& v, const std::string& path) {
  WorkflowSpec w;
  COLONIES_TRY(r, FieldReader::of(v, path));
  COLONIES_CHECK(r.str("colonyname", w.colonyname));
  if (const json::value* specs = r.find("functionspecs")) {
    if (!specs->is_array()) return fail(ErrorCode::BadRequest, "field '{}' must be an array", r.path_of("functionspecs"));
    std::size_t i = 0;
    for (const auto& s : specs->get_array()) {
      COLONIES_TRY(spec, function_spec_from_json(s, fmt::format("{}[{}]", r.path_of("functionspecs"), i++)));
      w.functionspecs.push_back(std::move(spec));
    }
  }
  return w;
}

json::object to_json(const GraphProgress& p) {
  return {{"total", p.total},         {"waiting", p.waiting}, {"running", p.running},
          {"successful", p.successful}, {"failed", p.failed},   {"cancelled", p.cancelled}};
}

json::object to_json(const ProcessGraph& g) {
  return {{"processgraphid", g.processgraphid},
          {"initiatorid", g.initiatorid},
          {"initiatorname", g.initiatorname},
          {"colonyname", g.colonyname},
          {"rootprocessids", to_json_array(g.rootprocessids)},
          {"state", static_cast<int>(g.state)},
          {"submissiontime", format_time(g.submissiontime)},
          {"starttime", format_time(g.starttime)},
          {"endtime", format_time(g.endtime)},
          {"processids", to_json_array(g.processids)},
          {"progress", to_json(g.progress)}};
}

Result<ProcessGraph> process_graph_from_json(const json::value& v, const std::string& path) {
  ProcessGraph g;
  COLONIES_TRY(r, FieldReader::of(v, path));
  COLONIES_CHECK(r.str("processgraphid", g.processgraphid));
  COLONIES_CHECK(r.str("initiatorid", g.initiatorid));
  COLONIES_CHECK(r.str("initiatorname", g.initiatorname));
  COLONIES_CHECK(r.str("colonyname", g.colonyname));
  COLONIES_CHECK(r.strings("rootprocessids", g.rootprocessids));
  std::int64_t state = 0;
  COLONIES_CHECK(r.i64("state", state));
  COLONIES_TRY(st, process_state_from_int(state));
  g.state = st;
  COLONIES_CHECK(r.time("submissiontime", g.submissiontime));
  COLONIES_CHECK(r.time("starttime", g.starttime));
  COLONIES_CHECK(r.time("endtime", g.endtime));
  COLONIES_CHECK(r.strings("processids", g.processids));
  if (const json::value* p = r.find("progress")) {
    COLONIES_TRY(pr, FieldReader::of(*p, r.path_of("progress")));
    COLONIES_CHECK(pr.i32("total", g.progress.total));
    COLONIES_CHECK(pr.i32("waiting", g.progress.waiting));
    COLONIES_CHECK(pr.i32("running", g.progress.running));
    COLONIES_CHECK(pr.i32("successful", g.progress.successful));
    COLONIES_CHECK(pr.i32("failed", g.progress.failed));
    COLONIES_CHECK(pr.i32("cancelled", g.progress.cancelled));
  }
  return g;
}

ProcessState derive_graph_state(const GraphProgress& p) {
  if (p.failed > 0) return ProcessState::Failed;
  if (p.cancelled > 0) return ProcessState::Cancelled;
  if (p.total > 0 && p.successful == p.total) return ProcessState::Success;
  if (p.running > 0 || p.successful > 0) return ProcessState::Running;
  return ProcessState::Waiting;
}

namespace {

// Names every node of one cycle among `remaining` (nodes Kahn's algorithm could not order; each
// has a parent among them), in execution order: "a -> b -> c -> a".
std::string describe_cycle(const ValidatedWorkflow& w, const std::vector<bool>& remaining) {
  std::size_t start = 0;
  while (!remaining[start]) ++start;
  std::unordered_map<std::size_t, std::size_t> position;
  std::vector<std::size_t> walk;  // child -> parent -> grandparent ...
  std::size_t current = start;
  while (!position.contains(current)) {
    position[current] = walk.size();
    walk.push_back(current);
    for (std::size_t parent : w.parents[current]) {
      if (remaining[parent]) {
        current = parent;
        break;
      }
    }
  }
  // walk[position[current]..] is the cycle from child to parent; print it parent first.
  std::vector<std::string> names{w.spec.functionspecs[current].nodename};
  for (std::size_t i = walk.size() - 1; i > position[current]; --i) names.push_back(w.spec.functionspecs[walk[i]].nodename);
  names.push_back(w.spec.functionspecs[current].nodename);
  return fmt::format("{}", fmt::join(names, " -> "));
}

Status check_names(const WorkflowSpec& spec, std::unordered_map<std::string, std::size_t>& index) {
  for (std::size_t i = 0; i < spec.functionspecs.size(); ++i) {
    const std::string& name = spec.functionspecs[i].nodename;
    if (name.empty()) {
      return fail(ErrorCode::BadRequest, "functionspecs[{}] (funcname '{}') has no nodename: every node of a workflow "
                  "needs a unique nodename", i, spec.functionspecs[i].funcname);
    }
    auto [it, inserted] = index.emplace(name, i);
    if (!inserted) {
      return fail(ErrorCode::BadRequest, "duplicate node name '{}' (functionspecs[{}] and functionspecs[{}])", name,
                  it->second, i);
    }
  }
  return ok();
}

Status resolve_edges(ValidatedWorkflow& w, const std::unordered_map<std::string, std::size_t>& index) {
  const auto& specs = w.spec.functionspecs;
  std::vector<std::string> unknown;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    std::unordered_set<std::string> seen;
    for (const auto& dep : specs[i].conditions.dependencies) {
      if (!seen.insert(dep).second) {
        return fail(ErrorCode::BadRequest, "node '{}' lists dependency '{}' more than once", specs[i].nodename, dep);
      }
      auto it = index.find(dep);
      if (it == index.end()) {
        unknown.push_back(fmt::format("'{}' (needed by '{}')", dep, specs[i].nodename));
        continue;
      }
      w.parents[i].push_back(it->second);
      w.children[it->second].push_back(i);
    }
  }
  if (!unknown.empty()) {
    return fail(ErrorCode::BadRequest, "unknown dependencies: {} is not a node of this workflow",
                fmt::join(unknown, ", "));
  }
  return ok();
}

// Kahn's algorithm: every node is ordered exactly when the graph has no cycle.
Status check_acyclic(const ValidatedWorkflow& w) {
  const std::size_t n = w.spec.functionspecs.size();
  std::vector<std::size_t> indegree(n);
  std::vector<std::size_t> ready;
  for (std::size_t i = 0; i < n; ++i) {
    indegree[i] = w.parents[i].size();
    if (indegree[i] == 0) ready.push_back(i);
  }
  std::size_t ordered = 0;
  while (!ready.empty()) {
    std::size_t node = ready.back();
    ready.pop_back();
    ++ordered;
    for (std::size_t child : w.children[node]) {
      if (--indegree[child] == 0) ready.push_back(child);
    }
  }
  if (ordered == n) return ok();
  std::vector<bool> remaining(n);
  for (std::size_t i = 0; i < n; ++i) remaining[i] = indegree[i] > 0;
  return fail(ErrorCode::BadRequest, "dependency cycle: {}", describe_cycle(w, remaining));
}

}  // namespace

Result<ValidatedWorkflow> validate_workflow(WorkflowSpec spec) {
  if (spec.colonyname.empty()) return fail(ErrorCode::BadRequest, "spec.colonyname is required");
  if (spec.functionspecs.empty()) return fail(ErrorCode::BadRequest, "spec.functionspecs is empty: a workflow needs at least one node");
  std::unordered_map<std::string, std::size_t> index;
  COLONIES_CHECK(check_names(spec, index));
  ValidatedWorkflow w;
  const std::size_t n = spec.functionspecs.size();
  w.parents.resize(n);
  w.children.resize(n);
  w.requirements.reserve(n);
  for (auto& s : spec.functionspecs) {
    // Every node runs in the workflow's colony, whatever its own conditions say.
    s.conditions.colonyname = spec.colonyname;
    if (s.maxwaittime <= 0) s.maxwaittime = -1;
    if (s.maxexectime <= 0) s.maxexectime = -1;
    auto req = validate(s);
    if (!req) return fail(ErrorCode::BadRequest, "node '{}': {}", s.nodename, req.error().message);
    w.requirements.push_back(std::move(*req));
  }
  w.spec = std::move(spec);
  COLONIES_CHECK(resolve_edges(w, index));
  COLONIES_CHECK(check_acyclic(w));
  for (std::size_t i = 0; i < n; ++i) {
    if (w.parents[i].empty()) w.roots.push_back(i);
  }
  return w;
}

}  // namespace colonies::model
