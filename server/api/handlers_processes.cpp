// Handlers of processes: submit, assign (long-poll), get/list/history, close, output, cancel,
// remove, pause and resume.
#include <spdlog/spdlog.h>

#include "core/model/resources.hpp"
#include "core/model/text.hpp"
#include "core/protocol/messages.hpp"
#include "server/api/broker.hpp"
#include "server/api/validation.hpp"
#include "server/auth/roles.hpp"

namespace colonies::server::api {

using model::FieldReader;
using model::ProcessState;
using ports::Mutation;
namespace mutation = ports::mutation;
namespace msg = protocol::msg;

namespace {
constexpr model::TimeNs kSecond = 1'000'000'000LL;
constexpr int kMaxCount = 100;

Result<std::optional<ProcessState>> state_filter(const FieldReader& r) {
  const json::value* v = r.find("state");
  if (!v) return std::optional<ProcessState>{};
  std::int64_t state = -1;
  COLONIES_CHECK(r.i64("state", state));
  if (state == -1) return std::optional<ProcessState>{};
  COLONIES_TRY(s, model::process_state_from_int(state));
  return std::optional<ProcessState>{s};
}

}  // namespace

void Broker::on_submit(Call& call) {
  // Decoding and validation need no lock.
  const json::value* v = FieldReader::of(call.payload).find("spec");
  if (!v) return call.reply(error_reply(Error{ErrorCode::BadRequest, "spec is required"}));
  auto spec = model::function_spec_from_json(*v, "spec");
  if (!spec) return call.reply(error_reply(spec.error()));
  auto req = model::validate(*spec);
  if (!req) return call.reply(error_reply(req.error()));
  model::Process proc;
  proc.processid = ids_.new_id();
  proc.spec = std::move(*spec);
  if (proc.spec.maxwaittime <= 0) proc.spec.maxwaittime = -1;
  if (proc.spec.maxexectime <= 0) proc.spec.maxexectime = -1;
  for (const auto& [key, value] : proc.spec.env) {
    model::Attribute a;
    a.attributeid = ids_.new_id();
    a.targetid = proc.processid;
    a.targetcolonyname = proc.spec.conditions.colonyname;
    a.attributetype = static_cast<int>(model::AttributeType::Env);
    a.key = key;
    a.value = value;
    proc.attributes.push_back(std::move(a));
  }
  std::lock_guard lock(mu_);
  const std::string colony = proc.spec.conditions.colonyname;
  if (auto role = auth::require_member(registry_, call.caller, colony); !role) {
    return reply_after_commit(std::move(call.reply), call.msgtype, std::unexpected(role.error()));
  }
  {
    std::vector<Mutation> out;
    touch(colony, call.caller, out);
    proc.initiatorid = call.caller;
    proc.initiatorname = auth::member_name(registry_, call.caller, colony);
    const model::TimeNs t = now();
    proc.submissiontime = t;
    proc.prioritytime = model::priority_time(proc.spec.priority, t);
    if (proc.spec.maxwaittime > 0) proc.waitdeadline = t + proc.spec.maxwaittime * kSecond;
    json::value reply = model::to_json(proc);
    out.push_back(mutation::PutProcess{proc});
    scheduler::ActiveProcess* p = scheduler_.add(std::move(proc), std::move(*req));
    if (p->process.waitdeadline > 0) scheduler_.set_deadline(p, scheduler::DeadlineKind::Wait, p->process.waitdeadline);
    // The submitter's reply is queued first, then a waiting executor's assignment.
    Outcome outcome{std::move(reply), std::move(out)};
    reply_after_commit(std::move(call.reply), call.msgtype, std::move(outcome));
    dispatch(p);
  }
}

void Broker::on_assign(Call& call) {
  auto r = FieldReader::of(call.payload);
  std::string colony, cpu, mem;
  std::int64_t timeout = 0;
  int gpus = -1;
  scheduler::Availability available;
  auto parsed = [&]() -> Status {
    COLONIES_CHECK(r.str("colonyname", colony));
    COLONIES_CHECK(r.i64("timeout", timeout));
    COLONIES_CHECK(r.str("availablecpu", cpu));
    COLONIES_CHECK(r.str("availablemem", mem));
    COLONIES_CHECK(r.i32("availablegpu", gpus));
    if (timeout == 0 || timeout < -1) {
      return fail(ErrorCode::BadRequest, "timeout must be -1 (try once) or a number of seconds > 0, got {}", timeout);
    }
    if (!cpu.empty()) {
      COLONIES_TRY(millis, model::parse_cpu(cpu));
      available.cpu_millis = millis;
    }
    if (!mem.empty()) {
      COLONIES_TRY(bytes, model::parse_bytes(mem));
      available.mem_bytes = bytes;
    }
    available.gpus = gpus;
    return ok();
  }();
  if (!parsed) return call.reply(error_reply(parsed.error()));

  std::lock_guard lock(mu_);
  auto executor = auth::require_executor(registry_, call.caller, colony);
  if (!executor) return reply_after_commit(std::move(call.reply), call.msgtype, std::unexpected(executor.error()));
  const model::Executor& ex = (*executor)->executor;
  scheduler::ExecutorQuery query;
  query.colony = colony;
  query.type = ex.executortype;
  query.name = ex.executorname;
  query.location = model::to_lower_ascii(ex.locationname);
  query.executorid = ex.executorid;
  query.profile = (*executor)->profile;
  query.available = available;
  std::vector<Mutation> out;  // liveness was refreshed in handle(): the payload names the colony
  const bool paused = paused_[colony];
  if (!paused) {
    if (scheduler::ActiveProcess* p = scheduler_.best_for(query)) {
      json::value payload = assign_to(p, query, out);
      return reply_after_commit(std::move(call.reply), call.msgtype, Outcome{std::move(payload), std::move(out)});
    }
  }
  if (timeout < 0) {
    if (paused) {
      return reply_after_commit(std::move(call.reply), call.msgtype,
                                fail(ErrorCode::Unavailable, "assignments in colony '{}' are paused", colony));
    }
    return reply_after_commit(std::move(call.reply), call.msgtype,
                              fail(ErrorCode::NotFound, "no process available for assignment"));
  }
  timeout = std::min(timeout, options_.max_poll_timeout_s);
  scheduler::Waiter waiter;
  waiter.query = query;
  waiter.alive = call.alive;
  waiter.wake = [this, reply = std::move(call.reply), query, timeout](scheduler::ActiveProcess* p) mutable {
    if (!p) {
      return reply_after_commit(
          std::move(reply), std::string(msg::kAssignProcess),
          shutting_down_ ? fail(ErrorCode::Unavailable, "server is shutting down; retry against it or another server")
                         : fail(ErrorCode::Timeout, "no process became available within {} s", timeout));
    }
    std::vector<Mutation> assigned;
    json::value payload = assign_to(p, query, assigned);
    reply_after_commit(std::move(reply), std::string(msg::kAssignProcess), Outcome{std::move(payload), std::move(assigned)});
  };
  scheduler_.park(std::move(waiter), now() + timeout * kSecond);
}

// For messages about one process. The caller must be a member of the process's colony. When
// the process is WAITING or RUNNING, `active` runs under the lock; otherwise the process is read
// from the store off the lock (404 when absent) and `finished` runs under the lock with it.
void Broker::on_process(Call& call, const std::string& id, const ActiveFn& active, FinishedFn finished) {
  {
    std::lock_guard lock(mu_);
    if (scheduler::ActiveProcess* p = scheduler_.find(id)) {
      auto outcome = [&]() -> Result<Outcome> {
        COLONIES_CHECK(auth::require_member(registry_, call.caller, p->process.spec.conditions.colonyname));
        return active(p);
      }();
      return reply_after_commit(std::move(call.reply), call.msgtype, std::move(outcome));
    }
  }
  blocking_([this, id, caller = call.caller, reply = std::move(call.reply), type = call.msgtype,
             finished = std::move(finished)]() mutable {
    auto found = store_.get_process(id);
    std::lock_guard lock(mu_);
    auto outcome = [&]() -> Result<Outcome> {
      if (!found) return std::unexpected(found.error());
      if (!*found) return fail(ErrorCode::NotFound, "process {} not found", id);
      COLONIES_CHECK(auth::require_member(registry_, caller, (*found)->spec.conditions.colonyname));
      // A finished process never becomes active again, so what the store says is final.
      return finished(**found, caller);
    }();
    reply_after_commit(std::move(reply), type, std::move(outcome));
  });
}

void Broker::on_get_process(Call& call) {
  std::string id;
  if (auto s = FieldReader::of(call.payload).str("processid", id); !s) return call.reply(error_reply(s.error()));
  on_process(
      call, id,
      [&](scheduler::ActiveProcess* p) -> Result<Outcome> {
        json::object reply = model::to_json(p->process);
        if (std::string why = wait_reason(*p); !why.empty()) reply["waitreason"] = why;
        return Outcome{std::move(reply), {}};
      },
      [](const model::Process& found, const std::string&) -> Result<Outcome> {
        return Outcome{model::to_json(found), {}};
      });
}

void Broker::on_get_processes(Call& call) {
  auto r = FieldReader::of(call.payload);
  ports::ProcessFilter filter;
  auto parsed = [&]() -> Status {
    COLONIES_CHECK(r.str("colonyname", filter.colonyname));
    COLONIES_CHECK(r.i32("count", filter.count));
    COLONIES_CHECK(r.str("executortype", filter.executortype));
    COLONIES_CHECK(r.str("label", filter.label));
    COLONIES_CHECK(r.str("initiator", filter.initiatorname));
    COLONIES_TRY(state, state_filter(r));
    filter.state = state;
    if (filter.count > kMaxCount) return fail(ErrorCode::BadRequest, "count {} is over the limit of {}", filter.count, kMaxCount);
    if (filter.count <= 0) filter.count = kMaxCount;
    std::lock_guard lock(mu_);
    return auth::require_member(registry_, call.caller, filter.colonyname);
  }();
  list_processes(call, parsed, filter);
}

void Broker::list_processes(Call& call, const Status& parsed, const ports::ProcessFilter& filter) {
  if (!parsed) return call.reply(error_reply(parsed.error()));
  read(call, [this, filter]() -> Result<json::value> {
    COLONIES_TRY(processes, store_.list_processes(filter));
    return json_list(processes);
  });
}

void Broker::on_process_history(Call& call) {
  auto r = FieldReader::of(call.payload);
  ports::ProcessFilter filter;
  auto parsed = [&]() -> Status {
    std::int64_t seconds = 0;
    COLONIES_CHECK(r.str("colonyname", filter.colonyname));
    COLONIES_CHECK(r.str("executorid", filter.assignedexecutorid));
    COLONIES_CHECK(r.i64("seconds", seconds));
    COLONIES_TRY(state, state_filter(r));
    filter.state = state;
    if (seconds <= 0) return fail(ErrorCode::BadRequest, "seconds must be > 0");
    filter.submitted_after = now() - seconds * kSecond;
    filter.count = 10000;
    std::lock_guard lock(mu_);
    return auth::require_member(registry_, call.caller, filter.colonyname);
  }();
  list_processes(call, parsed, filter);
}

void Broker::close_process(Call& call, ProcessState state) {
  auto r = FieldReader::of(call.payload);
  std::string id;
  json::array out_values;
  std::vector<std::string> errors;
  auto parsed = [&]() -> Status {
    COLONIES_CHECK(r.str("processid", id));
    if (state == ProcessState::Success) COLONIES_CHECK(r.array("out", out_values));
    else COLONIES_CHECK(r.strings("errors", errors));
    return ok();
  }();
  if (!parsed) return call.reply(error_reply(parsed.error()));
  on_process(
      call, id,
      [&](scheduler::ActiveProcess* p) -> Result<Outcome> {
        if (p->process.state != ProcessState::Running || p->process.assignedexecutorid != call.caller) {
          return fail(ErrorCode::Forbidden, "process {} is not assigned to you (state {})", id,
                      model::to_string(p->process.state));
        }
        std::vector<Mutation> out;
        touch(p->process.spec.conditions.colonyname, call.caller, out);
        if (state == ProcessState::Success) {
          if (!out_values.empty()) p->process.out = std::move(out_values);
        } else {
          for (auto& e : errors) p->process.errors.push_back(std::move(e));
        }
        model::Process done = finish(p, state, out);
        if (state == ProcessState::Success) record_function_stats(done, out);
        return Outcome{model::to_json(done), std::move(out)};
      },
      [id](const model::Process& found, const std::string& caller) -> Result<Outcome> {
        if (found.assignedexecutorid != caller) return fail(ErrorCode::Forbidden, "process {} is not assigned to you", id);
        return fail(ErrorCode::Conflict, "process {} is already closed ({})", id, model::to_string(found.state));
      });
}

void Broker::on_close_successful(Call& call) { close_process(call, ProcessState::Success); }
void Broker::on_close_failed(Call& call) { close_process(call, ProcessState::Failed); }

void Broker::on_set_output(Call& call) {
  auto r = FieldReader::of(call.payload);
  write(call, [&]() -> Result<Outcome> {
    std::string id;
    json::array values;
    COLONIES_CHECK(r.str("processid", id));
    COLONIES_CHECK(r.array("out", values));
    scheduler::ActiveProcess* p = scheduler_.find(id);
    if (!p || p->process.state != ProcessState::Running || p->process.assignedexecutorid != call.caller) {
      return fail(ErrorCode::Forbidden, "process {} is not running on you", id);
    }
    COLONIES_CHECK(auth::require_member(registry_, call.caller, p->process.spec.conditions.colonyname));
    p->process.out = std::move(values);
    std::vector<Mutation> out;
    persist(*p, out);
    return Outcome{json::object{}, std::move(out)};
  });
}

void Broker::on_cancel(Call& call) {
  std::string id;
  if (auto s = FieldReader::of(call.payload).str("processid", id); !s) return call.reply(error_reply(s.error()));
  on_process(
      call, id,
      [&](scheduler::ActiveProcess* p) -> Result<Outcome> {
        if (!p->process.processgraphid.empty()) {
          return fail(ErrorCode::BadRequest,
                      "process {} belongs to process graph {}: cancel the whole workflow instead "
                      "(cancelprocessgraphmsg, `colonies workflow cancel`)",
                      id, p->process.processgraphid);
        }
        std::vector<Mutation> out;
        model::Process done = finish(p, ProcessState::Cancelled, out);
        return Outcome{model::to_json(done), std::move(out)};
      },
      [id](const model::Process& found, const std::string&) -> Result<Outcome> {
        return fail(ErrorCode::Conflict, "process {} is already {}; only WAITING or RUNNING processes can be cancelled",
                    id, model::to_string(found.state));
      });
}

void Broker::on_remove_process(Call& call) {
  std::string id;
  if (auto s = FieldReader::of(call.payload).str("processid", id); !s) return call.reply(error_reply(s.error()));
  auto not_in_workflow = [id](const model::Process& p) -> Status {
    if (!p.processgraphid.empty()) {
      return fail(ErrorCode::BadRequest,
                  "process {} belongs to process graph {}: remove the whole workflow instead "
                  "(removeprocessgraphmsg, `colonies workflow remove`)",
                  id, p.processgraphid);
    }
    return ok();
  };
  on_process(
      call, id,
      [&](scheduler::ActiveProcess* p) -> Result<Outcome> {
        COLONIES_CHECK(not_in_workflow(p->process));
        if (p->process.state == ProcessState::Running) {
          return fail(ErrorCode::Conflict, "process {} is RUNNING: cancel it before removing it", id);
        }
        forget(id);
        return Outcome{json::object{}, {mutation::RemoveProcess{id}}};
      },
      [id, not_in_workflow](const model::Process& found, const std::string&) -> Result<Outcome> {
        COLONIES_CHECK(not_in_workflow(found));
        return Outcome{json::object{}, {mutation::RemoveProcess{id}}};
      });
}

void Broker::on_remove_all_processes(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    auto r = FieldReader::of(call.payload);
    std::string colony;
    COLONIES_CHECK(r.str("colonyname", colony));
    COLONIES_CHECK(auth::require_colony_owner(registry_, call.caller, colony));
    COLONIES_TRY(state, state_filter(r));
    if (state == ProcessState::Running) {
      return fail(ErrorCode::BadRequest, "RUNNING processes cannot be removed: cancel them first");
    }
    std::vector<Mutation> out;
    // Without a state every process except RUNNING ones is removed.
    std::vector<ProcessState> states =
        state ? std::vector<ProcessState>{*state}
              : std::vector<ProcessState>{ProcessState::Waiting, ProcessState::Success, ProcessState::Failed,
                                          ProcessState::Cancelled};
    for (ProcessState s : states) {
      if (s == ProcessState::Waiting) {
        std::vector<std::string> ids;
        for (const auto& [id, p] : scheduler_.all()) {
          if (p->process.state == ProcessState::Waiting && p->process.spec.conditions.colonyname == colony &&
              p->process.processgraphid.empty()) {
            ids.push_back(id);
            out.push_back(mutation::RemoveProcess{id});
          }
        }
        for (const auto& id : ids) forget(id);
      } else {
        out.push_back(mutation::RemoveProcesses{colony, s});
      }
    }
    return Outcome{json::object{}, std::move(out)};
  });
}

void Broker::on_pause(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    std::string colony;
    COLONIES_CHECK(FieldReader::of(call.payload).str("colonyname", colony));
    COLONIES_CHECK(auth::require_colony_owner(registry_, call.caller, colony));
    paused_[colony] = true;
    return Outcome{json::object{}, {mutation::SetPaused{colony, true}}};
  });
}

void Broker::on_resume(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    std::string colony;
    COLONIES_CHECK(FieldReader::of(call.payload).str("colonyname", colony));
    COLONIES_CHECK(auth::require_colony_owner(registry_, call.caller, colony));
    paused_.erase(colony);
    resume_waiters(colony);
    return Outcome{json::object{}, {mutation::SetPaused{colony, false}}};
  });
}

void Broker::on_pause_status(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    std::string colony;
    COLONIES_CHECK(FieldReader::of(call.payload).str("colonyname", colony));
    COLONIES_CHECK(auth::require_member(registry_, call.caller, colony, false));
    const bool paused = paused_.contains(colony) && paused_[colony];
    return Outcome{json::object{{"colonyname", colony}, {"ispaused", paused}}, {}, std::string(msg::kPauseStatusReply)};
  });
}

}  // namespace colonies::server::api
