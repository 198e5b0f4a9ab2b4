// The workflow runtime of the broker: creating a process graph, releasing a node when its
// parents succeeded (with their outputs as its input), the failure policy, cancellation, the
// graph's derived state, and rebuilding active graphs after a restart. Handlers are in
// handlers_workflows.cpp; the per-graph bookkeeping is server/workflow/graph.hpp.
#include <spdlog/spdlog.h>

#include "server/api/broker.hpp"

namespace colonies::server::api {

using model::ProcessState;
using ports::Mutation;
namespace mutation = ports::mutation;

namespace {
constexpr model::TimeNs kSecond = 1'000'000'000LL;

model::Process node_process(const model::FunctionSpec& spec, const std::string& id, const std::string& graphid,
                            const std::string& initiatorid, const std::string& initiatorname, model::TimeNs t) {
  model::Process p;
  p.processid = id;
  p.spec = spec;
  p.processgraphid = graphid;
  p.initiatorid = initiatorid;
  p.initiatorname = initiatorname;
  p.submissiontime = t;
  p.prioritytime = model::priority_time(spec.priority, t);
  return p;
}

void add_env_attributes(model::Process& p, ports::IdGenerator& ids) {
  for (const auto& [key, value] : p.spec.env) {
    model::Attribute a;
    a.attributeid = ids.new_id();
    a.targetid = p.processid;
    a.targetcolonyname = p.spec.conditions.colonyname;
    a.targetprocessgraphid = p.processgraphid;
    a.attributetype = static_cast<int>(model::AttributeType::Env);
    a.key = key;
    a.value = value;
    p.attributes.push_back(std::move(a));
  }
}

}  // namespace

Result<model::ProcessGraph> Broker::create_process_graph(const model::ValidatedWorkflow& workflow,
                                                         const std::string& initiatorid,
                                                         const std::string& initiatorname,
                                                         const GraphOverrides& overrides, std::vector<Mutation>& out) {
  const auto& specs = workflow.spec.functionspecs;
  const model::TimeNs t = now();
  model::ProcessGraph record;
  record.processgraphid = ids_.new_id();
  record.initiatorid = initiatorid;
  record.initiatorname = initiatorname;
  record.colonyname = workflow.spec.colonyname;
  record.submissiontime = t;
  std::vector<std::string> ids(specs.size());
  for (auto& id : ids) {
    id = ids_.new_id();
    if (scheduler_.find(id)) return fail(ErrorCode::Internal, "process id {} collides with an active process", id);
  }
  if (graphs_.contains(record.processgraphid)) {
    return fail(ErrorCode::Internal, "process graph id {} collides with an active graph", record.processgraphid);
  }
  record.processids = ids;
  for (std::size_t root : workflow.roots) record.rootprocessids.push_back(ids[root]);
  auto graph = std::make_unique<workflow::Graph>(record);
  out.reserve(out.size() + specs.size() + 1);
  std::vector<scheduler::ActiveProcess*> roots;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    model::Process p = node_process(specs[i], ids[i], record.processgraphid, initiatorid, initiatorname, t);
    const bool root = workflow.parents[i].empty();
    p.waitforparents = !root;
    for (std::size_t parent : workflow.parents[i]) p.parents.push_back(ids[parent]);
    for (std::size_t child : workflow.children[i]) p.children.push_back(ids[child]);
    if (root) {
      if (overrides.in) p.in = *overrides.in;
      if (overrides.args) p.spec.args = *overrides.args;
      // A node waits for an executor from its release on; time spent waiting for parents
      // does not count against maxwaittime.
      if (p.spec.maxwaittime > 0) p.waitdeadline = t + p.spec.maxwaittime * kSecond;
    }
    add_env_attributes(p, ids_);
    workflow::Node node{p.processid, p.spec.nodename, ProcessState::Waiting, p.parents, p.children,
                        static_cast<int>(p.parents.size()), {}};
    graph->add(std::move(node));
    out.push_back(mutation::PutProcess{p});
    scheduler::ActiveProcess* active = scheduler_.add(std::move(p), workflow.requirements[i]);
    if (root) {
      if (active->process.waitdeadline > 0) {
        scheduler_.set_deadline(active, scheduler::DeadlineKind::Wait, active->process.waitdeadline);
      }
      released_.push_back(active->process.processid);
    }
  }
  graph->refresh(t);
  out.push_back(mutation::PutProcessGraph{graph->record()});
  model::ProcessGraph result = graph->record();
  graphs_.emplace(record.processgraphid, std::move(graph));
  return result;
}

workflow::Graph* Broker::graph_of(const model::Process& p) {
  auto it = graphs_.find(p.processgraphid);
  return it == graphs_.end() ? nullptr : it->second.get();
}

void Broker::graph_node_moved(const model::Process& p, std::vector<Mutation>& out) {
  workflow::Graph* g = graph_of(p);
  if (!g) return;
  if (workflow::Node* node = g->find(p.processid)) g->set_state(*node, p.state);
  sync_graph(*g, out);
}

void Broker::graph_node_final(const model::Process& p, std::vector<Mutation>& out) {
  workflow::Graph* g = graph_of(p);
  if (!g) return;
  workflow::Node* node = g->find(p.processid);
  if (!node) return;
  if (p.state == ProcessState::Success) {
    auto ready = g->succeeded(*node, p.out);
    // A stopped graph keeps the results of nodes that were already running, but runs nothing new.
    if (!g->stopped) {
      for (const auto& id : ready) {
        if (workflow::Node* child = g->find(id)) release_node(*g, *child, out);
      }
    }
  } else {
    g->set_state(*node, p.state);
    if (p.state == ProcessState::Failed && !g->stopped) stop_after_failure(*g, p, out);
  }
  sync_graph(*g, out);
}

void Broker::release_node(workflow::Graph& g, workflow::Node& node, std::vector<Mutation>& out) {
  scheduler::ActiveProcess* p = scheduler_.find(node.processid);
  if (!p || p->process.state != ProcessState::Waiting) return;
  model::Process& proc = p->process;
  proc.waitforparents = false;
  proc.in = g.input_for(node);
  if (proc.spec.maxwaittime > 0) {
    proc.waitdeadline = now() + proc.spec.maxwaittime * kSecond;
    scheduler_.set_deadline(p, scheduler::DeadlineKind::Wait, proc.waitdeadline);
  }
  scheduler_.restart_wait(p, now());
  scheduler_.enqueue(p);
  persist(*p, out);
  released_.push_back(proc.processid);
}

void Broker::stop_after_failure(workflow::Graph& g, const model::Process& failed, std::vector<Mutation>& out) {
  g.stopped = true;
  const std::string& name = failed.spec.nodename;
  // Descendants learn which parent failed; other waiting nodes that the workflow stopped.
  std::unordered_map<std::string, std::string> reasons;
  for (workflow::Node* d : g.descendants(failed.processid)) {
    const bool direct = std::ranges::find(d->parents, failed.processid) != d->parents.end();
    reasons[d->processid] =
        fmt::format("{} '{}' (process {}) failed", direct ? "parent" : "ancestor", name, failed.processid);
  }
  std::vector<std::string> waiting;
  for (const auto& [id, node] : g.nodes()) {
    if (node.state == ProcessState::Waiting) waiting.push_back(id);
  }
  for (const auto& id : waiting) {
    scheduler::ActiveProcess* p = scheduler_.find(id);
    workflow::Node* node = g.find(id);
    if (!p || !node) continue;
    auto reason = reasons.find(id);
    p->process.errors.push_back(reason != reasons.end()
                                    ? reason->second
                                    : fmt::format("workflow stopped: node '{}' (process {}) failed", name,
                                                  failed.processid));
    retire(p, ProcessState::Failed, out);
    g.set_state(*node, ProcessState::Failed);
  }
}

void Broker::cancel_graph(workflow::Graph& g, std::vector<Mutation>& out) {
  g.stopped = true;
  std::vector<std::string> live;
  for (const auto& [id, node] : g.nodes()) {
    if (!model::is_final(node.state)) live.push_back(id);
  }
  for (const auto& id : live) {
    scheduler::ActiveProcess* p = scheduler_.find(id);
    workflow::Node* node = g.find(id);
    if (!p || !node) continue;
    // A RUNNING node's executor learns it the usual way: its next close, output or log for the
    // process is refused because the process is no longer RUNNING.
    retire(p, ProcessState::Cancelled, out);
    g.set_state(*node, ProcessState::Cancelled);
  }
}

void Broker::sync_graph(workflow::Graph& g, std::vector<Mutation>& out, bool force) {
  if (!g.refresh(now()) && !force) return;
  if (!g.active()) graph_ended(g, out);
  out.push_back(mutation::PutProcessGraph{g.record()});  // last: handlers reply with it
  if (!g.active()) graphs_.erase(g.record().processgraphid);  // g is gone from here on
}

void Broker::drop_graph(const std::string& processgraphid) {
  auto it = graphs_.find(processgraphid);
  if (it == graphs_.end()) return;
  for (const auto& [id, node] : it->second->nodes()) forget(id);
  graphs_.erase(it);
}

Status Broker::restore_graphs(ports::Snapshot& snapshot) {
  for (auto& record : snapshot.active_graphs) {
    record.progress = model::GraphProgress{};  // recounted from the nodes below
    auto g = std::make_unique<workflow::Graph>(std::move(record));
    const std::string id = g->record().processgraphid;
    graphs_.emplace(id, std::move(g));
  }
  auto add_node = [&](const model::Process& p) {
    workflow::Graph* g = graph_of(p);
    if (!g) return;
    g->add(workflow::Node{p.processid, p.spec.nodename, p.state, p.parents, p.children, 0,
                          p.state == ProcessState::Success ? p.out : json::array{}});
  };
  for (const auto& p : snapshot.finished_graph_processes) add_node(p);
  for (const auto& [id, active] : scheduler_.all()) {
    if (!active->process.processgraphid.empty()) add_node(active->process);
  }
  std::vector<Mutation> repaired;
  std::vector<std::string> ended;
  for (auto& [id, g] : graphs_) {
    g->recount_pending();
    g->stopped = g->record().progress.failed + g->record().progress.cancelled > 0;
    // A node whose parents all succeeded but that still waits for them cannot follow from our
    // own writes (a release is in the same batch as its parent's close); after a hand-edited
    // store it is released now rather than left waiting forever.
    for (const auto& [pid, node] : g->nodes()) {
      scheduler::ActiveProcess* p = scheduler_.find(pid);
      if (p && !g->stopped && node.pending == 0 && p->process.waitforparents) {
        release_node(*g, *g->find(pid), repaired);
      }
    }
    if (!g->active()) ended.push_back(id);
  }
  // Likewise a graph with no live node left ends now.
  for (const auto& id : ended) sync_graph(*graphs_.at(id), repaired, true);
  released_.clear();  // nobody is parked yet after a restart
  if (repaired.empty()) return ok();
  spdlog::warn("repaired {} inconsistent workflow records at start-up", repaired.size());
  return store_.apply(repaired);
}

void Broker::dispatch_released() {
  while (!released_.empty()) {
    std::vector<std::string> ids = std::exchange(released_, {});
    for (const auto& id : ids) {
      scheduler::ActiveProcess* p = scheduler_.find(id);
      if (p && p->process.state == ProcessState::Waiting) dispatch(p);
    }
  }
}

}  // namespace colonies::server::api
