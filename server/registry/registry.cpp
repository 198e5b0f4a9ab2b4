// Registry maps. Per-colony lookups use ordered maps keyed (colony, name) so a colony's entries
// are one range; ID lookups scan a colony's range (colonies hold tens to thousands of entries).
#include "server/registry/registry.hpp"

#include <algorithm>

namespace colonies::server::registry {

namespace {
template <class Map>
auto colony_range(Map& map, const std::string& colony) {
  auto first = map.lower_bound({colony, std::string()});
  auto last = first;
  while (last != map.end() && last->first.first == colony) ++last;
  return std::make_pair(first, last);
}
}  // namespace

const model::Colony* Registry::colony(const std::string& name) const {
  auto it = colonies_.find(name);
  return it == colonies_.end() ? nullptr : &it->second;
}

std::vector<const model::Colony*> Registry::colonies() const {
  std::vector<const model::Colony*> out;
  for (const auto& [_, c] : colonies_) out.push_back(&c);
  return out;
}

void Registry::put_colony(model::Colony colony) {
  std::string name = colony.name;
  colonies_.insert_or_assign(std::move(name), std::move(colony));
}

void Registry::remove_colony(const std::string& name) {
  colonies_.erase(name);
  auto erase_range = [&](auto& map) {
    auto [first, last] = colony_range(map, name);
    map.erase(first, last);
  };
  erase_range(users_);
  erase_range(executors_);
  erase_range(locations_);
  std::erase_if(functions_, [&](const auto& kv) { return kv.second.colonyname == name; });
}

const model::User* Registry::user(const std::string& colony, const std::string& name) const {
  auto it = users_.find({colony, name});
  return it == users_.end() ? nullptr : &it->second;
}

const model::User* Registry::user_by_id(const std::string& colony, const std::string& id) const {
  auto [first, last] = colony_range(users_, colony);
  for (auto it = first; it != last; ++it) {
    if (it->second.userid == id) return &it->second;
  }
  return nullptr;
}

std::vector<const model::User*> Registry::users(const std::string& colony) const {
  std::vector<const model::User*> out;
  auto [first, last] = colony_range(users_, colony);
  for (auto it = first; it != last; ++it) out.push_back(&it->second);
  return out;
}

void Registry::put_user(model::User user) {
  Key key{user.colonyname, user.name};
  users_.insert_or_assign(std::move(key), std::move(user));
}

void Registry::remove_user(const std::string& colony, const std::string& name) { users_.erase({colony, name}); }

ExecutorEntry* Registry::executor(const std::string& colony, const std::string& name) {
  auto it = executors_.find({colony, name});
  return it == executors_.end() ? nullptr : &it->second;
}

const ExecutorEntry* Registry::executor(const std::string& colony, const std::string& name) const {
  auto it = executors_.find({colony, name});
  return it == executors_.end() ? nullptr : &it->second;
}

ExecutorEntry* Registry::executor_by_id(const std::string& colony, const std::string& id) {
  auto [first, last] = colony_range(executors_, colony);
  for (auto it = first; it != last; ++it) {
    if (it->second.executor.executorid == id && it->second.executor.state != model::ExecutorState::Unregistered) {
      return &it->second;
    }
  }
  return nullptr;
}

const ExecutorEntry* Registry::executor_by_id(const std::string& colony, const std::string& id) const {
  return const_cast<Registry*>(this)->executor_by_id(colony, id);
}

std::vector<ExecutorEntry*> Registry::executors(const std::string& colony) {
  std::vector<ExecutorEntry*> out;
  auto [first, last] = colony_range(executors_, colony);
  for (auto it = first; it != last; ++it) out.push_back(&it->second);
  return out;
}

std::vector<ExecutorEntry*> Registry::all_executors() {
  std::vector<ExecutorEntry*> out;
  for (auto& [_, e] : executors_) out.push_back(&e);
  return out;
}

Status Registry::put_executor(model::Executor executor) {
  COLONIES_TRY(profile, scheduler::make_profile(executor.capabilities));
  Key key{executor.colonyname, executor.executorname};
  auto& entry = executors_[key];
  if (entry.executor.executorid != executor.executorid) entry.persisted_heard = 0;
  entry.executor = std::move(executor);
  entry.profile = std::move(profile);
  return ok();
}

void Registry::remove_executor(const std::string& colony, const std::string& name) {
  executors_.erase({colony, name});
}

const model::Location* Registry::location(const std::string& colony, const std::string& name) const {
  auto it = locations_.find({colony, name});
  return it == locations_.end() ? nullptr : &it->second;
}

std::vector<const model::Location*> Registry::locations(const std::string& colony) const {
  std::vector<const model::Location*> out;
  auto [first, last] = colony_range(locations_, colony);
  for (auto it = first; it != last; ++it) out.push_back(&it->second);
  return out;
}

void Registry::put_location(model::Location location) {
  Key key{location.colonyname, location.name};
  locations_.insert_or_assign(std::move(key), std::move(location));
}

void Registry::remove_location(const std::string& colony, const std::string& name) {
  locations_.erase({colony, name});
}

model::Function* Registry::function(const std::string& id) {
  auto it = functions_.find(id);
  return it == functions_.end() ? nullptr : &it->second;
}

model::Function* Registry::function_for(const std::string& colony, const std::string& executorname,
                                        const std::string& funcname) {
  for (auto& [_, f] : functions_) {
    if (f.colonyname == colony && f.executorname == executorname && f.funcname == funcname) return &f;
  }
  return nullptr;
}

std::vector<const model::Function*> Registry::functions(const std::string& colony,
                                                        const std::string& executorname) const {
  std::vector<const model::Function*> out;
  for (const auto& [_, f] : functions_) {
    if (f.colonyname == colony && (executorname.empty() || f.executorname == executorname)) out.push_back(&f);
  }
  return out;
}

void Registry::put_function(model::Function function) {
  std::string id = function.functionid;
  functions_.insert_or_assign(std::move(id), std::move(function));
}

void Registry::remove_function(const std::string& id) { functions_.erase(id); }

std::vector<std::string> Registry::remove_functions_of(const std::string& colony, const std::string& executorname) {
  std::vector<std::string> ids;
  for (auto it = functions_.begin(); it != functions_.end();) {
    if (it->second.colonyname == colony && it->second.executorname == executorname) {
      ids.push_back(it->first);
      it = functions_.erase(it);
    } else {
      ++it;
    }
  }
  return ids;
}

}  // namespace colonies::server::registry
