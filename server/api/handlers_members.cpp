// Handlers of users, executors and the function registry.
#include "core/protocol/messages.hpp"
#include "server/api/broker.hpp"
#include "server/api/validation.hpp"
#include "server/auth/roles.hpp"

namespace colonies::server::api {

using ports::Mutation;
namespace mutation = ports::mutation;
using model::FieldReader;


// ---- users ----

void Broker::on_add_user(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    const json::value* v = FieldReader::of(call.payload).find("user");
    if (!v) return fail(ErrorCode::BadRequest, "user is required");
    COLONIES_TRY(user, model::user_from_json(*v, "user"));
    COLONIES_CHECK(auth::require_colony_owner(registry_, call.caller, user.colonyname));
    COLONIES_CHECK(valid_name("user", user.name));
    COLONIES_CHECK(valid_id("user.userid", user.userid));
    if (registry_.user(user.colonyname, user.name)) {
      return fail(ErrorCode::Conflict, "user '{}' already exists in colony '{}'", user.name, user.colonyname);
    }
    if (registry_.user_by_id(user.colonyname, user.userid)) {
      return fail(ErrorCode::Conflict, "a user with this userid already exists in colony '{}'", user.colonyname);
    }
    registry_.put_user(user);
    json::value reply = model::to_json(user);
    return Outcome{std::move(reply), {mutation::PutUser{std::move(user)}}};
  });
}

void Broker::on_get_users(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    std::string colony;
    COLONIES_CHECK(FieldReader::of(call.payload).str("colonyname", colony));
    COLONIES_CHECK(auth::require_member(registry_, call.caller, colony, false));
    return Outcome{json_list(registry_.users(colony)), {}};
  });
}

void Broker::on_get_user(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    auto r = FieldReader::of(call.payload);
    std::string colony, name;
    COLONIES_CHECK(r.str("colonyname", colony));
    COLONIES_CHECK(r.str("name", name));
    COLONIES_CHECK(auth::require_member(registry_, call.caller, colony, false));
    const model::User* u = registry_.user(colony, name);
    if (!u) return fail(ErrorCode::NotFound, "user '{}' not found in colony '{}'", name, colony);
    return Outcome{model::to_json(*u), {}};
  });
}

void Broker::on_get_user_by_id(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    auto r = FieldReader::of(call.payload);
    std::string colony, id;
    COLONIES_CHECK(r.str("colonyname", colony));
    COLONIES_CHECK(r.str("userid", id));
    COLONIES_CHECK(auth::require_member(registry_, call.caller, colony, false));
    const model::User* u = registry_.user_by_id(colony, id);
    if (!u) return fail(ErrorCode::NotFound, "no user with id {} in colony '{}'", id, colony);
    return Outcome{model::to_json(*u), {}};
  });
}

void Broker::on_remove_user(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    auto r = FieldReader::of(call.payload);
    std::string colony, name;
    COLONIES_CHECK(r.str("colonyname", colony));
    COLONIES_CHECK(r.str("name", name));
    COLONIES_CHECK(auth::require_colony_owner(registry_, call.caller, colony));
    if (!registry_.user(colony, name)) return fail(ErrorCode::NotFound, "user '{}' not found in colony '{}'", name, colony);
    registry_.remove_user(colony, name);
    return Outcome{json::object{}, {mutation::RemoveUser{colony, name}}};
  });
}

void Broker::on_change_user_id(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    auto r = FieldReader::of(call.payload);
    std::string colony, id;
    COLONIES_CHECK(r.str("colonyname", colony));
    COLONIES_CHECK(r.str("userid", id));
    const model::User* u = call.caller.empty() ? nullptr : registry_.user_by_id(colony, call.caller);
    if (!u) return fail(ErrorCode::Forbidden, "only a user of colony '{}' may change its own id", colony);
    COLONIES_CHECK(valid_id("userid", id));
    if (registry_.user_by_id(colony, id)) return fail(ErrorCode::Conflict, "that userid is already in use in colony '{}'", colony);
    model::User user = *u;
    const std::string old_id = user.userid;
    user.userid = id;
    registry_.put_user(user);
    std::vector<Mutation> out{mutation::PutUser{user}};
    // Keep ownership across the key rotation: crons and generators act for their initiator (and
    // stop once it is not a member), and the submitter of an active process may use its channels.
    for (const model::Cron* c : triggers_.crons(colony)) {
      if (c->initiatorid != old_id) continue;
      model::Cron* cron = triggers_.cron(c->cronid);
      cron->initiatorid = id;
      out.emplace_back(mutation::PutCron{*cron});
    }
    for (const model::Generator* g : triggers_.generators(colony)) {
      if (g->initiatorid != old_id) continue;
      model::Generator* generator = triggers_.generator(g->generatorid);
      generator->initiatorid = id;
      out.emplace_back(mutation::PutGenerator{*generator});
    }
    for (const auto& [_, p] : scheduler_.all()) {
      if (p->process.initiatorid == old_id && p->process.spec.conditions.colonyname == colony) {
        p->process.initiatorid = id;
        persist(*p, out);
      }
    }
    return Outcome{model::to_json(user), std::move(out)};
  });
}

// ---- executors ----

void Broker::on_add_executor(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    const json::value* v = FieldReader::of(call.payload).find("executor");
    if (!v) return fail(ErrorCode::BadRequest, "executor is required");
    COLONIES_TRY(executor, model::executor_from_json(*v, "executor"));
    COLONIES_CHECK(auth::require_colony_owner(registry_, call.caller, executor.colonyname));
    COLONIES_CHECK(valid_name("executor", executor.executorname));
    COLONIES_CHECK(valid_name("executor type", executor.executortype));
    COLONIES_CHECK(valid_id("executor.executorid", executor.executorid));
    if (const auto* existing = registry_.executor(executor.colonyname, executor.executorname);
        existing && existing->executor.state != model::ExecutorState::Unregistered) {
      return fail(ErrorCode::Conflict, "executor '{}' already exists in colony '{}'", executor.executorname,
                  executor.colonyname);
    }
    if (registry_.executor_by_id(executor.colonyname, executor.executorid)) {
      return fail(ErrorCode::Conflict, "an executor with this executorid already exists in colony '{}'",
                  executor.colonyname);
    }
    // The server owns these fields; an unregistered name is re-used and needs approval again.
    executor.state = model::ExecutorState::Pending;
    executor.commissiontime = now();
    executor.lastheardfromtime = 0;
    COLONIES_CHECK(registry_.put_executor(executor));
    json::value reply = model::to_json(executor);
    return Outcome{std::move(reply), {mutation::PutExecutor{std::move(executor)}}};
  });
}

void Broker::on_get_executors(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    std::string colony;
    COLONIES_CHECK(FieldReader::of(call.payload).str("colonyname", colony));
    COLONIES_CHECK(auth::require_member(registry_, call.caller, colony, false));
    json::array out;
    for (const auto* e : registry_.executors(colony)) out.push_back(model::to_json(e->executor));
    return Outcome{std::move(out), {}};
  });
}

void Broker::on_get_executor(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    auto r = FieldReader::of(call.payload);
    std::string colony, name;
    COLONIES_CHECK(r.str("colonyname", colony));
    COLONIES_CHECK(r.str("executorname", name));
    COLONIES_CHECK(auth::require_member(registry_, call.caller, colony));
    const auto* e = registry_.executor(colony, name);
    if (!e) return fail(ErrorCode::NotFound, "executor '{}' not found in colony '{}'", name, colony);
    return Outcome{model::to_json(e->executor), {}};
  });
}

void Broker::on_get_executor_by_id(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    auto r = FieldReader::of(call.payload);
    std::string colony, id;
    COLONIES_CHECK(r.str("colonyname", colony));
    COLONIES_CHECK(r.str("executorid", id));
    COLONIES_CHECK(auth::require_member(registry_, call.caller, colony));
    const auto* e = registry_.executor_by_id(colony, id);
    if (!e) return fail(ErrorCode::NotFound, "no executor with id {} in colony '{}'", id, colony);
    return Outcome{model::to_json(e->executor), {}};
  });
}

// Approve, reject and remove share the lookup and the owner check.
static Result<registry::ExecutorEntry*> owned_executor(registry::Registry& reg, const Broker::Call& call,
                                                       std::string& colony) {
  auto r = FieldReader::of(call.payload);
  std::string name;
  COLONIES_CHECK(r.str("colonyname", colony));
  COLONIES_CHECK(r.str("executorname", name));
  COLONIES_CHECK(auth::require_colony_owner(reg, call.caller, colony));
  registry::ExecutorEntry* e = reg.executor(colony, name);
  if (!e || e->executor.state == model::ExecutorState::Unregistered) {
    return fail(ErrorCode::NotFound, "executor '{}' not found in colony '{}'", name, colony);
  }
  return e;
}

void Broker::on_approve_executor(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    std::string colony;
    COLONIES_TRY(e, owned_executor(registry_, call, colony));
    e->executor.state = model::ExecutorState::Approved;
    return Outcome{model::to_json(e->executor), {mutation::PutExecutor{e->executor}}};
  });
}

void Broker::on_reject_executor(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    std::string colony;
    COLONIES_TRY(e, owned_executor(registry_, call, colony));
    e->executor.state = model::ExecutorState::Rejected;
    std::vector<Mutation> out{mutation::PutExecutor{e->executor}};
    end_waiters_of(colony, e->executor.executorid);  // first, so it cannot be handed its own work back
    requeue_executor_processes(e->executor.executorid, colony);
    return Outcome{model::to_json(e->executor), std::move(out)};
  });
}

void Broker::on_remove_executor(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    std::string colony;
    COLONIES_TRY(e, owned_executor(registry_, call, colony));
    // Kept as UNREGISTERED for traceability of the processes it ran.
    e->executor.state = model::ExecutorState::Unregistered;
    std::vector<Mutation> out{mutation::PutExecutor{e->executor}};
    for (auto& id : registry_.remove_functions_of(colony, e->executor.executorname)) {
      out.push_back(mutation::RemoveFunction{id});
    }
    end_waiters_of(colony, e->executor.executorid);  // first, so it cannot be handed its own work back
    requeue_executor_processes(e->executor.executorid, colony);
    return Outcome{json::object{}, std::move(out)};
  });
}

// Report allocation, update capabilities and change id are for the executor itself.
static Result<registry::ExecutorEntry*> own_entry(registry::Registry& reg, const Broker::Call& call,
                                                  std::string& colony) {
  auto r = FieldReader::of(call.payload);
  std::string name;
  COLONIES_CHECK(r.str("colonyname", colony));
  COLONIES_CHECK(r.str("executorname", name));
  registry::ExecutorEntry* e = call.caller.empty() ? nullptr : reg.executor_by_id(colony, call.caller);
  if (!e || e->executor.state == model::ExecutorState::Rejected || (!name.empty() && e->executor.executorname != name)) {
    return fail(ErrorCode::Forbidden, "only the executor itself may do this");
  }
  return e;
}

void Broker::on_report_allocation(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    std::string colony;
    COLONIES_TRY(e, own_entry(registry_, call, colony));
    json::value allocations;
    COLONIES_CHECK(FieldReader::of(call.payload).any("allocations", allocations));
    if (!allocations.is_object()) return fail(ErrorCode::BadRequest, "allocations must be an object");
    e->executor.allocations = std::move(allocations);
    std::vector<Mutation> out{mutation::PutExecutor{e->executor}};
    return Outcome{json::object{}, std::move(out)};
  });
}

void Broker::on_update_executor(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    std::string colony;
    COLONIES_TRY(e, own_entry(registry_, call, colony));
    const json::value* caps = FieldReader::of(call.payload).find("capabilities");
    if (!caps) return fail(ErrorCode::BadRequest, "capabilities is required");
    COLONIES_TRY(capabilities, model::capabilities_from_json(*caps));
    model::Executor updated = e->executor;
    updated.capabilities = std::move(capabilities);
    COLONIES_CHECK(registry_.put_executor(updated));
    return Outcome{model::to_json(updated), {mutation::PutExecutor{updated}}};
  });
}

void Broker::on_change_executor_id(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    std::string colony, id;
    auto r = FieldReader::of(call.payload);
    COLONIES_CHECK(r.str("executorid", id));
    COLONIES_TRY(e, own_entry(registry_, call, colony));
    COLONIES_CHECK(valid_id("executorid", id));
    if (registry_.executor_by_id(colony, id)) return fail(ErrorCode::Conflict, "that executorid is already in use");
    const std::string old_id = e->executor.executorid;
    end_waiters_of(colony, old_id);  // parked long-polls carry the old id
    e->executor.executorid = id;
    std::vector<Mutation> out{mutation::PutExecutor{e->executor}};
    // Keep ownership of running work across the key rotation.
    for (const auto& [_, p] : scheduler_.all()) {
      if (p->process.assignedexecutorid == old_id && p->process.spec.conditions.colonyname == colony) {
        p->process.assignedexecutorid = id;
        persist(*p, out);
      }
    }
    return Outcome{model::to_json(e->executor), std::move(out)};
  });
}

// ---- function registry ----

void Broker::on_add_function(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    const json::value* v = FieldReader::of(call.payload).find("fun");
    if (!v) return fail(ErrorCode::BadRequest, "fun is required");
    COLONIES_TRY(fun, model::function_from_json(*v, "fun"));
    COLONIES_CHECK(auth::require_member(registry_, call.caller, fun.colonyname));
    const auto* e = registry_.executor(fun.colonyname, fun.executorname);
    if (!e || e->executor.executorid != call.caller) {
      return fail(ErrorCode::Forbidden, "an executor may only register its own functions");
    }
    COLONIES_CHECK(valid_name("function", fun.funcname));
    if (registry_.function_for(fun.colonyname, fun.executorname, fun.funcname)) {
      return fail(ErrorCode::Conflict, "function '{}' is already registered by executor '{}'", fun.funcname,
                  fun.executorname);
    }
    fun.functionid = ids_.new_id();
    fun.executortype = e->executor.executortype;
    fun.locationname = e->executor.locationname;
    fun.counter = 0;
    fun.minwaittime = fun.maxwaittime = fun.minexectime = fun.maxexectime = fun.avgwaittime = fun.avgexectime = 0;
    registry_.put_function(fun);
    json::value reply = model::to_json(fun);
    return Outcome{std::move(reply), {mutation::PutFunction{std::move(fun)}}};
  });
}

void Broker::on_get_functions(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    auto r = FieldReader::of(call.payload);
    std::string colony, executor;
    COLONIES_CHECK(r.str("colonyname", colony));
    COLONIES_CHECK(r.str("executorname", executor));
    COLONIES_CHECK(auth::require_member(registry_, call.caller, colony));
    return Outcome{json_list(registry_.functions(colony, executor)), {}};
  });
}

void Broker::on_remove_function(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    std::string id;
    COLONIES_CHECK(FieldReader::of(call.payload).str("functionid", id));
    model::Function* f = registry_.function(id);
    // Function IDs are 256-bit random values: a 404 tells an outsider nothing it could use.
    if (!f) return fail(ErrorCode::NotFound, "function {} not found", id);
    COLONIES_CHECK(auth::require_member(registry_, call.caller, f->colonyname));
    const auto* e = registry_.executor(f->colonyname, f->executorname);
    if (!e || e->executor.executorid != call.caller) {
      return fail(ErrorCode::Forbidden, "only the executor that registered a function may remove it");
    }
    registry_.remove_function(id);
    return Outcome{json::object{}, {mutation::RemoveFunction{id}}};
  });
}

}  // namespace colonies::server::api
