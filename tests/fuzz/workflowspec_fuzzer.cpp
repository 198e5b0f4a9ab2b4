// libFuzzer target for WorkflowSpec: the JSON codec (workflow_spec_from_json, to_json) and
// validate_workflow, the DAG checks included (names present and unique, dependencies known and
// not repeated, no cycle). The input is the workflow's JSON text. An independent reading of the
// same rules (Kahn's algorithm on a graph built here) must agree with validate_workflow on every
// input; an accepted workflow's edges must mirror each other and its roots be exactly the nodes
// without dependencies; a refused cycle must name a real cycle; and a spec re-encoded must decode
// to the same spec with the same verdict.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/workflow.hpp"

namespace {

namespace json = boost::json;
namespace model = colonies::model;

void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "workflowspec fuzzer: %s\n", what);
  std::abort();
}

// The rules of validate_workflow, read independently: true when the workflow should pass.
bool expected_valid(const model::WorkflowSpec& w) {
  if (w.colonyname.empty() || w.functionspecs.empty()) return false;
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < w.functionspecs.size(); ++i) {
    const auto& name = w.functionspecs[i].nodename;
    if (name.empty() || !index.emplace(name, i).second) return false;
  }
  const std::size_t n = w.functionspecs.size();
  std::vector<std::vector<std::size_t>> children(n);
  std::vector<std::size_t> indegree(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    model::FunctionSpec s = w.functionspecs[i];
    s.conditions.colonyname = w.colonyname;
    if (!model::validate(s)) return false;
    std::set<std::string> seen;
    for (const auto& dep : s.conditions.dependencies) {
      if (!seen.insert(dep).second) return false;
      auto it = index.find(dep);
      if (it == index.end()) return false;
      children[it->second].push_back(i);
      ++indegree[i];
    }
  }
  std::vector<std::size_t> ready;
  for (std::size_t i = 0; i < n; ++i) {
    if (indegree[i] == 0) ready.push_back(i);
  }
  std::size_t ordered = 0;
  while (!ready.empty()) {
    const std::size_t node = ready.back();
    ready.pop_back();
    ++ordered;
    for (std::size_t child : children[node]) {
      if (--indegree[child] == 0) ready.push_back(child);
    }
  }
  return ordered == n;
}

void check_accepted(const model::WorkflowSpec& input, const model::ValidatedWorkflow& w) {
  const std::size_t n = w.spec.functionspecs.size();
  require(n == input.functionspecs.size(), "validation changed the number of nodes");
  require(w.parents.size() == n && w.children.size() == n && w.requirements.size() == n,
          "edge or requirement tables do not have one entry per node");
  std::vector<std::size_t> roots;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& spec = w.spec.functionspecs[i];
    require(spec.conditions.colonyname == input.colonyname, "a node does not run in the workflow's colony");
    require(spec.maxwaittime == -1 || spec.maxwaittime > 0, "maxwaittime not normalised");
    require(spec.maxexectime == -1 || spec.maxexectime > 0, "maxexectime not normalised");
    require(w.parents[i].size() == spec.conditions.dependencies.size(), "parents do not follow the dependencies");
    for (std::size_t k = 0; k < w.parents[i].size(); ++k) {
      const std::size_t p = w.parents[i][k];
      require(p < n && w.spec.functionspecs[p].nodename == spec.conditions.dependencies[k],
              "a parent is not the named dependency, in order");
      std::size_t listed = 0;
      for (std::size_t c : w.children[p]) listed += c == i ? 1 : 0;
      require(listed == 1, "a parent does not list its child exactly once");
    }
    if (w.parents[i].empty()) roots.push_back(i);
  }
  require(roots == w.roots, "roots are not exactly the nodes without dependencies, in spec order");
}

// "dependency cycle: a -> b -> a": every step must be a real edge (b depends on a) and the walk
// must end where it began.
void check_cycle_message(const model::WorkflowSpec& input, const std::string& message) {
  constexpr std::string_view kPrefix = "dependency cycle: ";
  if (!message.starts_with(kPrefix)) return;
  for (const auto& s : input.functionspecs) {
    if (s.nodename.find("->") != std::string::npos) return;  // the message cannot be split
  }
  std::vector<std::string> names;
  std::string_view rest = std::string_view(message).substr(kPrefix.size());
  while (true) {
    auto arrow = rest.find(" -> ");
    names.emplace_back(rest.substr(0, arrow));
    if (arrow == std::string_view::npos) break;
    rest.remove_prefix(arrow + 4);
  }
  require(names.size() >= 2 && names.front() == names.back(), "a cycle that does not return to its start");
  std::map<std::string, const model::FunctionSpec*> by_name;
  for (const auto& s : input.functionspecs) by_name.emplace(s.nodename, &s);
  for (std::size_t k = 1; k < names.size(); ++k) {
    auto child = by_name.find(names[k]);
    require(child != by_name.end(), "a cycle names an unknown node");
    const auto& deps = child->second->conditions.dependencies;
    require(std::find(deps.begin(), deps.end(), names[k - 1]) != deps.end(), "a cycle step is not an edge");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 65536) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto value = model::parse_json(text);
  if (!value) return 0;
  auto spec = model::workflow_spec_from_json(*value);
  if (!spec) {
    require(!spec.error().message.empty(), "refusal without a message");
    return 0;
  }
  const json::object encoded = model::to_json(*spec);
  auto again = model::workflow_spec_from_json(encoded);
  require(again.has_value() && model::to_json(*again) == encoded, "a decoded workflow re-encoded decodes differently");

  const bool expected = expected_valid(*spec);
  auto validated = model::validate_workflow(*spec);
  require(validated.has_value() == expected, "validate_workflow disagrees with the DAG rules");
  auto validated_again = model::validate_workflow(*again);
  require(validated_again.has_value() == validated.has_value(), "validation differs after a codec round trip");
  if (validated) {
    check_accepted(*spec, *validated);
  } else {
    require(!validated.error().message.empty(), "refusal without a message");
    check_cycle_message(*spec, validated.error().message);
  }
  return 0;
}
