// The in-memory directory of a server: its owner, colonies, users, executors (with parsed
// capability profiles), locations and registered functions. Small, read on every request for
// role checks, so it lives in memory; the store holds the durable copy. Not thread-safe: the
// broker calls it under its lock.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/model/entities.hpp"
#include "core/model/executor.hpp"
#include "server/scheduler/matching.hpp"

namespace colonies::server::registry {

struct ExecutorEntry {
  model::Executor executor;
  scheduler::ExecutorProfile profile;
  model::TimeNs persisted_heard = 0;  // lastheardfromtime last written to the store
};

class Registry {
 public:
  std::optional<std::string> server_id;

  const model::Colony* colony(const std::string& name) const;
  std::vector<const model::Colony*> colonies() const;
  void put_colony(model::Colony colony);
  // Removes the colony and its users, executors, locations and functions.
  void remove_colony(const std::string& name);

  const model::User* user(const std::string& colony, const std::string& name) const;
  const model::User* user_by_id(const std::string& colony, const std::string& id) const;
  std::vector<const model::User*> users(const std::string& colony) const;
  void put_user(model::User user);
  void remove_user(const std::string& colony, const std::string& name);

  ExecutorEntry* executor(const std::string& colony, const std::string& name);
  const ExecutorEntry* executor(const std::string& colony, const std::string& name) const;
  ExecutorEntry* executor_by_id(const std::string& colony, const std::string& id);
  const ExecutorEntry* executor_by_id(const std::string& colony, const std::string& id) const;
  std::vector<ExecutorEntry*> executors(const std::string& colony);
  std::vector<ExecutorEntry*> all_executors();
  // Stores the executor and parses its capabilities (BadRequest if they do not parse).
  Status put_executor(model::Executor executor);
  void remove_executor(const std::string& colony, const std::string& name);

  const model::Location* location(const std::string& colony, const std::string& name) const;
  std::vector<const model::Location*> locations(const std::string& colony) const;
  void put_location(model::Location location);
  void remove_location(const std::string& colony, const std::string& name);

  model::Function* function(const std::string& id);
  model::Function* function_for(const std::string& colony, const std::string& executorname,
                                const std::string& funcname);
  std::vector<const model::Function*> functions(const std::string& colony, const std::string& executorname) const;
  void put_function(model::Function function);
  void remove_function(const std::string& id);
  // Removes the functions of one executor; returns their IDs.
  std::vector<std::string> remove_functions_of(const std::string& colony, const std::string& executorname);

 private:
  using Key = std::pair<std::string, std::string>;  // (colony, name)
  std::map<std::string, model::Colony> colonies_;
  std::map<Key, model::User> users_;
  std::map<Key, ExecutorEntry> executors_;
  std::map<Key, model::Location> locations_;
  std::map<std::string, model::Function> functions_;
};

}  // namespace colonies::server::registry
