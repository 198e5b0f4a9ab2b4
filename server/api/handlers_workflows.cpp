// Handlers of workflows (process graphs): submit, get, list, remove, remove all, cancel, and
// addchild (a running node extends its graph). The runtime they share is workflows.cpp.
#include "core/protocol/messages.hpp"
#include "server/api/broker.hpp"
#include "server/api/validation.hpp"
#include "server/auth/roles.hpp"

namespace colonies::server::api {

using model::FieldReader;
using model::ProcessState;
using ports::Mutation;
namespace mutation = ports::mutation;

namespace {
constexpr int kMaxCount = 100;

Result<std::optional<ProcessState>> graph_state_filter(const FieldReader& r) {
  if (!r.find("state")) return std::optional<ProcessState>{};
  std::int64_t state = -1;
  COLONIES_CHECK(r.i64("state", state));
  if (state == -1) return std::optional<ProcessState>{};
  COLONIES_TRY(s, model::process_state_from_int(state));
  return std::optional<ProcessState>{s};
}

Result<std::string> graph_id_of(const json::object& payload) {
  std::string id;
  COLONIES_CHECK(FieldReader::of(payload).str("processgraphid", id));
  if (id.empty()) return fail(ErrorCode::BadRequest, "processgraphid is required");
  return id;
}

// Replaces `from` by `to` in `values`, in place (keeps the position: it is the input order).
void replace_in(std::vector<std::string>& values, const std::string& from, const std::string& to) {
  std::ranges::replace(values, from, to);
}

}  // namespace

void Broker::on_submit_workflow(Call& call) {
  // Decoding and validation are pure and need no lock.
  const json::value* v = FieldReader::of(call.payload).find("spec");
  if (!v) return call.reply(error_reply(Error{ErrorCode::BadRequest, "spec (a WorkflowSpec) is required"}));
  auto spec = model::workflow_spec_from_json(*v, "spec");
  if (!spec) return call.reply(error_reply(spec.error()));
  auto validated = model::validate_workflow(std::move(*spec));
  if (!validated) return call.reply(error_reply(validated.error()));
  write(call, [&]() -> Result<Outcome> {
    const std::string& colony = validated->spec.colonyname;
    COLONIES_CHECK(auth::require_member(registry_, call.caller, colony));
    std::vector<Mutation> out;
    touch(colony, call.caller, out);
    COLONIES_TRY(graph, create_process_graph(*validated, call.caller, auth::member_name(registry_, call.caller, colony),
                                             GraphOverrides{}, out));
    return Outcome{model::to_json(graph), std::move(out)};
  });
}

void Broker::on_get_process_graph(Call& call) {
  auto id = graph_id_of(call.payload);
  if (!id) return call.reply(error_reply(id.error()));
  {
    std::lock_guard lock(mu_);
    if (auto it = graphs_.find(*id); it != graphs_.end()) {
      auto outcome = [&]() -> Result<Outcome> {
        COLONIES_CHECK(auth::require_member(registry_, call.caller, it->second->record().colonyname));
        return Outcome{graph_json(*it->second), {}};
      }();
      return reply_after_commit(std::move(call.reply), call.msgtype, std::move(outcome));
    }
  }
  blocking_([this, id = *id, caller = call.caller, reply = std::move(call.reply), type = call.msgtype]() mutable {
    auto found = store_.get_process_graph(id);
    std::lock_guard lock(mu_);
    auto outcome = [&]() -> Result<Outcome> {
      if (!found) return std::unexpected(found.error());
      if (!*found) return fail(ErrorCode::NotFound, "process graph {} not found", id);
      COLONIES_CHECK(auth::require_member(registry_, caller, (*found)->colonyname));
      // Active meanwhile? Memory has the live progress.
      if (auto it = graphs_.find(id); it != graphs_.end()) return Outcome{graph_json(*it->second), {}};
      return Outcome{model::to_json(**found), {}};
    }();
    reply_after_commit(std::move(reply), type, std::move(outcome));
  });
}

void Broker::on_get_process_graphs(Call& call) {
  auto r = FieldReader::of(call.payload);
  ports::ProcessGraphFilter filter;
  auto parsed = [&]() -> Status {
    COLONIES_CHECK(r.str("colonyname", filter.colonyname));
    COLONIES_CHECK(r.i32("count", filter.count));
    COLONIES_TRY(state, graph_state_filter(r));
    filter.state = state;
    if (filter.count > kMaxCount) {
      return fail(ErrorCode::BadRequest, "count {} is over the limit of {}", filter.count, kMaxCount);
    }
    if (filter.count <= 0) filter.count = kMaxCount;
    std::lock_guard lock(mu_);
    return auth::require_member(registry_, call.caller, filter.colonyname);
  }();
  if (!parsed) return call.reply(error_reply(parsed.error()));
  read(call, [this, filter]() -> Result<json::value> {
    COLONIES_TRY(graphs, store_.list_process_graphs(filter));
    // The store's record of an active graph is written on state changes only; memory has the
    // live progress.
    json::array list;
    list.reserve(graphs.size());
    std::lock_guard lock(mu_);
    for (const auto& g : graphs) {
      auto it = graphs_.find(g.processgraphid);
      list.emplace_back(it != graphs_.end() ? graph_json(*it->second) : model::to_json(g));
    }
    return list;
  });
}

void Broker::on_remove_process_graph(Call& call) {
  auto id = graph_id_of(call.payload);
  if (!id) return call.reply(error_reply(id.error()));
  {
    std::lock_guard lock(mu_);
    if (auto it = graphs_.find(*id); it != graphs_.end()) {
      auto outcome = [&]() -> Result<Outcome> {
        const model::ProcessGraph& g = it->second->record();
        COLONIES_CHECK(auth::require_member(registry_, call.caller, g.colonyname));
        if (g.progress.running > 0) {
          return fail(ErrorCode::Conflict,
                      "process graph {} has {} RUNNING process(es): cancel it (cancelprocessgraphmsg) before "
                      "removing it",
                      *id, g.progress.running);
        }
        drop_graph(*id);
        return Outcome{json::object{}, {mutation::RemoveProcessGraph{*id}}};
      }();
      return reply_after_commit(std::move(call.reply), call.msgtype, std::move(outcome));
    }
  }
  blocking_([this, id = *id, caller = call.caller, reply = std::move(call.reply), type = call.msgtype]() mutable {
    auto found = store_.get_process_graph(id);
    std::lock_guard lock(mu_);
    auto outcome = [&]() -> Result<Outcome> {
      if (!found) return std::unexpected(found.error());
      if (!*found) return fail(ErrorCode::NotFound, "process graph {} not found", id);
      COLONIES_CHECK(auth::require_member(registry_, caller, (*found)->colonyname));
      if (graphs_.contains(id)) return fail(ErrorCode::Conflict, "process graph {} is active again; retry", id);
      return Outcome{json::object{}, {mutation::RemoveProcessGraph{id}}};
    }();
    reply_after_commit(std::move(reply), type, std::move(outcome));
  });
}

void Broker::on_remove_all_process_graphs(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    auto r = FieldReader::of(call.payload);
    std::string colony;
    COLONIES_CHECK(r.str("colonyname", colony));
    COLONIES_CHECK(auth::require_colony_owner(registry_, call.caller, colony));
    COLONIES_TRY(state, graph_state_filter(r));
    if (state == ProcessState::Running) {
      return fail(ErrorCode::BadRequest, "RUNNING process graphs cannot be removed: cancel them first");
    }
    std::vector<Mutation> out;
    // WAITING graphs are active, so in memory; a RUNNING one (even with no node running at the
    // moment) is never removed, as for processes.
    if (!state || state == ProcessState::Waiting) {
      std::vector<std::string> doomed;
      for (const auto& [id, g] : graphs_) {
        const auto& record = g->record();
        if (record.colonyname == colony && record.state == ProcessState::Waiting && record.progress.running == 0) {
          doomed.push_back(id);
        }
      }
      for (const auto& id : doomed) {
        drop_graph(id);
        out.push_back(mutation::RemoveProcessGraph{id});
      }
    }
    if (!state || model::is_final(*state)) out.push_back(mutation::RemoveProcessGraphs{colony, state});
    return Outcome{json::object{}, std::move(out)};
  });
}

void Broker::on_cancel_process_graph(Call& call) {
  auto id = graph_id_of(call.payload);
  if (!id) return call.reply(error_reply(id.error()));
  {
    std::lock_guard lock(mu_);
    if (auto it = graphs_.find(*id); it != graphs_.end()) {
      auto outcome = [&]() -> Result<Outcome> {
        workflow::Graph& g = *it->second;
        COLONIES_CHECK(auth::require_member(registry_, call.caller, g.record().colonyname));
        std::vector<Mutation> out;
        cancel_graph(g, out);
        sync_graph(g, out, true);  // ends (and forgets) the graph: every node is final now
        json::value reply = model::to_json(std::get<mutation::PutProcessGraph>(out.back()).graph);
        return Outcome{std::move(reply), std::move(out)};
      }();
      return reply_after_commit(std::move(call.reply), call.msgtype, std::move(outcome));
    }
  }
  blocking_([this, id = *id, caller = call.caller, reply = std::move(call.reply), type = call.msgtype]() mutable {
    auto found = store_.get_process_graph(id);
    std::lock_guard lock(mu_);
    auto outcome = [&]() -> Result<Outcome> {
      if (!found) return std::unexpected(found.error());
      if (!*found) return fail(ErrorCode::NotFound, "process graph {} not found", id);
      COLONIES_CHECK(auth::require_member(registry_, caller, (*found)->colonyname));
      return fail(ErrorCode::Conflict, "process graph {} has already ended ({}); nothing to cancel", id,
                  model::to_string((*found)->state));
    }();
    reply_after_commit(std::move(reply), type, std::move(outcome));
  });
}

void Broker::on_add_child(Call& call) {
  auto r = FieldReader::of(call.payload);
  std::string graphid, parentid, childid;
  bool insert = false;
  auto spec = [&]() -> Result<model::FunctionSpec> {
    COLONIES_CHECK(r.str("processgraphid", graphid));
    COLONIES_CHECK(r.str("parentprocessid", parentid));
    COLONIES_CHECK(r.str("childprocessid", childid));
    COLONIES_CHECK(r.boolean("insert", insert));
    if (parentid.empty()) return fail(ErrorCode::BadRequest, "parentprocessid is required");
    if (insert && !childid.empty()) {
      return fail(ErrorCode::BadRequest,
                  "childprocessid applies to append mode only: with insert=true the new process takes over all "
                  "children of the parent");
    }
    const json::value* v = r.find("spec");
    if (!v) return fail(ErrorCode::BadRequest, "spec is required");
    return model::function_spec_from_json(*v, "spec");
  }();
  if (!spec) return call.reply(error_reply(spec.error()));
  write(call, [&]() -> Result<Outcome> {
    scheduler::ActiveProcess* parent = scheduler_.find(parentid);
    if (!parent || parent->process.state != ProcessState::Running || parent->process.assignedexecutorid != call.caller) {
      return fail(ErrorCode::Forbidden, "process {} is not running on you: only the executor running a node may add "
                  "children to it", parentid);
    }
    const std::string colony = parent->process.spec.conditions.colonyname;
    COLONIES_CHECK(auth::require_member(registry_, call.caller, colony));
    if (parent->process.processgraphid.empty()) {
      return fail(ErrorCode::BadRequest, "process {} is not part of a workflow", parentid);
    }
    if (!graphid.empty() && graphid != parent->process.processgraphid) {
      return fail(ErrorCode::BadRequest, "process {} belongs to process graph {}, not {}", parentid,
                  parent->process.processgraphid, graphid);
    }
    workflow::Graph* g = graph_of(parent->process);
    if (!g) return fail(ErrorCode::Internal, "process graph {} of process {} is not active", graphid, parentid);
    if (g->stopped) {
      return fail(ErrorCode::Conflict, "process graph {} is {}: no nodes can be added", g->record().processgraphid,
                  model::to_string(g->record().state));
    }
    model::FunctionSpec s = std::move(*spec);
    if (s.nodename.empty()) return fail(ErrorCode::BadRequest, "spec.nodename is required for a workflow node");
    for (const auto& [id, node] : g->nodes()) {
      if (node.nodename == s.nodename) {
        return fail(ErrorCode::BadRequest, "node name '{}' is already used in process graph {}", s.nodename,
                    g->record().processgraphid);
      }
    }
    s.conditions.colonyname = colony;
    if (s.maxwaittime <= 0) s.maxwaittime = -1;
    if (s.maxexectime <= 0) s.maxexectime = -1;
    workflow::Node* parent_node = g->find(parentid);
    if (!parent_node) return fail(ErrorCode::Internal, "process {} is not a node of its graph", parentid);
    s.conditions.dependencies = {parent_node->nodename};
    auto req = model::validate(s);
    if (!req) return fail(ErrorCode::BadRequest, "spec: {}", req.error().message);

    scheduler::ActiveProcess* child = nullptr;
    workflow::Node* child_node = nullptr;
    if (!childid.empty()) {
      child = scheduler_.find(childid);
      child_node = g->find(childid);
      if (!child || !child_node) {
        return fail(ErrorCode::BadRequest, "childprocessid {} is not a waiting node of process graph {}", childid,
                    g->record().processgraphid);
      }
      if (!child->process.waitforparents || child->process.state != ProcessState::Waiting) {
        return fail(ErrorCode::Conflict, "child {} has already been released: it can no longer get a new parent",
                    childid);
      }
    }

    // Everything is checked; from here on the graph changes.
    std::vector<Mutation> out;
    const model::TimeNs t = now();
    model::Process p;
    p.processid = ids_.new_id();
    p.spec = std::move(s);
    p.processgraphid = g->record().processgraphid;
    p.initiatorid = call.caller;
    p.initiatorname = auth::member_name(registry_, call.caller, colony);
    p.submissiontime = t;
    p.prioritytime = model::priority_time(p.spec.priority, t);
    p.waitforparents = true;
    p.parents = {parentid};
    for (const auto& [key, value] : p.spec.env) {
      model::Attribute a;
      a.attributeid = ids_.new_id();
      a.targetid = p.processid;
      a.targetcolonyname = colony;
      a.targetprocessgraphid = p.processgraphid;
      a.attributetype = static_cast<int>(model::AttributeType::Env);
      a.key = key;
      a.value = value;
      p.attributes.push_back(std::move(a));
    }
    if (insert) {
      // The new node takes the parent's place above each of its children (same input position).
      p.children = parent->process.children;
      for (const auto& cid : p.children) {
        if (scheduler::ActiveProcess* c = scheduler_.find(cid)) {
          replace_in(c->process.parents, parentid, p.processid);
          replace_in(c->process.spec.conditions.dependencies, parent_node->nodename, p.spec.nodename);
          persist(*c, out);
        }
        if (workflow::Node* cn = g->find(cid)) replace_in(cn->parents, parentid, p.processid);
      }
      parent->process.children = {p.processid};
      parent_node->children = {p.processid};
    } else {
      parent->process.children.push_back(p.processid);
      parent_node->children.push_back(p.processid);
      if (child) {
        p.children = {childid};
        child->process.parents.push_back(p.processid);
        child->process.spec.conditions.dependencies.push_back(p.spec.nodename);
        child_node->parents.push_back(p.processid);
        ++child_node->pending;
        persist(*child, out);
      }
    }
    persist(*parent, out);
    g->add(workflow::Node{p.processid, p.spec.nodename, ProcessState::Waiting, p.parents, p.children, 1, {}});
    g->record().processids.push_back(p.processid);
    json::value reply = model::to_json(p);
    out.push_back(mutation::PutProcess{p});
    scheduler_.add(std::move(p), std::move(*req));
    sync_graph(*g, out, true);
    return Outcome{std::move(reply), std::move(out)};
  });
}

}  // namespace colonies::server::api
