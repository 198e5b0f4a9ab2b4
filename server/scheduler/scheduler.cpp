// Scheduler data structures: bucketed priority queues, FIFO waiters, ordered deadline set.
#include "server/scheduler/scheduler.hpp"

#include <algorithm>
#include <cctype>

#include "core/model/text.hpp"

namespace colonies::server::scheduler {

namespace {

std::string waiter_key(const std::string& colony, const std::string& type) {
  std::string key = colony;
  key.push_back('\0');
  key += type;
  return key;
}

// The executor-side keys under which a process for `q` may be queued.
std::vector<QueueKey> keys_for(const ExecutorQuery& q) {
  std::vector<QueueKey> keys;
  keys.reserve(6);
  keys.push_back({q.colony, q.type, "", ""});
  if (!q.location.empty()) keys.push_back({q.colony, q.type, "", q.location});
  if (!q.name.empty()) {
    for (const std::string* type : {&q.type, static_cast<const std::string*>(nullptr)}) {
      const std::string t = type ? *type : std::string();
      keys.push_back({q.colony, t, q.name, ""});
      if (!q.location.empty()) keys.push_back({q.colony, t, q.name, q.location});
    }
  }
  return keys;
}

// The location (lower-case, "" = anywhere) an executor of a fallback type must be at.
std::string fallback_location(const model::Conditions& c, const model::Fallback& f) {
  return model::to_lower_ascii(f.locationname ? *f.locationname : c.locationname);
}

}  // namespace

bool accepts_placement(const ActiveProcess& p, const std::string& type, const std::string& location) {
  const auto& c = p.process.spec.conditions;
  const auto at = [&location](const std::string& wanted) { return wanted.empty() || wanted == location; };
  if ((c.executortype.empty() || c.executortype == type) && at(model::to_lower_ascii(c.locationname))) return true;
  for (std::size_t i = 0; i < p.fallbacks_active && i < c.fallback.size(); ++i) {
    if (c.fallback[i].executortype == type && at(fallback_location(c, c.fallback[i]))) return true;
  }
  return false;
}

namespace {

bool can_take(const ExecutorQuery& q, const ActiveProcess& p) {
  const auto& c = p.process.spec.conditions;
  if (c.colonyname != q.colony) return false;
  if (!c.executornames.empty() && std::ranges::find(c.executornames, q.name) == c.executornames.end()) return false;
  if (!accepts_placement(p, q.type, q.location)) return false;
  return fits(q.profile, p.req) && fits(q.available, p.req);
}

}  // namespace

std::size_t QueueKeyHash::operator()(const QueueKey& k) const {
  std::hash<std::string> h;
  std::size_t seed = h(k.colony);
  for (const std::string* s : {&k.type, &k.name, &k.location}) {
    seed ^= h(*s) + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2);
  }
  return seed;
}

ActiveProcess* Scheduler::add(model::Process process, model::Requirements req) {
  auto active = std::make_unique<ActiveProcess>();
  active->process = std::move(process);
  active->req = std::move(req);
  active->seq = next_seq_++;
  // The fallback clock of a new process starts at its submission; the broker restarts it when a
  // process becomes assignable later (restart_wait).
  active->queued_since = active->process.submissiontime;
  ActiveProcess* raw = active.get();
  const std::string id = raw->process.processid;
  remove(id);
  processes_.emplace(id, std::move(active));
  if (raw->process.state == model::ProcessState::Waiting && !raw->process.waitforparents) enqueue(raw);
  return raw;
}

ActiveProcess* Scheduler::find(const std::string& processid) {
  auto it = processes_.find(processid);
  return it == processes_.end() ? nullptr : it->second.get();
}

void Scheduler::remove(const std::string& processid) {
  auto it = processes_.find(processid);
  if (it == processes_.end()) return;
  dequeue(it->second.get());
  clear_deadline(it->second.get(), DeadlineKind::Wait);
  clear_deadline(it->second.get(), DeadlineKind::Exec);
  processes_.erase(it);
}

void Scheduler::enqueue(ActiveProcess* p) {
  if (!p->slots.empty()) return;
  const auto& c = p->process.spec.conditions;
  const std::string location = model::to_lower_ascii(c.locationname);
  std::vector<QueueKey> keys;
  if (c.executornames.empty()) {
    keys.push_back({c.colonyname, c.executortype, "", location});
    for (std::size_t i = 0; i < p->fallbacks_active && i < c.fallback.size(); ++i) {
      keys.push_back({c.colonyname, c.fallback[i].executortype, "", fallback_location(c, c.fallback[i])});
    }
  } else {
    for (const auto& name : c.executornames) keys.push_back({c.colonyname, c.executortype, name, location});
  }
  for (auto& key : keys) {
    QueueGroup& group = groups_[key];
    auto bucket = group.try_emplace(p->req).first;
    auto entry = bucket->second.insert({p->process.prioritytime, p->seq, p}).first;
    p->slots.push_back({std::move(key), bucket, entry});
  }
  ++queued_;
  arm_fallback(p);
}

void Scheduler::arm_fallback(ActiveProcess* p) {
  const auto& fallback = p->process.spec.conditions.fallback;
  if (p->fallback_deadline || p->fallbacks_active >= fallback.size()) return;
  const model::TimeNs at = p->queued_since + fallback[p->fallbacks_active].after * 1'000'000'000LL;
  p->fallback_deadline = add_deadline(DeadlineKind::Fallback, p->process.processid, at);
}

void Scheduler::restart_wait(ActiveProcess* p, model::TimeNs since) {
  const bool queued = !p->slots.empty();
  if (queued) dequeue(p);
  p->queued_since = since;
  p->fallbacks_active = 0;
  if (queued) enqueue(p);
}

bool Scheduler::activate_fallbacks(ActiveProcess* p, model::TimeNs now) {
  if (p->slots.empty()) return false;
  const auto& fallback = p->process.spec.conditions.fallback;
  std::size_t active = p->fallbacks_active;
  while (active < fallback.size() && p->queued_since + fallback[active].after * 1'000'000'000LL <= now) ++active;
  if (active == p->fallbacks_active) {
    arm_fallback(p);
    return false;
  }
  dequeue(p);
  p->fallbacks_active = active;
  enqueue(p);
  return true;
}

void Scheduler::dequeue(ActiveProcess* p) {
  if (p->slots.empty()) return;
  for (auto& slot : p->slots) {
    auto group_it = groups_.find(slot.key);
    if (group_it == groups_.end()) continue;
    slot.bucket->second.erase(slot.entry);
    if (slot.bucket->second.empty()) group_it->second.erase(slot.bucket);
    if (group_it->second.empty()) groups_.erase(group_it);
  }
  p->slots.clear();
  --queued_;
  if (p->fallback_deadline) deadlines_.erase(*p->fallback_deadline);
  p->fallback_deadline.reset();
}

ActiveProcess* Scheduler::best_for(const ExecutorQuery& query) {
  const QueueEntry* best = nullptr;
  for (const auto& key : keys_for(query)) {
    auto group_it = groups_.find(key);
    if (group_it == groups_.end()) continue;
    for (const auto& [req, queue] : group_it->second) {
      if (queue.empty() || !fits(query.profile, req) || !fits(query.available, req)) continue;
      const QueueEntry& head = *queue.begin();
      if (!best || head < *best) best = &head;
    }
  }
  return best ? best->process : nullptr;
}

std::vector<TypeCount> Scheduler::queue_depths() const {
  std::map<std::pair<std::string, std::string>, std::size_t> general;
  std::map<std::pair<std::string, std::string>, std::set<const ActiveProcess*>> targeted;
  for (const auto& [key, group] : groups_) {
    if (key.name.empty()) {
      std::size_t& n = general[{key.colony, key.type}];
      for (const auto& [req, queue] : group) n += queue.size();
      continue;
    }
    auto& seen = targeted[{key.colony, key.type}];
    for (const auto& [req, queue] : group) {
      for (const auto& entry : queue) seen.insert(entry.process);
    }
  }
  for (const auto& [key, processes] : targeted) general[key] += processes.size();
  std::vector<TypeCount> out;
  out.reserve(general.size());
  for (const auto& [key, n] : general) out.push_back({key.first, key.second, n});
  return out;
}

std::vector<TypeCount> Scheduler::parked_depths() const {
  std::map<std::pair<std::string, std::string>, std::size_t> counts;
  for (const auto& [key, list] : waiters_) {
    if (list.empty()) continue;
    const auto& q = list.front().query;
    counts[{q.colony, q.type}] += list.size();
  }
  std::vector<TypeCount> out;
  out.reserve(counts.size());
  for (const auto& [key, n] : counts) out.push_back({key.first, key.second, n});
  return out;
}

std::uint64_t Scheduler::park(Waiter waiter, model::TimeNs deadline) {
  waiter.id = next_waiter_++;
  waiter.until = deadline;
  const std::uint64_t id = waiter.id;
  waiter.deadline = add_deadline(DeadlineKind::Poll, std::to_string(id), deadline);
  const std::string key = waiter_key(waiter.query.colony, waiter.query.type);
  WaiterList& list = waiters_[key];
  // take_waiter_for scans from the front: the front is the next to be served.
  const auto at = order_ == WaiterOrder::Fifo ? list.end() : list.begin();
  const auto inserted = list.insert(at, std::move(waiter));
  waiter_index_.emplace(id, std::make_pair(key, inserted));
  ++parked_by_executor_[inserted->query.executorid];
  return id;
}

std::optional<Waiter> Scheduler::take_waiter_for(const ActiveProcess& p) {
  const auto& c = p.process.spec.conditions;
  auto scan = [&](WaiterList& list) -> std::optional<Waiter> {
    for (auto it = list.begin(); it != list.end(); ++it) {
      if (!can_take(it->query, p)) continue;
      Waiter w = std::move(*it);
      unpark_bookkeeping(w);
      w.deadline.reset();
      list.erase(it);
      return w;
    }
    return std::nullopt;
  };
  if (!c.executortype.empty()) {
    // Its own type first, then the eligible fallbacks in the order the user gave them.
    for (std::size_t i = 0; i <= p.fallbacks_active && i <= c.fallback.size(); ++i) {
      const std::string& type = i == 0 ? c.executortype : c.fallback[i - 1].executortype;
      auto it = waiters_.find(waiter_key(c.colonyname, type));
      if (it == waiters_.end()) continue;
      auto w = scan(it->second);
      if (it->second.empty()) waiters_.erase(it);
      if (w) return w;
    }
    return std::nullopt;
  }
  // Name-targeted with any type: look at every type of the colony (rare).
  for (auto it = waiters_.begin(); it != waiters_.end(); ++it) {
    if (!it->first.starts_with(c.colonyname + std::string(1, '\0'))) continue;
    if (auto w = scan(it->second)) {
      if (it->second.empty()) waiters_.erase(it);
      return w;
    }
  }
  return std::nullopt;
}

std::vector<Waiter> Scheduler::take_waiters(const std::string& colony) {
  std::vector<Waiter> out;
  const std::string prefix = colony + std::string(1, '\0');
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (!it->first.starts_with(prefix)) {
      ++it;
      continue;
    }
    for (auto& w : it->second) {
      unpark_bookkeeping(w);
      w.deadline.reset();
      out.push_back(std::move(w));
    }
    it = waiters_.erase(it);
  }
  return out;
}

void Scheduler::unpark_bookkeeping(const Waiter& w) {
  if (w.deadline) deadlines_.erase(*w.deadline);
  waiter_index_.erase(w.id);
  auto it = parked_by_executor_.find(w.query.executorid);
  if (it != parked_by_executor_.end() && --it->second <= 0) parked_by_executor_.erase(it);
}

void Scheduler::park_index_erase(std::uint64_t id) {
  auto it = waiter_index_.find(id);
  if (it == waiter_index_.end()) return;
  auto list_it = waiters_.find(it->second.first);
  if (list_it != waiters_.end()) {
    list_it->second.erase(it->second.second);
    if (list_it->second.empty()) waiters_.erase(list_it);
  }
  waiter_index_.erase(it);
}

std::set<Deadline>::iterator Scheduler::add_deadline(DeadlineKind kind, std::string id, model::TimeNs at) {
  return deadlines_.insert(Deadline{at, next_seq_++, kind, std::move(id)}).first;
}

void Scheduler::set_deadline(ActiveProcess* p, DeadlineKind kind, model::TimeNs at) {
  clear_deadline(p, kind);
  auto it = add_deadline(kind, p->process.processid, at);
  (kind == DeadlineKind::Wait ? p->wait_deadline : p->exec_deadline) = it;
}

void Scheduler::clear_deadline(ActiveProcess* p, DeadlineKind kind) {
  auto& slot = kind == DeadlineKind::Wait ? p->wait_deadline : p->exec_deadline;
  if (slot) deadlines_.erase(*slot);
  slot.reset();
}

Scheduler::Expired Scheduler::pop_expired(model::TimeNs now) {
  Expired expired;
  while (!deadlines_.empty() && deadlines_.begin()->at <= now) {
    Deadline d = *deadlines_.begin();
    deadlines_.erase(deadlines_.begin());
    if (d.kind == DeadlineKind::Poll) {
      auto it = waiter_index_.find(std::stoull(d.id));
      if (it == waiter_index_.end()) continue;
      Waiter w = std::move(*it->second.second);
      w.deadline.reset();  // already erased from deadlines_ above
      park_index_erase(w.id);
      if (auto pe = parked_by_executor_.find(w.query.executorid);
          pe != parked_by_executor_.end() && --pe->second <= 0) {
        parked_by_executor_.erase(pe);
      }
      expired.waiters.push_back(std::move(w));
      continue;
    }
    if (ActiveProcess* p = find(d.id)) {
      if (d.kind == DeadlineKind::Fallback) {
        p->fallback_deadline.reset();
      } else {
        (d.kind == DeadlineKind::Wait ? p->wait_deadline : p->exec_deadline).reset();
      }
      expired.process_deadlines.push_back(std::move(d));
    }
  }
  return expired;
}

}  // namespace colonies::server::scheduler
