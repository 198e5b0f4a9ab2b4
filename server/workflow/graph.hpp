// One active process graph in memory: its stored record and, per node, the state, edges, the
// number of parents still to succeed and (once it succeeded) the output. It answers which
// children a success releases in O(children), what a node receives as input, and the derived
// graph state. Not the scheduler and not the store: the broker moves the processes themselves
// and writes the changes (server/api/workflows.cpp). Not thread-safe: used under the broker's lock.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "core/model/workflow.hpp"

namespace colonies::server::workflow {

namespace json = boost::json;

struct Node {
  std::string processid;
  std::string nodename;
  model::ProcessState state = model::ProcessState::Waiting;
  std::vector<std::string> parents;  // in input order (the order of the node's dependencies)
  std::vector<std::string> children;
  int pending = 0;    // parents that have not succeeded yet
  json::array out;    // the node's output once it succeeded
};

class Graph {
 public:
  explicit Graph(model::ProcessGraph record) : record_(std::move(record)) {}

  model::ProcessGraph& record() { return record_; }
  const model::ProcessGraph& record() const { return record_; }

  // Adds a node in its current state (counted in the progress). `pending` is taken as given.
  Node& add(Node node);
  Node* find(const std::string& processid);
  const std::unordered_map<std::string, Node>& nodes() const { return nodes_; }

  // Moves a node to `state`, keeping the progress counts in step.
  void set_state(Node& node, model::ProcessState state);
  // Records a node's success with its output; returns the children whose parents have now all
  // succeeded, in the order of the node's children. O(children).
  std::vector<std::string> succeeded(Node& node, json::array out);
  // The concatenation of the node's parents' outputs, in the order of its parents.
  json::array input_for(const Node& node) const;
  // Every node reachable from `processid` through children, nearest first.
  std::vector<Node*> descendants(const std::string& processid);
  // Recomputes every node's `pending` from its parents' states (after a restart).
  void recount_pending();

  // Failed or cancelled: nothing more is released; running nodes may still finish.
  bool stopped = false;
  // True while any node is WAITING or RUNNING.
  bool active() const { return record_.progress.waiting + record_.progress.running > 0; }
  // Derives the record's state from the progress and sets starttime/endtime; true when the
  // state or the end time changed (the record must be written again).
  bool refresh(model::TimeNs now);

 private:
  int& count_of(model::ProcessState state);

  model::ProcessGraph record_;
  std::unordered_map<std::string, Node> nodes_;
};

}  // namespace colonies::server::workflow
