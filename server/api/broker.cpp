// Broker core: dispatch, the write/read/commit plumbing, process transitions, deadlines.
#include "server/api/broker.hpp"

#include <future>

#include <spdlog/spdlog.h>

#include "core/protocol/messages.hpp"
#include "core/protocol/status.hpp"
#include "server/audit/recorded.hpp"
#include "server/auth/roles.hpp"

namespace colonies::server::api {

namespace msg = protocol::msg;
using model::ProcessState;
using ports::Mutation;
namespace mutation = ports::mutation;

Broker::Broker(BrokerDeps deps, BrokerOptions options)
    : store_(deps.store),
      commits_(deps.commits),
      crypto_(deps.crypto),
      clock_(deps.clock),
      ids_(deps.ids),
      blocking_(std::move(deps.blocking)),
      leadership_(deps.leadership),
      random_(deps.random),
      options_(std::move(options)),
      request_limiter_(options_.request_rate, clock_),
      audit_chain_(clock_) {
  register_handlers();
  std::vector<std::string> measured = message_types_;
  measured.insert(measured.end(), stream_types_.begin(), stream_types_.end());
  request_metrics_ = std::make_unique<RequestMetrics>(measured);
  std::unordered_set<std::string> known(message_types_.begin(), message_types_.end());
  known.insert(stream_types_.begin(), stream_types_.end());
  auth_ = std::make_unique<auth::Authenticator>(crypto_, clock_, options_.replay_window_s, std::move(known));
  commits_.observe([this](std::span<const Mutation> committed) { hub_.publish(committed); });
  commits_.seal_with(&audit_chain_);
}

Broker::~Broker() {
  commits_.observe({});
  commits_.seal_with(nullptr);
  // A batch being published right now still uses the hub: wait until the commit thread is past it.
  std::promise<void> passed;
  commits_.submit({}, [&passed](Status) { passed.set_value(); });
  passed.get_future().wait();
}

void Broker::register_handlers() {
  const std::pair<std::string_view, Handler> table[] = {
      {msg::kVersion, &Broker::on_version},
      {msg::kGetServerInfo, &Broker::on_server_info},
      {msg::kGetStatistics, &Broker::on_statistics},
      {msg::kChangeServerId, &Broker::on_change_server_id},
      {msg::kGetCluster, &Broker::on_cluster},
      {msg::kAddColony, &Broker::on_add_colony},
      {msg::kRemoveColony, &Broker::on_remove_colony},
      {msg::kGetColony, &Broker::on_get_colony},
      {msg::kGetColonies, &Broker::on_get_colonies},
      {msg::kGetColonyStats, &Broker::on_colony_stats},
      {msg::kChangeColonyId, &Broker::on_change_colony_id},
      {msg::kAddUser, &Broker::on_add_user},
      {msg::kGetUsers, &Broker::on_get_users},
      {msg::kGetUser, &Broker::on_get_user},
      {msg::kGetUserById, &Broker::on_get_user_by_id},
      {msg::kRemoveUser, &Broker::on_remove_user},
      {msg::kChangeUserId, &Broker::on_change_user_id},
      {msg::kAddExecutor, &Broker::on_add_executor},
      {msg::kGetExecutors, &Broker::on_get_executors},
      {msg::kGetExecutor, &Broker::on_get_executor},
      {msg::kGetExecutorById, &Broker::on_get_executor_by_id},
      {msg::kApproveExecutor, &Broker::on_approve_executor},
      {msg::kRejectExecutor, &Broker::on_reject_executor},
      {msg::kRemoveExecutor, &Broker::on_remove_executor},
      {msg::kReportAllocation, &Broker::on_report_allocation},
      {msg::kUpdateExecutor, &Broker::on_update_executor},
      {msg::kChangeExecutorId, &Broker::on_change_executor_id},
      {msg::kAddFunction, &Broker::on_add_function},
      {msg::kGetFunctions, &Broker::on_get_functions},
      {msg::kRemoveFunction, &Broker::on_remove_function},
      {msg::kSubmitFunctionSpec, &Broker::on_submit},
      {msg::kAssignProcess, &Broker::on_assign},
      {msg::kGetProcess, &Broker::on_get_process},
      {msg::kGetProcesses, &Broker::on_get_processes},
      {msg::kGetProcessHistory, &Broker::on_process_history},
      {msg::kRemoveProcess, &Broker::on_remove_process},
      {msg::kRemoveAllProcesses, &Broker::on_remove_all_processes},
      {msg::kCloseSuccessful, &Broker::on_close_successful},
      {msg::kCloseFailed, &Broker::on_close_failed},
      {msg::kSubmitFunctionSpecs, &Broker::on_submit_batch},
      {msg::kAssignProcesses, &Broker::on_assign_batch},
      {msg::kCloseProcesses, &Broker::on_close_batch},
      {msg::kSetOutput, &Broker::on_set_output},
      {msg::kCancelProcess, &Broker::on_cancel},
      {msg::kPauseAssignments, &Broker::on_pause},
      {msg::kResumeAssignments, &Broker::on_resume},
      {msg::kGetPauseStatus, &Broker::on_pause_status},
      {msg::kAddAttribute, &Broker::on_add_attribute},
      {msg::kGetAttribute, &Broker::on_get_attribute},
      {msg::kAddLog, &Broker::on_add_log},
      {msg::kAddExecutorLog, &Broker::on_add_executor_log},
      {msg::kGetLogs, &Broker::on_get_logs},
      {msg::kSearchLogs, &Broker::on_search_logs},
      {msg::kAddLocation, &Broker::on_add_location},
      {msg::kGetLocations, &Broker::on_get_locations},
      {msg::kGetLocation, &Broker::on_get_location},
      {msg::kRemoveLocation, &Broker::on_remove_location},
      {msg::kChannelAppend, &Broker::on_channel_append},
      {msg::kChannelRead, &Broker::on_channel_read},
      {msg::kAddFile, &Broker::on_add_file},
      {msg::kGetFile, &Broker::on_get_file},
      {msg::kGetFiles, &Broker::on_get_files},
      {msg::kGetFileLabels, &Broker::on_get_file_labels},
      {msg::kRemoveFile, &Broker::on_remove_file},
      {msg::kCreateSnapshot, &Broker::on_create_snapshot},
      {msg::kGetSnapshot, &Broker::on_get_snapshot},
      {msg::kGetSnapshots, &Broker::on_get_snapshots},
      {msg::kRemoveSnapshot, &Broker::on_remove_snapshot},
      {msg::kRemoveAllSnapshots, &Broker::on_remove_all_snapshots},
      {msg::kAddCron, &Broker::on_add_cron},
      {msg::kGetCron, &Broker::on_get_cron},
      {msg::kGetCrons, &Broker::on_get_crons},
      {msg::kRunCron, &Broker::on_run_cron},
      {msg::kRemoveCron, &Broker::on_remove_cron},
      {msg::kAddGenerator, &Broker::on_add_generator},
      {msg::kGetGenerator, &Broker::on_get_generator},
      {msg::kResolveGenerator, &Broker::on_resolve_generator},
      {msg::kGetGenerators, &Broker::on_get_generators},
      {msg::kPackGenerator, &Broker::on_pack_generator},
      {msg::kRemoveGenerator, &Broker::on_remove_generator},
      {msg::kSubmitWorkflowSpec, &Broker::on_submit_workflow},
      {msg::kGetProcessGraph, &Broker::on_get_process_graph},
      {msg::kGetProcessGraphs, &Broker::on_get_process_graphs},
      {msg::kRemoveProcessGraph, &Broker::on_remove_process_graph},
      {msg::kRemoveAllProcessGraphs, &Broker::on_remove_all_process_graphs},
      {msg::kCancelProcessGraph, &Broker::on_cancel_process_graph},
      {msg::kAddChild, &Broker::on_add_child},
      {msg::kGetAudit, &Broker::on_get_audit},
      {msg::kGetAuditHead, &Broker::on_get_audit_head},
  };
  for (const auto& [name, handler] : table) {
    handlers_.emplace(std::string(name), handler);
    message_types_.emplace_back(name);
  }
  const std::pair<std::string_view, StreamHandler> streams[] = {
      {msg::kSubscribeProcesses, &Broker::on_subscribe_processes},
      {msg::kSubscribeProcess, &Broker::on_subscribe_process},
      {msg::kSubscribeChannel, &Broker::on_subscribe_channel},
  };
  for (const auto& [name, handler] : streams) {
    stream_handlers_.emplace(std::string(name), handler);
    stream_types_.emplace_back(name);
  }
}

Status Broker::load(const std::string& initial_server_id) {
  COLONIES_TRY(snapshot, store_.load());
  std::lock_guard lock(mu_);
  registry_ = registry::Registry{};
  scheduler_ = scheduler::Scheduler{options_.waiter_order};
  paused_.clear();
  channels_.clear();
  snapshot_names_.clear();
  file_sequencenr_ = snapshot.last_file_sequencenr;
  for (const auto& s : snapshot.snapshots) snapshot_names_[s.colonyname][s.name] = s.snapshotid;
  triggers_ = triggers::Triggers{};
  graphs_.clear();
  released_.clear();
  registry_.server_id = snapshot.server_id;
  // A new leader continues the chain its predecessor left in the shared store.
  audit_chain_.reset(snapshot.audit_head);
  started_at_ = now();
  auth_->not_before(started_at_ / 1'000'000'000);
  if (!registry_.server_id && initial_server_id.empty()) {
    return fail(ErrorCode::BadRequest,
                "this store has no server owner yet: start coloniesd once with --server-id (or COLONIES_SERVER_ID) "
                "set to the ID of the server owner's key (create one with `colonies security generate`)");
  }
  if (registry_.server_id && !initial_server_id.empty() && *registry_.server_id != initial_server_id) {
    spdlog::warn("the server owner stored in the database differs from --server-id/COLONIES_SERVER_ID; the stored "
                 "one is kept (change it with `colonies server chid`)");
  }
  if (!registry_.server_id) {
    if (!model::is_valid_id(initial_server_id)) {
      return fail(ErrorCode::BadRequest, "server id '{}' must be 64 lowercase hex characters", initial_server_id);
    }
    std::vector<Mutation> m{mutation::SetServerId{initial_server_id}};
    COLONIES_CHECK(store_.apply(m));
    registry_.server_id = initial_server_id;
  }
  for (auto& c : snapshot.colonies) registry_.put_colony(std::move(c));
  for (auto& u : snapshot.users) registry_.put_user(std::move(u));
  for (auto& e : snapshot.executors) {
    const std::string name = e.executorname;
    if (auto status = registry_.put_executor(std::move(e)); !status) {
      spdlog::warn("executor {} has unparseable capabilities, ignored: {}", name, status.error().message);
    }
  }
  for (auto& l : snapshot.locations) registry_.put_location(std::move(l));
  for (auto& f : snapshot.functions) registry_.put_function(std::move(f));
  for (auto& name : snapshot.paused_colonies) paused_[name] = true;
  for (auto& c : snapshot.crons) triggers_.put_cron(std::move(c));
  for (auto& g : snapshot.generators) triggers_.put_generator(std::move(g));
  for (auto& a : snapshot.generator_args) triggers_.enqueue(std::move(a));
  std::size_t restored = 0;
  for (auto& p : snapshot.active_processes) {
    auto req = model::validate(p.spec);
    if (!req) {
      spdlog::warn("process {} has an invalid spec, left as is: {}", p.processid, req.error().message);
      continue;
    }
    scheduler::ActiveProcess* active = scheduler_.add(std::move(p), *req);
    const auto& proc = active->process;
    if (proc.state == ProcessState::Waiting && proc.spec.maxwaittime > 0 && proc.waitdeadline > 0) {
      scheduler_.set_deadline(active, scheduler::DeadlineKind::Wait, proc.waitdeadline);
    }
    if (proc.state == ProcessState::Running && proc.spec.maxexectime > 0 && proc.execdeadline > 0) {
      scheduler_.set_deadline(active, scheduler::DeadlineKind::Exec, proc.execdeadline);
    }
    // The fallback clock: exact for a process waiting since its submission or its last re-queue
    // (which sets endtime); a released workflow node does not record its release, so its clock
    // restarts now — a fallback is never eligible earlier than the spec asks.
    if (!proc.spec.conditions.fallback.empty() && proc.state == ProcessState::Waiting) {
      model::TimeNs since = started_at_;
      if (proc.endtime > 0) {
        since = proc.endtime;  // a WAITING process has an end time only from a re-queue
      } else if (proc.processgraphid.empty() || proc.parents.empty()) {
        since = proc.submissiontime;
      }
      scheduler_.restart_wait(active, since);
    }
    ++restored;
  }
  for (auto& h : snapshot.channel_heads) {
    if (!scheduler_.find(h.processid)) continue;
    ChannelHead& head = channels_[h.processid].heads[h.name];
    head.last_position = h.last_position;
    head.entries = h.entries;
    head.last_sequence.insert(h.last_sequence.begin(), h.last_sequence.end());
  }
  COLONIES_CHECK(restore_graphs(snapshot));
  spdlog::info("loaded {} colonies, {} executors, {} active processes ({} queued), {} active workflows",
               registry_.colonies().size(), registry_.all_executors().size(), restored, scheduler_.queued_count(),
               graphs_.size());
  return ok();
}

ApiReply Broker::error_reply(const Error& error) {
  const int status = protocol::http_status(error.code);
  return ApiReply{status, std::string(msg::kError), json::object{{"status", status}, {"message", error.message}}};
}

ApiReply Broker::ok_reply(std::string payloadtype, json::value payload) {
  return ApiReply{200, std::move(payloadtype), std::move(payload)};
}

Status Broker::admit_rate(const std::string& caller, std::string_view msgtype) {
  // Unsigned requests (versionmsg, getserverinfomsg) have no identity to charge; they are cheap
  // and change nothing.
  if (caller.empty()) return ok();
  const auto decision = request_limiter_.take(caller);
  if (decision.admitted) return ok();
  const auto retry_ms = std::max<model::TimeNs>(1, (decision.retry_after + 999'999) / 1'000'000);
  const auto& limit = request_limiter_.limit();
  if (decision.first_refusal) {
    spdlog::warn("rate limit: refusing requests of {} ({} first) past {} requests/s with bursts of {}", caller,
                 msgtype, limit.rate, limit.capacity());
  }
  return fail(ErrorCode::RateLimited,
              "rate limit exceeded: at most {} requests/s with bursts of {} per identity (coloniesd --rate-limit, "
              "--rate-burst); retry in {} ms",
              limit.rate, limit.capacity(), retry_ms);
}

void Broker::handle(std::string body, ReplyFn reply, std::function<bool()> alive) {
  const auto arrived = RequestMetrics::Clock::now();
  auto request = auth_->authenticate(body);
  if (!request) {
    ApiReply refused = error_reply(request.error());
    request_metrics_->unauthenticated()->record(refused.status, RequestMetrics::Clock::now() - arrived);
    reply(std::move(refused));
    return;
  }
  // Measured from here to the reply, whichever thread sends it (an I/O thread, the commit thread
  // once the changes are durable, or the tick that ends a long-poll). Installed before the audit
  // wrapper, which must stay the outermost (take_audit looks for it).
  reply = [measured = request_metrics_->type(request->msgtype), arrived, inner = std::move(reply)](ApiReply r) {
    measured->record(r.status, RequestMetrics::Clock::now() - arrived);
    inner(std::move(r));
  };
  // Charged after authentication, so that nobody can spend another identity's budget; before
  // anything else, so that a refused request changes no state (not even executor liveness).
  if (auto admitted = admit_rate(request->caller, request->msgtype); !admitted) {
    reply(error_reply(admitted.error()));
    return;
  }
  // While the store cannot commit (database down), new requests are refused at once rather than
  // queued behind an outage of unknown length: clients retry (503), and nothing is acknowledged
  // that is not durable. Requests queued before the outage was noticed wait and complete when
  // the store is back (the commit queue retries them).
  if (!commits_.healthy()) {
    reply(error_reply(Error{ErrorCode::Unavailable, "storage unavailable: the database cannot be written; retry later"}));
    return;
  }
  Call call{std::move(request->msgtype), std::move(request->caller), std::move(request->payload), std::move(reply),
            std::move(alive)};
  // Every signed request that may change state is recorded with its outcome, refusals included
  // (docs/audit.md). The digest is taken here, off the lock.
  if (!call.caller.empty() && audit::is_recorded(call.msgtype)) {
    auto entry = std::make_shared<model::AuditEntry>();
    entry->msgtype = call.msgtype;
    entry->signer = call.caller;
    entry->payloaddigest = model::sha256_hex(request->signed_payload);
    entry->payload = std::move(request->signed_payload);
    entry->signature = std::move(request->signature);
    model::AuditSubject subject = model::audit_subject(call.payload);
    entry->colonyname = std::move(subject.colonyname);
    entry->processid = std::move(subject.processid);
    call.reply = AuditedReply{std::move(entry), std::move(call.reply), &commits_};
  }
  // Any signed call of an executor refreshes its liveness (the colony is in most payloads;
  // process-addressed calls refresh it in their handlers).
  if (!call.caller.empty()) {
    auto colony = call.payload.find("colonyname");
    if (colony != call.payload.end() && colony->value().is_string()) {
      std::vector<Mutation> out;
      std::lock_guard lock(mu_);
      touch(std::string(colony->value().get_string()), call.caller, out);
      if (!out.empty()) commits_.submit(std::move(out), nullptr);
    }
  }
  auto it = handlers_.find(call.msgtype);
  if (it == handlers_.end() && stream_handlers_.contains(call.msgtype)) {
    call.reply(error_reply(Error{ErrorCode::BadRequest,
                                 fmt::format("{} is only served over the WebSocket at GET /api/ws", call.msgtype)}));
    return;
  }
  if (it == handlers_.end()) {  // the authenticator already refused unknown types; fail closed anyway
    call.reply(error_reply(Error{ErrorCode::BadRequest, "unknown payloadtype"}));
    return;
  }
  (this->*(it->second))(call);
}

namespace {

// Fills what the signed payload did not name from the reply: the process a submit created or an
// assign handed out, the colony of a process addressed by its id.
void complete_subject(model::AuditEntry& e, const json::value* payload) {
  if (!payload || !payload->is_object() || (!e.colonyname.empty() && !e.processid.empty())) return;
  model::AuditSubject subject = model::audit_subject(payload->get_object());
  if (e.colonyname.empty()) e.colonyname = std::move(subject.colonyname);
  if (e.processid.empty()) e.processid = std::move(subject.processid);
}

}  // namespace

void Broker::AuditedReply::operator()(ApiReply r) {
  // Not through reply_after_commit: the entry is committed alone, then the reply is sent.
  model::AuditEntry e = std::move(*entry);
  e.status = r.status;
  if (r.status == 200) complete_subject(e, &r.payload);
  std::vector<Mutation> m;
  m.push_back(mutation::AppendAudit{std::move(e)});
  commits->submit(std::move(m), [reply = std::move(reply), r = std::move(r)](Status status) mutable {
    if (!status) reply(error_reply(status.error()));
    else reply(std::move(r));
  });
}

std::optional<Mutation> Broker::take_audit(ReplyFn& reply, int status, const json::value* payload) {
  auto* audited = reply.target<AuditedReply>();
  if (!audited) return std::nullopt;
  model::AuditEntry e = std::move(*audited->entry);
  ReplyFn inner = std::move(audited->reply);
  reply = std::move(inner);
  e.status = status;
  complete_subject(e, payload);
  if (e.colonyname.empty() && !e.processid.empty()) {
    // A refused request about an active process: its colony, so the colony owner sees it too.
    if (const scheduler::ActiveProcess* p = scheduler_.find(e.processid)) e.colonyname = p->process.spec.conditions.colonyname;
  }
  return mutation::AppendAudit{std::move(e)};
}

void Broker::reply_after_commit(ReplyFn reply, std::string payloadtype, Result<Outcome> outcome) {
  if (!outcome) {
    std::vector<Mutation> audit;
    if (auto entry = take_audit(reply, protocol::http_status(outcome.error().code), nullptr)) {
      audit.push_back(std::move(*entry));
    }
    // The entry's commit failing is this request's failure too; otherwise the request's own error.
    commits_.submit(std::move(audit), [reply = std::move(reply), error = std::move(outcome.error())](Status status) {
      reply(error_reply(status ? error : status.error()));
    });
    dispatch_released();
    return;
  }
  if (auto entry = take_audit(reply, 200, &outcome->payload)) outcome->mutations.push_back(std::move(*entry));
  std::string type = outcome->payloadtype.empty() ? std::move(payloadtype) : std::move(outcome->payloadtype);
  commits_.submit(std::move(outcome->mutations),
                  [reply = std::move(reply), type = std::move(type), payload = std::move(outcome->payload)](
                      Status status) mutable {
                    if (!status) reply(error_reply(status.error()));
                    else reply(ok_reply(std::move(type), std::move(payload)));
                  });
  // Nodes released by these mutations are offered only now, so their assignment is committed
  // after their release.
  dispatch_released();
}

void Broker::write(Call& call, const std::function<Result<Outcome>()>& body) {
  std::lock_guard lock(mu_);
  reply_after_commit(std::move(call.reply), call.msgtype, body());
}

void Broker::read(Call& call, std::function<Result<json::value>()> query) {
  blocking_([reply = std::move(call.reply), type = call.msgtype, query = std::move(query)] {
    auto result = query();
    if (!result) reply(error_reply(result.error()));
    else reply(ok_reply(type, std::move(*result)));
  });
}

Broker::Gauges Broker::gauges() {
  Gauges g;
  std::lock_guard lock(mu_);
  g.queued = scheduler_.queue_depths();
  g.parked = scheduler_.parked_depths();
  g.active_processes = scheduler_.all().size();
  g.active_graphs = graphs_.size();
  g.colonies = registry_.colonies().size();
  g.rate_limited = request_limiter_.refused();
  const model::TimeNs alive_since = now() - kAliveWindowS * 1'000'000'000LL;
  std::map<std::pair<std::string, std::string>, ExecutorGauge> by_type;
  for (const registry::ExecutorEntry* e : registry_.all_executors()) {
    const model::Executor& ex = e->executor;
    ExecutorGauge& gauge = by_type[{ex.colonyname, ex.executortype}];
    switch (ex.state) {
      case model::ExecutorState::Pending: ++gauge.pending; break;
      case model::ExecutorState::Approved:
        ++gauge.approved;
        if (scheduler_.is_parked(ex.executorid) || ex.lastheardfromtime >= alive_since) ++gauge.alive;
        break;
      case model::ExecutorState::Rejected: ++gauge.rejected; break;
      case model::ExecutorState::Unregistered: break;
    }
  }
  for (auto& [key, gauge] : by_type) {
    gauge.colony = key.first;
    gauge.type = key.second;
    g.executors.push_back(std::move(gauge));
  }
  return g;
}

Broker::Counters Broker::counters() {
  std::lock_guard lock(mu_);
  return {scheduler_.all().size(), scheduler_.queued_count(), scheduler_.parked_count(), request_limiter_.refused()};
}

void Broker::touch(const std::string& colony, const std::string& caller, std::vector<Mutation>& out) {
  registry::ExecutorEntry* e = registry_.executor_by_id(colony, caller);
  if (!e) return;
  const model::TimeNs t = now();
  e->executor.lastheardfromtime = t;
  // Persist liveness at most every 30 s per executor: it is advisory, not worth a write per call.
  if (t - e->persisted_heard > 30'000'000'000LL) {
    e->persisted_heard = t;
    out.push_back(mutation::PutExecutor{e->executor});
  }
}

void Broker::persist(const scheduler::ActiveProcess& p, std::vector<Mutation>& out) {
  out.push_back(mutation::PutProcess{p.process});
}

static void set_attribute_states(model::Process& p) {
  for (auto& a : p.attributes) a.state = static_cast<int>(p.state);
}

json::value Broker::assign_to(scheduler::ActiveProcess* p, const scheduler::ExecutorQuery& query,
                              std::vector<Mutation>& out) {
  const model::TimeNs t = now();
  if (p->queued_since > 0 && t >= p->queued_since) request_metrics_->queue_wait().observe(t - p->queued_since);
  scheduler_.dequeue(p);
  scheduler_.clear_deadline(p, scheduler::DeadlineKind::Wait);
  model::Process& proc = p->process;
  proc.state = ProcessState::Running;
  proc.isassigned = true;
  proc.assignedexecutorid = query.executorid;
  proc.starttime = t;
  proc.endtime = 0;
  proc.execdeadline = 0;
  if (proc.spec.maxexectime > 0) {
    proc.execdeadline = t + proc.spec.maxexectime * 1'000'000'000LL;
    scheduler_.set_deadline(p, scheduler::DeadlineKind::Exec, proc.execdeadline);
  }
  set_attribute_states(proc);
  persist(*p, out);
  if (!proc.processgraphid.empty()) graph_node_moved(proc, out);
  return model::to_json(proc);
}

void Broker::dispatch(scheduler::ActiveProcess* p) {
  if (p->slots.empty()) return;  // not assignable
  if (paused_[p->process.spec.conditions.colonyname]) return;
  // The first parked executor that can take it performs the assignment and answers its long-poll
  // once it is durable. A waiter whose executor lost its approval meanwhile is ended instead.
  while (auto waiter = scheduler_.take_waiter_for(*p)) {
    const bool connected = !waiter->alive || waiter->alive();
    if (connected && auth::require_executor(registry_, waiter->query.executorid, waiter->query.colony)) {
      waiter->wake(p);
      return;
    }
    waiter->wake(nullptr);
  }
}

}  // namespace colonies::server::api
