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
// getprocesshistmsg: the most processes one page of history holds.
constexpr int kMaxHistoryCount = 10000;

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

Result<Broker::NewProcess> Broker::prepare_submission(const json::value* spec_json, const std::string& path) {
  if (!spec_json) return fail(ErrorCode::BadRequest, "{} is required", path);
  COLONIES_TRY(spec, model::function_spec_from_json(*spec_json, path));
  COLONIES_TRY(req, model::validate(spec));
  NewProcess np;
  model::Process& proc = np.process;
  np.req = std::move(req);
  proc.processid = ids_.new_id();
  proc.spec = std::move(spec);
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
  return np;
}

Result<scheduler::ActiveProcess*> Broker::admit(NewProcess np, const std::string& caller, std::vector<Mutation>& out,
                                                json::value* reply) {
  model::Process& proc = np.process;
  const std::string colony = proc.spec.conditions.colonyname;
  COLONIES_CHECK(auth::require_member(registry_, caller, colony));
  touch(colony, caller, out);
  proc.initiatorid = caller;
  proc.initiatorname = auth::member_name(registry_, caller, colony);
  const model::TimeNs t = now();
  proc.submissiontime = t;
  proc.prioritytime = model::priority_time(proc.spec.priority, t);
  if (proc.spec.maxwaittime > 0) proc.waitdeadline = t + proc.spec.maxwaittime * kSecond;
  if (reply) *reply = model::to_json(proc);
  out.push_back(mutation::PutProcess{proc});
  scheduler::ActiveProcess* p = scheduler_.add(std::move(proc), std::move(np.req));
  if (p->process.waitdeadline > 0) scheduler_.set_deadline(p, scheduler::DeadlineKind::Wait, p->process.waitdeadline);
  return p;
}

void Broker::on_submit(Call& call) {
  // Decoding and validation need no lock.
  auto prepared = prepare_submission(FieldReader::of(call.payload).find("spec"), "spec");
  if (!prepared) return call.reply(error_reply(prepared.error()));
  std::lock_guard lock(mu_);
  std::vector<Mutation> out;
  json::value reply;
  auto p = admit(std::move(*prepared), call.caller, out, &reply);
  if (!p) return reply_after_commit(std::move(call.reply), call.msgtype, std::unexpected(p.error()));
  // The submitter's reply is queued first, then a waiting executor's assignment.
  reply_after_commit(std::move(call.reply), call.msgtype, Outcome{std::move(reply), std::move(out)});
  dispatch(*p);
}

Result<Broker::AssignRequest> Broker::parse_assign(const json::object& payload) {
  auto r = FieldReader::of(payload);
  AssignRequest a;
  std::string cpu, mem;
  int gpus = -1;
  COLONIES_CHECK(r.str("colonyname", a.colony));
  COLONIES_CHECK(r.i64("timeout", a.timeout));
  COLONIES_CHECK(r.str("availablecpu", cpu));
  COLONIES_CHECK(r.str("availablemem", mem));
  COLONIES_CHECK(r.i32("availablegpu", gpus));
  if (a.timeout == 0 || a.timeout < -1) {
    return fail(ErrorCode::BadRequest, "timeout must be -1 (try once) or a number of seconds > 0, got {}", a.timeout);
  }
  if (!cpu.empty()) {
    COLONIES_TRY(millis, model::parse_cpu(cpu));
    a.available.cpu_millis = millis;
  }
  if (!mem.empty()) {
    COLONIES_TRY(bytes, model::parse_bytes(mem));
    a.available.mem_bytes = bytes;
  }
  a.available.gpus = gpus;
  return a;
}

json::array Broker::assign_up_to(scheduler::ActiveProcess* first, scheduler::ExecutorQuery query, std::size_t count,
                                 std::vector<Mutation>& out) {
  json::array assigned;
  // What the executor offered is shared by everything it takes in one call.
  auto take = [&](scheduler::ActiveProcess* p) {
    scheduler::Availability& a = query.available;
    if (a.cpu_millis >= 0) a.cpu_millis -= p->req.cpu_millis;
    if (a.mem_bytes >= 0) a.mem_bytes -= p->req.mem_bytes;
    if (a.gpus >= 0) a.gpus -= p->req.gpu_count;
    assigned.push_back(assign_to(p, query, out));
  };
  if (first) take(first);
  while (assigned.size() < count) {
    scheduler::ActiveProcess* p = scheduler_.best_for(query);
    if (!p) break;
    take(p);
  }
  return assigned;
}

void Broker::serve_assign(Call& call, const AssignRequest& request, std::size_t count, bool batch) {
  std::lock_guard lock(mu_);
  auto executor = auth::require_executor(registry_, call.caller, request.colony);
  if (!executor) return reply_after_commit(std::move(call.reply), call.msgtype, std::unexpected(executor.error()));
  const model::Executor& ex = (*executor)->executor;
  scheduler::ExecutorQuery query;
  query.colony = request.colony;
  query.type = ex.executortype;
  query.name = ex.executorname;
  query.location = model::to_lower_ascii(ex.locationname);
  query.executorid = ex.executorid;
  query.profile = (*executor)->profile;
  query.available = request.available;
  // A single assign answers with the process itself, a batch with the list of them.
  auto payload_of = [batch](json::array assigned) -> json::value {
    if (batch) return assigned;
    return std::move(assigned.front());
  };
  std::vector<Mutation> out;  // liveness was refreshed in handle(): the payload names the colony
  const bool paused = paused_[request.colony];
  if (!paused) {
    if (scheduler::ActiveProcess* p = scheduler_.best_for(query)) {
      json::value payload = payload_of(assign_up_to(p, query, count, out));
      return reply_after_commit(std::move(call.reply), call.msgtype, Outcome{std::move(payload), std::move(out)});
    }
  }
  std::int64_t timeout = request.timeout;
  if (timeout < 0) {
    if (paused) {
      return reply_after_commit(std::move(call.reply), call.msgtype,
                                fail(ErrorCode::Unavailable, "assignments in colony '{}' are paused", request.colony));
    }
    return reply_after_commit(std::move(call.reply), call.msgtype,
                              fail(ErrorCode::NotFound, "no process available for assignment"));
  }
  timeout = std::min(timeout, options_.max_poll_timeout_s);
  scheduler::Waiter waiter;
  waiter.query = query;
  waiter.alive = call.alive;
  // Woken with one process; a batch takes what else fits then, in the same commit.
  waiter.wake = [this, reply = std::move(call.reply), type = call.msgtype, query, timeout, count,
                 payload_of](scheduler::ActiveProcess* p) mutable {
    if (!p) {
      return reply_after_commit(
          std::move(reply), type,
          shutting_down_ ? fail(ErrorCode::Unavailable, "server is shutting down; retry against it or another server")
                         : fail(ErrorCode::Timeout, "no process became available within {} s", timeout));
    }
    // Handed a process: measured from now until the assignment is durable and answered. The
    // audit wrapper stays outermost (take_audit looks for it), so the measurement goes inside it.
    auto* audited = reply.target<AuditedReply>();
    ReplyFn& measured = audited ? audited->reply : reply;
    measured = [woken = RequestMetrics::Clock::now(), histogram = &request_metrics_->assign_wakeup(),
                inner = std::move(measured)](ApiReply r) {
      histogram->observe(RequestMetrics::Clock::now() - woken);
      inner(std::move(r));
    };
    std::vector<Mutation> assigned;
    json::value payload = payload_of(assign_up_to(p, query, count, assigned));
    reply_after_commit(std::move(reply), type, Outcome{std::move(payload), std::move(assigned)});
  };
  scheduler_.park(std::move(waiter), now() + timeout * kSecond);
}

void Broker::on_assign(Call& call) {
  auto request = parse_assign(call.payload);
  if (!request) return call.reply(error_reply(request.error()));
  serve_assign(call, *request, 1, false);
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
  std::string before;
  auto parsed = [&]() -> Status {
    std::int64_t seconds = 0;
    COLONIES_CHECK(r.str("colonyname", filter.colonyname));
    COLONIES_CHECK(r.str("executorid", filter.assignedexecutorid));
    COLONIES_CHECK(r.i64("seconds", seconds));
    COLONIES_TRY(state, state_filter(r));
    filter.state = state;
    COLONIES_CHECK(r.i32("count", filter.count));
    COLONIES_CHECK(r.str("before", before));
    if (seconds <= 0) return fail(ErrorCode::BadRequest, "seconds must be > 0");
    if (filter.count > kMaxHistoryCount)
      return fail(ErrorCode::BadRequest, "count {} is over the limit of {}", filter.count, kMaxHistoryCount);
    if (filter.count <= 0) filter.count = kMaxHistoryCount;
    filter.submitted_after = now() - seconds * kSecond;
    std::lock_guard lock(mu_);
    return auth::require_member(registry_, call.caller, filter.colonyname);
  }();
  if (!parsed || before.empty()) return list_processes(call, parsed, filter);
  // Paging: the cursor is the last process of the previous page. It must still exist (retention
  // or a remove may have deleted it) and be in this colony, or the caller would get a silently
  // short or foreign listing.
  read(call, [this, filter, before]() mutable -> Result<json::value> {
    COLONIES_TRY(cursor, store_.get_process(before));
    if (!cursor || cursor->spec.conditions.colonyname != filter.colonyname)
      return fail(ErrorCode::NotFound, "cursor process {} not found in colony {} (removed since the previous page?)",
                  before, filter.colonyname);
    filter.before = {.submissiontime = cursor->submissiontime, .processid = cursor->processid};
    COLONIES_TRY(processes, store_.list_processes(filter));
    return json_list(processes);
  });
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
        std::vector<Mutation> out;
        COLONIES_TRY(done, close_active(p, call.caller, state, std::move(out_values), std::move(errors), out));
        return Outcome{model::to_json(done), std::move(out)};
      },
      [](const model::Process& found, const std::string& caller) -> Result<Outcome> {
        return std::unexpected(closed_already(found, caller));
      });
}

Result<model::Process> Broker::close_active(scheduler::ActiveProcess* p, const std::string& caller, ProcessState state,
                                         json::array out_values, std::vector<std::string> errors,
                                         std::vector<Mutation>& out) {
  const std::string& id = p->process.processid;
  if (p->process.state != ProcessState::Running || p->process.assignedexecutorid != caller) {
    return fail(ErrorCode::Forbidden, "process {} is not assigned to you (state {})", id,
                model::to_string(p->process.state));
  }
  touch(p->process.spec.conditions.colonyname, caller, out);
  if (state == ProcessState::Success) {
    if (!out_values.empty()) p->process.out = std::move(out_values);
  } else {
    for (auto& e : errors) p->process.errors.push_back(std::move(e));
  }
  model::Process done = finish(p, state, out);
  if (state == ProcessState::Success) record_function_stats(done, out);
  return done;
}

Error Broker::closed_already(const model::Process& found, const std::string& caller) {
  if (found.assignedexecutorid != caller) {
    return Error{ErrorCode::Forbidden, fmt::format("process {} is not assigned to you", found.processid)};
  }
  return Error{ErrorCode::Conflict,
               fmt::format("process {} is already closed ({})", found.processid, model::to_string(found.state))};
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
