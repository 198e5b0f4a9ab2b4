// In-memory crons, generators and generator queues (see triggers.hpp).
#include "server/triggers/triggers.hpp"

#include <algorithm>

namespace colonies::server::triggers {

std::vector<int> generator_releases(const model::Generator& g, const std::deque<model::GeneratorArg>& queue,
                                    model::TimeNs now) {
  std::vector<int> out;
  if (g.trigger <= 0) return out;
  const auto trigger = static_cast<std::size_t>(g.trigger);
  std::size_t taken = 0;
  for (; queue.size() - taken >= trigger; taken += trigger) out.push_back(g.trigger);
  const std::size_t rest = queue.size() - taken;
  if (rest > 0 && g.timeout > 0 && now - queue[taken].packed >= std::int64_t{g.timeout} * 1'000'000'000) {
    out.push_back(static_cast<int>(rest));
  }
  return out;
}

// --- crons ---

const model::Cron* Triggers::cron(const std::string& cronid) const {
  auto it = crons_.find(cronid);
  return it == crons_.end() ? nullptr : &it->second;
}

model::Cron* Triggers::cron(const std::string& cronid) {
  auto it = crons_.find(cronid);
  return it == crons_.end() ? nullptr : &it->second;
}

const model::Cron* Triggers::cron_by_name(const std::string& colony, const std::string& name) const {
  auto it = cron_names_.find({colony, name});
  return it == cron_names_.end() ? nullptr : cron(it->second);
}

std::vector<const model::Cron*> Triggers::crons(const std::string& colony) const {
  std::vector<const model::Cron*> out;
  for (auto it = cron_names_.lower_bound({colony, ""}); it != cron_names_.end() && it->first.first == colony; ++it) {
    out.push_back(cron(it->second));
  }
  return out;
}

void Triggers::put_cron(model::Cron cron) {
  // An existing entry is updated in place, not erased and inserted again: callers hold pointers
  // to it across this call (runcronmsg's handler reschedules the cron it looked up), and erasing
  // freed the entry under them (found by the payloads fuzz target).
  if (const auto it = crons_.find(cron.cronid); it != crons_.end()) {
    cron_names_.erase({it->second.colonyname, it->second.name});
    cron_due_.erase({it->second.nextrun, cron.cronid});
  }
  cron_names_[{cron.colonyname, cron.name}] = cron.cronid;
  if (cron.nextrun > 0) cron_due_.emplace(cron.nextrun, cron.cronid);
  std::string id = cron.cronid;
  crons_.insert_or_assign(std::move(id), std::move(cron));
}

void Triggers::remove_cron(const std::string& cronid) {
  auto it = crons_.find(cronid);
  if (it == crons_.end()) return;
  cron_names_.erase({it->second.colonyname, it->second.name});
  cron_due_.erase({it->second.nextrun, cronid});
  crons_.erase(it);
}

std::vector<std::string> Triggers::due_crons(model::TimeNs now) const {
  std::vector<std::string> out;
  for (const auto& [nextrun, id] : cron_due_) {
    if (nextrun > now) break;
    out.push_back(id);
  }
  return out;
}

// --- generators ---

const model::Generator* Triggers::generator(const std::string& generatorid) const {
  auto it = generators_.find(generatorid);
  return it == generators_.end() ? nullptr : &it->second;
}

model::Generator* Triggers::generator(const std::string& generatorid) {
  auto it = generators_.find(generatorid);
  return it == generators_.end() ? nullptr : &it->second;
}

const model::Generator* Triggers::generator_by_name(const std::string& colony, const std::string& name) const {
  auto it = generator_names_.find({colony, name});
  return it == generator_names_.end() ? nullptr : generator(it->second);
}

std::vector<const model::Generator*> Triggers::generators(const std::string& colony) const {
  std::vector<const model::Generator*> out;
  for (auto it = generator_names_.lower_bound({colony, ""}); it != generator_names_.end() && it->first.first == colony;
       ++it) {
    out.push_back(generator(it->second));
  }
  return out;
}

std::vector<const model::Generator*> Triggers::all_generators() const {
  std::vector<const model::Generator*> out;
  out.reserve(generators_.size());
  for (const auto& [id, g] : generators_) out.push_back(&g);
  return out;
}

void Triggers::put_generator(model::Generator generator) {
  if (auto* old = this->generator(generator.generatorid)) generator_names_.erase({old->colonyname, old->name});
  generator_names_[{generator.colonyname, generator.name}] = generator.generatorid;
  std::string id = generator.generatorid;
  generators_.insert_or_assign(std::move(id), std::move(generator));
}

void Triggers::remove_generator(const std::string& generatorid) {
  auto it = generators_.find(generatorid);
  if (it == generators_.end()) return;
  generator_names_.erase({it->second.colonyname, it->second.name});
  generators_.erase(it);
  queues_.erase(generatorid);
  last_seq_.erase(generatorid);
}

void Triggers::enqueue(model::GeneratorArg arg) {
  std::int64_t& last = last_seq_[arg.generatorid];
  last = std::max(last, arg.seq);
  queues_[arg.generatorid].push_back(std::move(arg));
}

std::int64_t Triggers::next_seq(const std::string& generatorid) const {
  auto it = last_seq_.find(generatorid);
  return it == last_seq_.end() ? 1 : it->second + 1;
}

const std::deque<model::GeneratorArg>& Triggers::queue(const std::string& generatorid) const {
  static const std::deque<model::GeneratorArg> kEmpty;
  auto it = queues_.find(generatorid);
  return it == queues_.end() ? kEmpty : it->second;
}

std::vector<model::GeneratorArg> Triggers::take(const std::string& generatorid, std::size_t n) {
  std::vector<model::GeneratorArg> out;
  auto it = queues_.find(generatorid);
  if (it == queues_.end()) return out;
  n = std::min(n, it->second.size());
  out.assign(std::make_move_iterator(it->second.begin()), std::make_move_iterator(it->second.begin() + n));
  it->second.erase(it->second.begin(), it->second.begin() + n);
  return out;
}

void Triggers::give_back(const std::string& generatorid, std::vector<model::GeneratorArg> args) {
  auto& q = queues_[generatorid];
  q.insert(q.begin(), std::make_move_iterator(args.begin()), std::make_move_iterator(args.end()));
}

std::vector<model::Cron*> Triggers::crons_started(const std::string& processgraphid) {
  std::vector<model::Cron*> out;
  for (auto& [id, c] : crons_) {
    if (c.prevprocessgraphid == processgraphid) out.push_back(&c);
  }
  return out;
}

void Triggers::remove_colony(const std::string& colony) {
  std::vector<std::string> doomed;
  for (const auto* c : crons(colony)) doomed.push_back(c->cronid);
  for (const auto& id : doomed) remove_cron(id);
  doomed.clear();
  for (const auto* g : generators(colony)) doomed.push_back(g->generatorid);
  for (const auto& id : doomed) remove_generator(id);
}

}  // namespace colonies::server::triggers
