// Node bookkeeping of an active process graph: progress counts, release by parent countdown,
// input concatenation, descendants, derived state.
#include "server/workflow/graph.hpp"

#include <deque>
#include <unordered_set>

namespace colonies::server::workflow {

using model::ProcessState;

int& Graph::count_of(ProcessState state) {
  auto& p = record_.progress;
  switch (state) {
    case ProcessState::Waiting: return p.waiting;
    case ProcessState::Running: return p.running;
    case ProcessState::Success: return p.successful;
    case ProcessState::Failed: return p.failed;
    case ProcessState::Cancelled: return p.cancelled;
  }
  return p.waiting;
}

Node& Graph::add(Node node) {
  ++record_.progress.total;
  ++count_of(node.state);
  std::string id = node.processid;
  return nodes_.insert_or_assign(std::move(id), std::move(node)).first->second;
}

Node* Graph::find(const std::string& processid) {
  auto it = nodes_.find(processid);
  return it == nodes_.end() ? nullptr : &it->second;
}

void Graph::set_state(Node& node, ProcessState state) {
  if (node.state == state) return;
  --count_of(node.state);
  ++count_of(state);
  node.state = state;
}

std::vector<std::string> Graph::succeeded(Node& node, json::array out) {
  set_state(node, ProcessState::Success);
  node.out = std::move(out);
  std::vector<std::string> ready;
  for (const auto& child_id : node.children) {
    Node* child = find(child_id);
    if (!child) continue;
    if (--child->pending == 0 && child->state == ProcessState::Waiting) ready.push_back(child_id);
  }
  return ready;
}

json::array Graph::input_for(const Node& node) const {
  json::array in;
  for (const auto& parent_id : node.parents) {
    auto it = nodes_.find(parent_id);
    if (it == nodes_.end()) continue;
    for (const auto& v : it->second.out) in.push_back(v);
  }
  return in;
}

std::vector<Node*> Graph::descendants(const std::string& processid) {
  std::vector<Node*> found;
  std::unordered_set<std::string> seen{processid};
  std::deque<std::string> next{processid};
  while (!next.empty()) {
    Node* node = find(next.front());
    next.pop_front();
    if (!node) continue;
    for (const auto& child : node->children) {
      if (!seen.insert(child).second) continue;
      if (Node* c = find(child)) found.push_back(c);
      next.push_back(child);
    }
  }
  return found;
}

void Graph::recount_pending() {
  for (auto& [id, node] : nodes_) {
    node.pending = 0;
    for (const auto& parent_id : node.parents) {
      const Node* parent = find(parent_id);
      if (!parent || parent->state != ProcessState::Success) ++node.pending;
    }
  }
}

bool Graph::refresh(model::TimeNs now) {
  const ProcessState before = record_.state;
  const model::TimeNs ended_before = record_.endtime;
  record_.state = model::derive_graph_state(record_.progress);
  if (record_.starttime == 0 && record_.state != ProcessState::Waiting) record_.starttime = now;
  if (!active() && record_.endtime == 0) record_.endtime = now;
  return record_.state != before || record_.endtime != ended_before;
}

}  // namespace colonies::server::workflow
