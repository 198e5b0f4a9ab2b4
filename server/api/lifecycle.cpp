// Process transitions shared by handlers and timers: re-queue, finish, statistics of the
// function registry, deadlines, stale executors, and why a process is still waiting.
#include <spdlog/spdlog.h>

#include "core/model/text.hpp"
#include "core/protocol/messages.hpp"
#include "server/api/broker.hpp"

namespace colonies::server::api {

using model::ProcessState;
using ports::Mutation;
namespace mutation = ports::mutation;
namespace msg = protocol::msg;

namespace {
constexpr model::TimeNs kSecond = 1'000'000'000LL;
void set_attribute_states(model::Process& p) {
  for (auto& a : p.attributes) a.state = static_cast<int>(p.state);
}
}  // namespace

void Broker::requeue(scheduler::ActiveProcess* p, bool count_retry, std::vector<Mutation>& out) {
  model::Process& proc = p->process;
  scheduler_.clear_deadline(p, scheduler::DeadlineKind::Exec);
  proc.state = ProcessState::Waiting;
  proc.isassigned = false;
  proc.assignedexecutorid.clear();
  proc.endtime = now();
  proc.execdeadline = 0;
  if (count_retry) ++proc.retries;
  proc.waitdeadline = 0;
  if (proc.spec.maxwaittime > 0) {
    proc.waitdeadline = now() + proc.spec.maxwaittime * kSecond;
    scheduler_.set_deadline(p, scheduler::DeadlineKind::Wait, proc.waitdeadline);
  }
  set_attribute_states(proc);
  scheduler_.restart_wait(p, now());
  scheduler_.enqueue(p);
  persist(*p, out);
  if (!proc.processgraphid.empty()) graph_node_moved(proc, out);
}

model::Process Broker::retire(scheduler::ActiveProcess* p, ProcessState state, std::vector<Mutation>& out) {
  model::Process proc = std::move(p->process);
  proc.state = state;
  proc.endtime = now();
  set_attribute_states(proc);
  forget(proc.processid);  // p is gone from here on
  out.push_back(mutation::PutProcess{proc});
  return proc;
}

model::Process Broker::finish(scheduler::ActiveProcess* p, ProcessState state, std::vector<Mutation>& out) {
  model::Process proc = retire(p, state, out);
  if (!proc.processgraphid.empty()) graph_node_final(proc, out);
  return proc;
}

void Broker::record_function_stats(const model::Process& p, std::vector<Mutation>& out) {
  const auto* e = registry_.executor_by_id(p.spec.conditions.colonyname, p.assignedexecutorid);
  if (!e) return;
  model::Function* f = registry_.function_for(p.spec.conditions.colonyname, e->executor.executorname, p.spec.funcname);
  if (!f) return;
  const double wait = static_cast<double>(p.starttime - p.submissiontime) / 1e9;
  const double exec = static_cast<double>(p.endtime - p.starttime) / 1e9;
  if (f->counter == 0) {
    f->minwaittime = f->maxwaittime = wait;
    f->minexectime = f->maxexectime = exec;
  } else {
    f->minwaittime = std::min(f->minwaittime, wait);
    f->maxwaittime = std::max(f->maxwaittime, wait);
    f->minexectime = std::min(f->minexectime, exec);
    f->maxexectime = std::max(f->maxexectime, exec);
  }
  ++f->counter;
  // A true running mean (the original halved toward the newest sample instead).
  f->avgwaittime += (wait - f->avgwaittime) / static_cast<double>(f->counter);
  f->avgexectime += (exec - f->avgexectime) / static_cast<double>(f->counter);
  out.push_back(mutation::PutFunction{*f});
}

std::string Broker::wait_reason(const scheduler::ActiveProcess& p) {
  const auto& c = p.process.spec.conditions;
  if (p.process.state != ProcessState::Waiting) return {};
  if (p.process.waitforparents) return "waiting for parent processes to finish";
  if (paused_[c.colonyname]) return fmt::format("assignments in colony '{}' are paused", c.colonyname);
  int candidates = 0;
  int approved = 0;
  std::string why;
  for (const auto* e : registry_.executors(c.colonyname)) {
    const model::Executor& ex = e->executor;
    if (ex.state == model::ExecutorState::Unregistered || ex.state == model::ExecutorState::Rejected) continue;
    if (!scheduler::accepts_placement(p, ex.executortype, model::to_lower_ascii(ex.locationname))) continue;
    if (!c.executornames.empty() && std::ranges::find(c.executornames, ex.executorname) == c.executornames.end()) continue;
    ++candidates;
    if (ex.state != model::ExecutorState::Approved) continue;
    ++approved;
    std::string reason;
    if (scheduler::fits(e->profile, p.req, &reason)) return {};  // some executor can run it: just queued
    if (why.empty()) why = fmt::format("{} (executor '{}')", reason, ex.executorname);
  }
  std::string target = c.executornames.empty() ? fmt::format("of type '{}'", c.executortype)
                                               : fmt::format("named {}", fmt::join(c.executornames, ", "));
  if (!c.locationname.empty()) target += fmt::format(" at location '{}'", c.locationname);
  for (std::size_t i = 0; i < p.fallbacks_active && i < c.fallback.size(); ++i) {
    target += fmt::format(" or of fallback type '{}'", c.fallback[i].executortype);
  }
  std::string reason;
  if (candidates == 0) {
    reason = fmt::format("no executor {} is registered in colony '{}'", target, c.colonyname);
  } else if (approved == 0) {
    reason = fmt::format("executors {} exist but none is approved", target);
  } else {
    reason = fmt::format("no executor {} can satisfy the conditions: {}", target, why);
  }
  if (p.fallbacks_active < c.fallback.size()) {
    const model::Fallback& next = c.fallback[p.fallbacks_active];
    const model::TimeNs at = p.queued_since + next.after * kSecond;
    reason += fmt::format("; executor type '{}' becomes eligible in {} s", next.executortype,
                          std::max<model::TimeNs>(0, (at - now() + kSecond - 1) / kSecond));
  }
  return reason;
}

void Broker::requeue_executor_processes(const std::string& executorid, const std::string& colony) {
  std::vector<scheduler::ActiveProcess*> held;
  for (const auto& [_, p] : scheduler_.all()) {
    if (p->process.state == ProcessState::Running && p->process.assignedexecutorid == executorid &&
        p->process.spec.conditions.colonyname == colony) {
      held.push_back(p.get());
    }
  }
  std::vector<Mutation> requeued;
  for (auto* p : held) requeue(p, false, requeued);
  // The WAITING state must be queued for commit before a waiter's RUNNING state, or the store
  // would end with the older one.
  if (!requeued.empty()) commits_.submit(std::move(requeued), nullptr);
  for (auto* p : held) dispatch(p);
}

void Broker::end_waiters_of(const std::string& colony, const std::string& executorid) {
  for (auto& w : scheduler_.take_waiters(colony)) {
    if (executorid.empty() || w.query.executorid == executorid) {
      w.wake(nullptr);
    } else {
      const model::TimeNs until = w.until;
      scheduler_.park(std::move(w), until);
    }
  }
}

void Broker::resume_waiters(const std::string& colony) {
  for (auto& w : scheduler_.take_waiters(colony)) {
    if (w.alive && !w.alive()) {
      w.wake(nullptr);  // the client left; its answer goes nowhere
      continue;
    }
    if (auto* p = scheduler_.best_for(w.query)) {
      w.wake(p);
    } else {
      const model::TimeNs until = w.until;
      scheduler_.park(std::move(w), until);
    }
  }
}

void Broker::tick() {
  hub_.expire(now());  // its own lock: a subscription's timeout needs nothing of the broker's state
  std::lock_guard lock(mu_);
  const model::TimeNs t = now();
  auto expired = scheduler_.pop_expired(t);
  std::vector<Mutation> out;
  // Ids, not pointers: a workflow failure later in this loop may close a re-queued node.
  std::vector<std::string> requeued;
  for (auto& w : expired.waiters) w.wake(nullptr);
  // Processes whose fallback executor types became eligible: offered to parked executors of
  // those types below. Nothing to store: eligibility follows from the spec and the wait clock.
  std::vector<std::string> burst;
  for (const auto& d : expired.process_deadlines) {
    scheduler::ActiveProcess* p = scheduler_.find(d.id);
    if (!p) continue;
    model::Process& proc = p->process;
    if (d.kind == scheduler::DeadlineKind::Fallback) {
      if (scheduler_.activate_fallbacks(p, t)) burst.push_back(proc.processid);
    } else if (d.kind == scheduler::DeadlineKind::Wait && proc.state == ProcessState::Waiting) {
      proc.errors.push_back(fmt::format("maximum waiting time ({} s) exceeded", proc.spec.maxwaittime));
      finish(p, ProcessState::Failed, out);
    } else if (d.kind == scheduler::DeadlineKind::Exec && proc.state == ProcessState::Running) {
      if (proc.spec.maxretries >= 0 && proc.retries >= proc.spec.maxretries) {
        proc.errors.push_back(fmt::format("maximum execution time ({} s) exceeded after {} retries",
                                          proc.spec.maxexectime, proc.retries));
        finish(p, ProcessState::Failed, out);
      } else {
        requeue(p, true, out);
        requeued.push_back(proc.processid);
      }
    }
  }
  if (options_.stale_executor_s > 0 && t - last_stale_check_ > 5 * kSecond) {
    last_stale_check_ = t;
    expire_stale_executors();
  }
  // Commit the re-queues before offering them to waiters, so the store ends with RUNNING.
  if (!out.empty()) commits_.submit(std::move(out), nullptr);
  for (const auto& id : requeued) {
    if (scheduler::ActiveProcess* p = scheduler_.find(id)) dispatch(p);
  }
  for (const auto& id : burst) {
    if (scheduler::ActiveProcess* p = scheduler_.find(id)) dispatch(p);
  }
  dispatch_released();
  if (leadership_.is_leader()) {
    std::vector<Mutation> triggered;
    run_triggers(t, triggered);
    // Retention: only finished work older than the policy goes, which memory no longer holds
    // (it keeps WAITING and RUNNING processes and active graphs), so only the store changes.
    if (options_.retention_s > 0 && t >= next_retention_) {
      next_retention_ = t + options_.retention_period_s * kSecond;
      triggered.push_back(mutation::PurgeFinished{t - options_.retention_s * kSecond});
    }
    // The ledger's own retention: pruning leaves a checkpoint, so the chain stays verifiable.
    if (options_.audit_retention_s > 0 && t >= next_audit_retention_) {
      next_audit_retention_ = t + options_.retention_period_s * kSecond;
      triggered.push_back(mutation::PruneAudit{t - options_.audit_retention_s * kSecond, t});
    }
    if (!triggered.empty()) commits_.submit(std::move(triggered), nullptr);
    dispatch_released();
  }
}

void Broker::expire_stale_executors() {
  const model::TimeNs limit = now() - options_.stale_executor_s * kSecond;
  // After a restart executors need time to reconnect: nobody is stale before a full period passed.
  if (started_at_ > limit) return;
  std::vector<Mutation> out;
  for (auto* e : registry_.all_executors()) {
    model::Executor& ex = e->executor;
    if (ex.state != model::ExecutorState::Approved || ex.lastheardfromtime == 0 || ex.lastheardfromtime > limit) continue;
    if (scheduler_.is_parked(ex.executorid)) continue;  // waiting in a long-poll is being alive
    // An executor holding running work is busy, not dead; its processes have their own limits.
    bool busy = false;
    for (const auto& [_, p] : scheduler_.all()) {
      if (p->process.state == ProcessState::Running && p->process.assignedexecutorid == ex.executorid) {
        busy = true;
        break;
      }
    }
    if (busy) continue;
    spdlog::info("executor {} in colony {} not heard from for {} s: unregistered", ex.executorname, ex.colonyname,
                 options_.stale_executor_s);
    ex.state = model::ExecutorState::Unregistered;
    for (auto& id : registry_.remove_functions_of(ex.colonyname, ex.executorname)) {
      out.push_back(mutation::RemoveFunction{id});
    }
    out.push_back(mutation::PutExecutor{ex});
  }
  if (!out.empty()) commits_.submit(std::move(out), nullptr);
}

void Broker::shutdown() {
  std::lock_guard lock(mu_);
  shutting_down_ = true;
  for (const auto* c : registry_.colonies()) {
    for (auto& w : scheduler_.take_waiters(c->name)) w.wake(nullptr);
  }
  hub_.end_all(503, "server is shutting down");
}

}  // namespace colonies::server::api
