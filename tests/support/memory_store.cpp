// MemoryStore: maps under one mutex. A batch is checked whole before anything is touched, and
// the handlers cannot fail, which is how a batch is all-or-nothing here. Orders and filters
// mirror the SQL of SqliteStore (sqlite_reads.cpp); the conformance suite keeps them in step.
#include "tests/support/memory_store.hpp"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <tuple>

#include "core/ports/store_checks.hpp"

namespace colonies::testing {

namespace mutation = ports::mutation;

namespace {

template <class Map>
void erase_colony(Map& map, const std::string& colonyname) {
  std::erase_if(map, [&](const auto& entry) { return entry.first.first == colonyname; });
}

// ASCII-only case folding, the same as SQLite's LIKE.
char fold(char ch) { return static_cast<char>(std::tolower(static_cast<unsigned char>(ch))); }

bool contains_folded(std::string_view haystack, std::string_view needle) {
  auto found = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                           [](char a, char b) { return fold(a) == fold(b); });
  return found != haystack.end() || needle.empty();
}

}  // namespace

void MemoryStore::fail_next_apply() {
  std::lock_guard lock(mutex_);
  fail_next_apply_ = true;
}

void MemoryStore::set_unavailable(bool unavailable) {
  std::lock_guard lock(mutex_);
  unavailable_ = unavailable;
}

Status MemoryStore::apply(std::span<const ports::Mutation> batch) {
  std::lock_guard lock(mutex_);
  if (unavailable_) return fail(ErrorCode::Unavailable, "MemoryStore: the store is set unavailable");
  if (fail_next_apply_) {
    fail_next_apply_ = false;
    return fail(ErrorCode::Unavailable, "MemoryStore: injected apply failure");
  }
  for (const auto& m : batch) COLONIES_CHECK(ports::check_mutation(m));
  for (const auto& m : batch) std::visit([this](const auto& v) { apply_one(v); }, m);
  return ok();
}

void MemoryStore::apply_one(const mutation::SetServerId& m) { server_id_ = m.id; }
void MemoryStore::apply_one(const mutation::PutColony& m) { colonies_[m.colony.name] = m.colony; }

void MemoryStore::apply_one(const mutation::RemoveColony& m) {
  std::vector<std::string> doomed;
  for (const auto& [id, p] : processes_) {
    if (p.spec.conditions.colonyname == m.name) doomed.push_back(id);
  }
  for (const auto& id : doomed) remove_process(id);
  std::erase_if(graphs_, [&](const auto& entry) { return entry.second.colonyname == m.name; });
  erase_colony(users_, m.name);
  erase_colony(executors_, m.name);
  erase_colony(locations_, m.name);
  std::erase_if(functions_, [&](const auto& entry) { return entry.second.colonyname == m.name; });
  std::erase_if(logs_, [&](const model::Log& l) { return l.colonyname == m.name; });
  paused_.erase(m.name);
  std::erase_if(files_, [&](const auto& entry) { return entry.second.colonyname == m.name; });
  std::erase_if(snapshots_, [&](const auto& entry) { return entry.second.colonyname == m.name; });
  std::erase_if(crons_, [&](const auto& entry) { return entry.second.colonyname == m.name; });
  std::erase_if(generators_, [&](const auto& entry) { return entry.second.colonyname == m.name; });
  std::erase_if(generator_args_, [&](const auto& entry) { return entry.second.colonyname == m.name; });
  colonies_.erase(m.name);
}

void MemoryStore::apply_one(const mutation::PurgeFinished& m) {
  std::vector<std::string> graphs;
  for (const auto& [id, g] : graphs_) {
    if (g.endtime > 0 && g.endtime < m.before) graphs.push_back(id);
  }
  for (const auto& id : graphs) apply_one(mutation::RemoveProcessGraph{id});
  std::vector<std::string> doomed;
  for (const auto& [id, p] : processes_) {
    if (model::is_final(p.state) && p.processgraphid.empty() && p.submissiontime < m.before) doomed.push_back(id);
  }
  for (const auto& id : doomed) remove_process(id);
  std::erase_if(logs_, [&](const model::Log& l) { return l.timestamp < m.before; });
}

void MemoryStore::apply_one(const mutation::PutCron& m) { crons_[m.cron.cronid] = m.cron; }
void MemoryStore::apply_one(const mutation::RemoveCron& m) { crons_.erase(m.cronid); }
void MemoryStore::apply_one(const mutation::PutGenerator& m) { generators_[m.generator.generatorid] = m.generator; }
void MemoryStore::apply_one(const mutation::RemoveGenerator& m) {
  generators_.erase(m.generatorid);
  std::erase_if(generator_args_, [&](const auto& entry) { return entry.first.first == m.generatorid; });
}
void MemoryStore::apply_one(const mutation::AppendGeneratorArg& m) {
  generator_args_[{m.arg.generatorid, m.arg.seq}] = m.arg;
}
void MemoryStore::apply_one(const mutation::ConsumeGeneratorArgs& m) {
  std::erase_if(generator_args_, [&](const auto& entry) {
    return entry.first.first == m.generatorid && entry.first.second <= m.up_to_seq;
  });
}

void MemoryStore::apply_one(const mutation::PutUser& m) { users_[{m.user.colonyname, m.user.name}] = m.user; }
void MemoryStore::apply_one(const mutation::RemoveUser& m) { users_.erase({m.colonyname, m.name}); }
void MemoryStore::apply_one(const mutation::PutExecutor& m) {
  executors_[{m.executor.colonyname, m.executor.executorname}] = m.executor;
}
void MemoryStore::apply_one(const mutation::RemoveExecutor& m) { executors_.erase({m.colonyname, m.executorname}); }
void MemoryStore::apply_one(const mutation::PutLocation& m) {
  locations_[{m.location.colonyname, m.location.name}] = m.location;
}
void MemoryStore::apply_one(const mutation::RemoveLocation& m) { locations_.erase({m.colonyname, m.name}); }
void MemoryStore::apply_one(const mutation::PutFunction& m) { functions_[m.function.functionid] = m.function; }
void MemoryStore::apply_one(const mutation::RemoveFunction& m) { functions_.erase(m.functionid); }

void MemoryStore::apply_one(const mutation::PutProcess& m) {
  remove_attributes_of(m.process.processid);
  model::Process& stored = processes_[m.process.processid] = m.process;
  stored.waitreason.clear();  // computed by the server on get, never stored
  for (const auto& a : stored.attributes) attributes_[a.attributeid] = StoredAttribute{stored.processid, a};
}

void MemoryStore::apply_one(const mutation::RemoveProcess& m) { remove_process(m.processid); }

void MemoryStore::apply_one(const mutation::RemoveProcesses& m) {
  std::vector<std::string> doomed;
  for (const auto& [id, p] : processes_) {
    if (p.spec.conditions.colonyname == m.colonyname && (!m.state || p.state == *m.state) &&
        p.processgraphid.empty()) {
      doomed.push_back(id);
    }
  }
  for (const auto& id : doomed) remove_process(id);
}

void MemoryStore::apply_one(const mutation::PutProcessGraph& m) { graphs_[m.graph.processgraphid] = m.graph; }

void MemoryStore::apply_one(const mutation::RemoveProcessGraph& m) {
  std::vector<std::string> doomed;
  for (const auto& [id, p] : processes_) {
    if (p.processgraphid == m.processgraphid) doomed.push_back(id);
  }
  for (const auto& id : doomed) remove_process(id);
  graphs_.erase(m.processgraphid);
}

void MemoryStore::apply_one(const mutation::RemoveProcessGraphs& m) {
  std::vector<std::string> doomed;
  for (const auto& [id, g] : graphs_) {
    if (g.colonyname == m.colonyname && g.endtime != 0 && (!m.state || g.state == *m.state)) doomed.push_back(id);
  }
  for (const auto& id : doomed) apply_one(mutation::RemoveProcessGraph{id});
}

void MemoryStore::apply_one(const mutation::AppendLog& m) { logs_.push_back(m.log); }

// As PostgresStore: an entry already stored under the seq is kept (a retried batch).
void MemoryStore::apply_one(const mutation::AppendAudit& m) { audit_.emplace(m.entry.seq, m.entry); }

void MemoryStore::apply_one(const mutation::PruneAudit& m) {
  const model::AuditEntry* last = nullptr;
  for (const auto& [seq, e] : audit_) {
    if (e.time >= m.before) break;
    last = &e;
  }
  if (last) checkpoints_.emplace(last->seq, model::AuditCheckpoint{last->seq, last->hash, last->time, m.now});
  if (checkpoints_.empty()) return;
  const std::int64_t up_to = checkpoints_.rbegin()->first;
  audit_.erase(audit_.begin(), audit_.upper_bound(up_to));
}

model::AuditHead MemoryStore::audit_head() const {
  if (!audit_.empty()) {
    const auto& e = audit_.rbegin()->second;
    return {e.seq, e.hash, e.time};
  }
  if (!checkpoints_.empty()) {
    const auto& c = checkpoints_.rbegin()->second;
    return {c.seq, c.hash, c.time};
  }
  return {};
}

void MemoryStore::apply_one(const mutation::SetPaused& m) {
  if (m.paused) {
    paused_.insert(m.colonyname);
  } else {
    paused_.erase(m.colonyname);
  }
}

void MemoryStore::apply_one(const mutation::AddFile& m) { files_[m.file.fileid] = m.file; }

void MemoryStore::apply_one(const mutation::RemoveFile& m) {
  auto f = files_.find(m.fileid);
  if (f != files_.end() && f->second.colonyname == m.colonyname) files_.erase(f);
}

void MemoryStore::apply_one(const mutation::RemoveFileRevisions& m) {
  std::erase_if(files_, [&](const auto& entry) {
    const model::File& f = entry.second;
    return f.colonyname == m.colonyname && f.label == m.label && f.name == m.name;
  });
}

void MemoryStore::apply_one(const mutation::PutSnapshot& m) { snapshots_[m.snapshot.snapshotid] = m.snapshot; }

void MemoryStore::apply_one(const mutation::RemoveSnapshot& m) {
  auto s = snapshots_.find(m.snapshotid);
  if (s != snapshots_.end() && s->second.colonyname == m.colonyname) snapshots_.erase(s);
}

void MemoryStore::apply_one(const mutation::RemoveSnapshots& m) {
  std::erase_if(snapshots_, [&](const auto& entry) { return entry.second.colonyname == m.colonyname; });
}

void MemoryStore::remove_attributes_of(const std::string& processid) {
  auto p = processes_.find(processid);
  if (p == processes_.end()) return;
  // An attribute id reused by a later process belongs to that process now, as in SQLite.
  for (const auto& a : p->second.attributes) {
    auto stored = attributes_.find(a.attributeid);
    if (stored != attributes_.end() && stored->second.processid == processid) attributes_.erase(stored);
  }
}

void MemoryStore::remove_process(const std::string& processid) {
  remove_attributes_of(processid);
  std::erase_if(channels_, [&](const auto& entry) { return entry.first.first == processid; });
  processes_.erase(processid);
}

void MemoryStore::apply_one(const mutation::AppendChannelEntry& m) {
  channels_[{m.entry.processid, m.entry.name}].push_back(m.entry);
}

Result<std::vector<model::ChannelEntry>> MemoryStore::list_channel_entries(const ports::ChannelQuery& query) {
  std::lock_guard lock(mutex_);
  std::vector<model::ChannelEntry> out;
  auto it = channels_.find({query.processid, query.name});
  if (it == channels_.end()) return out;
  for (const auto& e : it->second) {
    if (e.position <= query.after_position) continue;
    if (static_cast<int>(out.size()) >= query.limit) break;
    out.push_back(e);
  }
  return out;
}

std::shared_ptr<MemoryStore> MemoryStore::clone() {
  auto copy = std::make_shared<MemoryStore>();
  std::lock_guard lock(mutex_);
  copy->server_id_ = server_id_;
  copy->colonies_ = colonies_;
  copy->users_ = users_;
  copy->executors_ = executors_;
  copy->locations_ = locations_;
  copy->functions_ = functions_;
  copy->processes_ = processes_;
  copy->attributes_ = attributes_;
  copy->logs_ = logs_;
  copy->paused_ = paused_;
  copy->channels_ = channels_;
  copy->files_ = files_;
  copy->snapshots_ = snapshots_;
  copy->crons_ = crons_;
  copy->generators_ = generators_;
  copy->generator_args_ = generator_args_;
  copy->graphs_ = graphs_;
  return copy;
}

Result<ports::Snapshot> MemoryStore::load() {
  std::lock_guard lock(mutex_);
  ports::Snapshot s;
  s.server_id = server_id_;
  for (const auto& [name, c] : colonies_) s.colonies.push_back(c);
  for (const auto& [key, u] : users_) s.users.push_back(u);
  for (const auto& [key, e] : executors_) s.executors.push_back(e);
  for (const auto& [key, l] : locations_) s.locations.push_back(l);
  for (const auto& [id, f] : functions_) s.functions.push_back(f);
  for (const auto& [id, p] : processes_) {
    if (p.state == model::ProcessState::Waiting || p.state == model::ProcessState::Running) {
      s.active_processes.push_back(p);
    }
  }
  s.paused_colonies.assign(paused_.begin(), paused_.end());
  for (const auto& [key, entries] : channels_) {
    auto p = processes_.find(key.first);
    if (p == processes_.end() || model::is_final(p->second.state) || entries.empty()) continue;
    ports::ChannelHead head{key.first, key.second, 0, 0, {}};
    for (const auto& e : entries) {
      head.last_position = std::max(head.last_position, e.position);
      ++head.entries;
      auto& last = head.last_sequence[e.senderid];
      last = std::max(last, e.sequence);
    }
    s.channel_heads.push_back(std::move(head));
  }
  for (const auto& [id, f] : files_) s.last_file_sequencenr = std::max(s.last_file_sequencenr, f.sequencenr);
  for (const auto& [id, snap] : snapshots_) s.snapshots.push_back({snap.colonyname, snap.name, snap.snapshotid});
  std::sort(s.snapshots.begin(), s.snapshots.end(), [](const auto& a, const auto& b) {
    return std::tie(a.colonyname, a.name) < std::tie(b.colonyname, b.name);
  });
  for (const auto& [id, c] : crons_) s.crons.push_back(c);
  for (const auto& [id, g] : generators_) s.generators.push_back(g);
  for (const auto& [key, a] : generator_args_) s.generator_args.push_back(a);
  for (const auto& [id, g] : graphs_) {
    if (g.endtime == 0) s.active_graphs.push_back(g);
  }
  std::sort(s.active_graphs.begin(), s.active_graphs.end(),
            [](const auto& a, const auto& b) { return a.submissiontime < b.submissiontime; });
  for (const auto& [id, p] : processes_) {
    if (model::is_final(p.state) && !p.processgraphid.empty()) {
      auto g = graphs_.find(p.processgraphid);
      if (g != graphs_.end() && g->second.endtime == 0) s.finished_graph_processes.push_back(p);
    }
  }
  s.audit_head = audit_head();
  return s;
}

Result<std::optional<model::Process>> MemoryStore::get_process(const std::string& processid) {
  std::lock_guard lock(mutex_);
  auto found = processes_.find(processid);
  if (found == processes_.end()) return std::optional<model::Process>{};
  return std::optional<model::Process>(found->second);
}

Result<std::vector<model::Process>> MemoryStore::list_processes(const ports::ProcessFilter& f) {
  std::lock_guard lock(mutex_);
  std::vector<const model::Process*> matches;
  for (const auto& [id, p] : processes_) {
    if (p.spec.conditions.colonyname != f.colonyname) continue;
    if (f.state && p.state != *f.state) continue;
    if (!f.executortype.empty() && p.spec.conditions.executortype != f.executortype) continue;
    if (!f.label.empty() && p.spec.label != f.label) continue;
    if (!f.initiatorname.empty() && p.initiatorname != f.initiatorname) continue;
    if (!f.assignedexecutorid.empty() && p.assignedexecutorid != f.assignedexecutorid) continue;
    if (f.submitted_after != 0 && p.submissiontime <= f.submitted_after) continue;
    if (!f.before.processid.empty() &&
        std::pair(p.submissiontime, p.processid) >= std::pair(f.before.submissiontime, f.before.processid))
      continue;
    matches.push_back(&p);
  }
  std::sort(matches.begin(), matches.end(), [](const model::Process* a, const model::Process* b) {
    if (a->submissiontime != b->submissiontime) return a->submissiontime > b->submissiontime;
    return a->processid > b->processid;
  });
  std::vector<model::Process> out;
  for (const auto* p : matches) {
    if (static_cast<int>(out.size()) >= f.count) break;
    out.push_back(*p);
  }
  return out;
}

Result<std::optional<model::Attribute>> MemoryStore::get_attribute(const std::string& attributeid) {
  std::lock_guard lock(mutex_);
  auto found = attributes_.find(attributeid);
  if (found == attributes_.end()) return std::optional<model::Attribute>{};
  return std::optional<model::Attribute>(found->second.attribute);
}

Result<std::vector<model::Log>> MemoryStore::get_logs(const ports::LogQuery& q) {
  std::lock_guard lock(mutex_);
  std::vector<model::Log> matches;
  if (q.count <= 0) return matches;
  for (const auto& l : logs_) {
    if (l.colonyname != q.colonyname || l.timestamp <= q.since) continue;
    if (!q.processid.empty()) {
      if (l.processid != q.processid) continue;
    } else if (!q.executorname.empty() && l.executorname != q.executorname) {
      continue;
    }
    matches.push_back(l);
  }
  // Stable: equal timestamps stay in append order.
  std::stable_sort(matches.begin(), matches.end(),
                   [](const model::Log& a, const model::Log& b) { return a.timestamp < b.timestamp; });
  auto n = std::min(matches.size(), static_cast<std::size_t>(q.count));
  if (q.latest) return std::vector<model::Log>(matches.end() - static_cast<std::ptrdiff_t>(n), matches.end());
  matches.resize(n);
  return matches;
}

Result<std::vector<model::Log>> MemoryStore::search_logs(const std::string& colonyname, const std::string& text,
                                                         std::int64_t since, int count) {
  std::lock_guard lock(mutex_);
  std::vector<model::Log> matches;
  if (count <= 0) return matches;
  // Newest appended first, then a stable sort: equal timestamps come newest-appended first.
  for (auto l = logs_.rbegin(); l != logs_.rend(); ++l) {
    if (l->colonyname == colonyname && l->timestamp > since && contains_folded(l->message, text)) {
      matches.push_back(*l);
    }
  }
  std::stable_sort(matches.begin(), matches.end(),
                   [](const model::Log& a, const model::Log& b) { return a.timestamp > b.timestamp; });
  if (matches.size() > static_cast<std::size_t>(count)) matches.resize(static_cast<std::size_t>(count));
  return matches;
}

Result<std::map<model::ProcessState, std::int64_t>> MemoryStore::count_processes(const std::string& colonyname) {
  std::lock_guard lock(mutex_);
  std::map<model::ProcessState, std::int64_t> counts;
  for (int s = 0; s <= 4; ++s) counts[static_cast<model::ProcessState>(s)] = 0;
  for (const auto& [id, p] : processes_) {
    if (colonyname.empty() || p.spec.conditions.colonyname == colonyname) ++counts[p.state];
  }
  return counts;
}

Result<std::optional<model::File>> MemoryStore::get_file(const std::string& colonyname, const std::string& fileid) {
  std::lock_guard lock(mutex_);
  auto f = files_.find(fileid);
  if (f == files_.end() || f->second.colonyname != colonyname) return std::optional<model::File>{};
  return std::optional<model::File>(f->second);
}

namespace {
// Label, name, newest revision first: the order of SqliteStore's file listings.
bool file_order(const model::File& a, const model::File& b) {
  if (a.label != b.label) return a.label < b.label;
  if (a.name != b.name) return a.name < b.name;
  return a.sequencenr > b.sequencenr;
}
}  // namespace

Result<std::vector<model::File>> MemoryStore::get_file_revisions(const std::string& colonyname,
                                                                 const std::string& label, const std::string& name) {
  std::lock_guard lock(mutex_);
  std::vector<model::File> out;
  for (const auto& [id, f] : files_) {
    if (f.colonyname == colonyname && f.label == label && f.name == name) out.push_back(f);
  }
  std::sort(out.begin(), out.end(), file_order);
  return out;
}

Result<std::vector<model::File>> MemoryStore::list_files(const ports::FileQuery& q) {
  std::lock_guard lock(mutex_);
  std::vector<model::File> out;
  for (const auto& [id, f] : files_) {
    if (f.colonyname != q.colonyname) continue;
    if (q.recursive ? !model::label_within(f.label, q.label) : f.label != q.label) continue;
    out.push_back(f);
  }
  std::sort(out.begin(), out.end(), file_order);
  if (!q.all_revisions) {
    // Sorted newest first within a name, so the first of each (label, name) is the latest.
    auto last = std::unique(out.begin(), out.end(), [](const model::File& a, const model::File& b) {
      return a.label == b.label && a.name == b.name;
    });
    out.erase(last, out.end());
  }
  return out;
}

Result<std::vector<model::Label>> MemoryStore::list_labels(const std::string& colonyname, const std::string& label,
                                                           bool exact) {
  std::lock_guard lock(mutex_);
  std::map<std::string, std::set<std::string>> names;
  for (const auto& [id, f] : files_) {
    if (f.colonyname != colonyname) continue;
    if (!label.empty() && (exact ? f.label != label : !model::label_within(f.label, label))) continue;
    names[f.label].insert(f.name);
  }
  std::vector<model::Label> out;
  for (const auto& [name, set] : names) out.push_back(model::Label{name, static_cast<std::int64_t>(set.size())});
  return out;
}

Result<std::optional<model::Snapshot>> MemoryStore::get_snapshot(const std::string& colonyname,
                                                                 const std::string& snapshotid) {
  std::lock_guard lock(mutex_);
  auto s = snapshots_.find(snapshotid);
  if (s == snapshots_.end() || s->second.colonyname != colonyname) return std::optional<model::Snapshot>{};
  return std::optional<model::Snapshot>(s->second);
}

Result<std::optional<model::Snapshot>> MemoryStore::get_snapshot_by_name(const std::string& colonyname,
                                                                         const std::string& name) {
  std::lock_guard lock(mutex_);
  for (const auto& [id, s] : snapshots_) {
    if (s.colonyname == colonyname && s.name == name) return std::optional<model::Snapshot>(s);
  }
  return std::optional<model::Snapshot>{};
}

Result<std::vector<model::Snapshot>> MemoryStore::list_snapshots(const std::string& colonyname) {
  std::lock_guard lock(mutex_);
  std::vector<model::Snapshot> out;
  for (const auto& [id, s] : snapshots_) {
    if (s.colonyname == colonyname) out.push_back(s);
  }
  std::sort(out.begin(), out.end(), [](const model::Snapshot& a, const model::Snapshot& b) {
    return std::tie(a.added, a.snapshotid) < std::tie(b.added, b.snapshotid);
  });
  return out;
}

Result<std::optional<model::ProcessGraph>> MemoryStore::get_process_graph(const std::string& processgraphid) {
  std::lock_guard lock(mutex_);
  auto found = graphs_.find(processgraphid);
  if (found == graphs_.end()) return std::optional<model::ProcessGraph>{};
  return std::optional<model::ProcessGraph>(found->second);
}

Result<std::vector<model::ProcessGraph>> MemoryStore::list_process_graphs(const ports::ProcessGraphFilter& filter) {
  std::lock_guard lock(mutex_);
  std::vector<model::ProcessGraph> out;
  for (const auto& [id, g] : graphs_) {
    if (g.colonyname == filter.colonyname && (!filter.state || g.state == *filter.state)) out.push_back(g);
  }
  // Newest first, ties by id descending: the ORDER BY of SqliteStore.
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.submissiontime != b.submissiontime ? a.submissiontime > b.submissiontime
                                                : a.processgraphid > b.processgraphid;
  });
  if (out.size() > static_cast<std::size_t>(std::max(filter.count, 0))) out.resize(std::max(filter.count, 0));
  return out;
}

Result<std::map<model::ProcessState, std::int64_t>> MemoryStore::count_process_graphs(const std::string& colonyname) {
  std::lock_guard lock(mutex_);
  std::map<model::ProcessState, std::int64_t> counts;
  for (int s = 0; s <= 4; ++s) counts[static_cast<model::ProcessState>(s)] = 0;
  for (const auto& [id, g] : graphs_) {
    if (colonyname.empty() || g.colonyname == colonyname) ++counts[g.state];
  }
  return counts;
}

Result<std::vector<model::AuditEntry>> MemoryStore::list_audit(const ports::AuditQuery& q) {
  std::lock_guard lock(mutex_);
  std::vector<model::AuditEntry> out;
  for (auto it = audit_.upper_bound(q.after_seq); it != audit_.end(); ++it) {
    if (static_cast<int>(out.size()) >= q.count) break;
    const model::AuditEntry& e = it->second;
    if (!q.colonyname.empty() && e.colonyname != q.colonyname) continue;
    if (!q.processid.empty() && e.processid != q.processid) continue;
    if (!q.signer.empty() && e.signer != q.signer) continue;
    if (q.since != 0 && e.time < q.since) continue;
    if (q.until != 0 && e.time >= q.until) continue;
    out.push_back(e);
  }
  return out;
}

Result<ports::AuditState> MemoryStore::audit_state() {
  std::lock_guard lock(mutex_);
  ports::AuditState state;
  if (!checkpoints_.empty()) state.checkpoint = checkpoints_.rbegin()->second;
  state.first_seq = audit_.empty() ? 0 : audit_.begin()->first;
  state.entries = static_cast<std::int64_t>(audit_.size());
  state.head = audit_head();
  return state;
}

}  // namespace colonies::testing
