// Handlers of server-level and colony messages.
#include "core/protocol/messages.hpp"
#include "server/api/broker.hpp"
#include "server/api/validation.hpp"
#include "server/auth/roles.hpp"

namespace colonies::server::api {

using ports::Mutation;
namespace mutation = ports::mutation;
namespace msg = protocol::msg;
using model::FieldReader;


void Broker::on_version(Call& call) {
  call.reply(ok_reply(call.msgtype, json::object{{"buildversion", options_.build_version},
                                                 {"buildtime", options_.build_time}}));
}

void Broker::on_server_info(Call& call) {
  json::array backends{json::object{{"type", "http"},
                                    {"host", options_.http_host},
                                    {"port", options_.http_port},
                                    {"tls", options_.tls},
                                    {"insecure", false}}};
  if (options_.grpc_port > 0) {
    backends.push_back(json::object{{"type", "grpc"},
                                    {"host", options_.http_host},
                                    {"port", options_.grpc_port},
                                    {"tls", options_.tls},
                                    {"insecure", false}});
  }
  call.reply(ok_reply(call.msgtype, json::object{{"buildversion", options_.build_version},
                                                 {"buildtime", options_.build_time},
                                                 {"backends", std::move(backends)}}));
}

void Broker::statistics(Call& call, const std::string& colony) {
  // Registry counts are taken now under the lock; process counts come from the store.
  model::Statistics base;
  {
    std::lock_guard lock(mu_);
    if (colony.empty()) {
      if (auto s = auth::require_server_owner(registry_, call.caller); !s) return call.reply(error_reply(s.error()));
      base.colonies = static_cast<std::int64_t>(registry_.colonies().size());
    } else {
      if (auto s = auth::require_member(registry_, call.caller, colony); !s) return call.reply(error_reply(s.error()));
      base.colonies = 1;
    }
    auto executors = colony.empty() ? registry_.all_executors() : registry_.executors(colony);
    for (auto* e : executors) {
      if (e->executor.state == model::ExecutorState::Unregistered) ++base.unregisteredexecutors;
      else ++base.executors;
      if (e->executor.state == model::ExecutorState::Approved) ++base.activeexecutors;
    }
  }
  read(call, [this, colony, base]() -> Result<json::value> {
    COLONIES_TRY(counts, store_.count_processes(colony));
    COLONIES_TRY(graph_counts, store_.count_process_graphs(colony));
    model::Statistics s = base;
    auto count = [&](model::ProcessState st) { return counts.contains(st) ? counts.at(st) : 0; };
    s.waitingprocesses = count(model::ProcessState::Waiting);
    s.runningprocesses = count(model::ProcessState::Running);
    s.successfulprocesses = count(model::ProcessState::Success);
    s.failedprocesses = count(model::ProcessState::Failed);
    s.cancelledprocesses = count(model::ProcessState::Cancelled);
    auto graphs = [&](model::ProcessState st) { return graph_counts.contains(st) ? graph_counts.at(st) : 0; };
    s.waitingworkflows = graphs(model::ProcessState::Waiting);
    s.runningworkflows = graphs(model::ProcessState::Running);
    s.successfulworkflows = graphs(model::ProcessState::Success);
    s.failedworkflows = graphs(model::ProcessState::Failed);
    s.cancelledworkflows = graphs(model::ProcessState::Cancelled);
    return model::to_json(s);
  });
}

void Broker::on_statistics(Call& call) { statistics(call, ""); }

void Broker::on_cluster(Call& call) {
  {
    std::lock_guard lock(mu_);
    if (auto s = auth::require_server_owner(registry_, call.caller); !s) return call.reply(error_reply(s.error()));
  }
  // Asking the coordinator for the members may block: off the io threads, like a store read.
  read(call, [this]() -> Result<json::value> {
    COLONIES_TRY(members, leadership_.members());
    json::array list;
    std::string leader;
    for (const auto& m : members) {
      if (m.leader) leader = m.name;
      list.push_back(json::object{{"name", m.name}, {"url", m.url}, {"leader", m.leader}});
    }
    return json::object{{"members", std::move(list)}, {"leader", leader}, {"epoch", leadership_.epoch()}};
  });
}

void Broker::on_colony_stats(Call& call) {
  std::string colony;
  if (auto s = FieldReader::of(call.payload).str("colonyname", colony); !s) return call.reply(error_reply(s.error()));
  if (colony.empty()) return call.reply(error_reply(Error{ErrorCode::BadRequest, "colonyname is required"}));
  statistics(call, colony);
}

void Broker::on_change_server_id(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    COLONIES_CHECK(auth::require_server_owner(registry_, call.caller));
    std::string id;
    COLONIES_CHECK(FieldReader::of(call.payload).str("serverid", id));
    COLONIES_CHECK(valid_id("serverid", id));
    registry_.server_id = id;
    return Outcome{json::object{}, {mutation::SetServerId{id}}};
  });
}

void Broker::on_add_colony(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    COLONIES_CHECK(auth::require_server_owner(registry_, call.caller));
    const json::value* v = FieldReader::of(call.payload).find("colony");
    if (!v) return fail(ErrorCode::BadRequest, "colony is required");
    COLONIES_TRY(colony, model::colony_from_json(*v, "colony"));
    COLONIES_CHECK(valid_name("colony", colony.name));
    COLONIES_CHECK(valid_id("colony.colonyid", colony.colonyid));
    if (registry_.colony(colony.name)) return fail(ErrorCode::Conflict, "colony '{}' already exists", colony.name);
    registry_.put_colony(colony);
    json::value reply = model::to_json(colony);
    return Outcome{std::move(reply), {mutation::PutColony{std::move(colony)}}};
  });
}

void Broker::on_remove_colony(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    COLONIES_CHECK(auth::require_server_owner(registry_, call.caller));
    std::string name;
    COLONIES_CHECK(FieldReader::of(call.payload).str("colonyname", name));
    if (!registry_.colony(name)) return fail(ErrorCode::NotFound, "colony '{}' not found", name);
    std::vector<std::string> ids;
    for (const auto& [id, p] : scheduler_.all()) {
      if (p->process.spec.conditions.colonyname == name) ids.push_back(id);
    }
    for (const auto& id : ids) forget(id);
    std::erase_if(graphs_, [&](const auto& entry) { return entry.second->record().colonyname == name; });
    end_waiters_of(name, "");
    registry_.remove_colony(name);
    paused_.erase(name);
    snapshot_names_.erase(name);
    triggers_.remove_colony(name);
    return Outcome{json::object{}, {mutation::RemoveColony{name}}};
  });
}

void Broker::on_get_colony(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    std::string name;
    COLONIES_CHECK(FieldReader::of(call.payload).str("colonyname", name));
    COLONIES_CHECK(auth::require_member(registry_, call.caller, name));
    return Outcome{model::to_json(*registry_.colony(name)), {}};
  });
}

void Broker::on_get_colonies(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    COLONIES_CHECK(auth::require_server_owner(registry_, call.caller));
    return Outcome{json_list(registry_.colonies()), {}};
  });
}

void Broker::on_change_colony_id(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    auto r = FieldReader::of(call.payload);
    std::string name, id;
    COLONIES_CHECK(r.str("colonyname", name));
    COLONIES_CHECK(r.str("colonyid", id));
    COLONIES_CHECK(auth::require_colony_owner(registry_, call.caller, name));
    COLONIES_CHECK(valid_id("colonyid", id));
    model::Colony colony = *registry_.colony(name);
    colony.colonyid = id;
    registry_.put_colony(colony);
    return Outcome{model::to_json(colony), {mutation::PutColony{colony}}};
  });
}

}  // namespace colonies::server::api
