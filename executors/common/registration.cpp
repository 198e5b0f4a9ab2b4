// Executor registration at start (see registration.hpp).
#include "executors/common/registration.hpp"

#include <spdlog/spdlog.h>

namespace colonies::executors {

bool is_transient(const Error& error) {
  switch (error.code) {
    case ErrorCode::Unavailable:
    case ErrorCode::Timeout:
    case ErrorCode::RateLimited:
    case ErrorCode::Internal:
      return true;
    default:
      return false;
  }
}

namespace {

Status name_taken(const RuntimeConfig& config, const std::string& other_id) {
  return fail(ErrorCode::Conflict,
              "executor name '{}' in colony '{}' is already registered with another key{}; use that executor's "
              "private key, choose another name with --name, or remove the old registration with "
              "`colonies executor remove --name {}`",
              config.executor_name, config.colony_name, other_id.empty() ? "" : " (executor ID " + other_id + ")",
              config.executor_name);
}

// After addexecutormsg said Conflict: is it us (a restart) or a mix-up? The executor's own key can
// list the colony's executors once it is registered (approved or not); if it cannot, the name
// belongs to another key.
Status resolve_conflict(const RuntimeConfig& config, client::Client& owner, client::Client& self) {
  const std::string my_id = self.id();
  auto executors = self.get_executors(config.colony_name);
  if (!executors) {
    if (executors.error().code != ErrorCode::Forbidden) return std::unexpected(executors.error());
    auto other = owner.get_executor(config.colony_name, config.executor_name);
    return name_taken(config, other ? other->executorid : std::string());
  }
  for (const auto& e : *executors) {
    if (e.executorname == config.executor_name && e.state != model::ExecutorState::Unregistered) {
      return e.executorid == my_id ? ok() : name_taken(config, e.executorid);
    }
  }
  for (const auto& e : *executors) {
    if (e.executorid == my_id && e.state != model::ExecutorState::Unregistered) {
      return fail(ErrorCode::Conflict,
                  "this executor's private key is already registered in colony '{}' as executor '{}'; run with "
                  "--name {} or generate a new key for '{}'",
                  config.colony_name, e.executorname, e.executorname, config.executor_name);
    }
  }
  return fail(ErrorCode::Conflict, "the server refused registering executor '{}' as a duplicate but lists no such "
              "executor in colony '{}'; try again, or ask the colony owner to check `colonies executor ls`",
              config.executor_name, config.colony_name);
}

Status add_and_approve(const RuntimeConfig& config, client::Client& owner, client::Client& self) {
  model::Executor executor;
  executor.executorid = self.id();
  executor.executortype = config.executor_type;
  executor.executorname = config.executor_name;
  executor.colonyname = config.colony_name;
  executor.locationname = config.location;
  executor.capabilities = config.capabilities;
  auto added = owner.add_executor(executor);
  if (added) {
    spdlog::info("registered executor '{}' (type '{}') in colony '{}'", config.executor_name, config.executor_type,
                 config.colony_name);
  } else if (added.error().code == ErrorCode::Conflict) {
    // A restart registers again: the same name with the same key is fine, anything else is a
    // mix-up the user has to resolve, and the message says how.
    COLONIES_CHECK(resolve_conflict(config, owner, self));
  } else if (added.error().code == ErrorCode::Forbidden) {
    return fail(ErrorCode::Forbidden,
                "the colony private key (COLONIES_COLONY_PRVKEY) is not the owner of colony '{}' ({}); pass the key "
                "the colony was created with, or leave it out and have the owner add and approve this executor",
                config.colony_name, added.error().message);
  } else {
    return std::unexpected(added.error());
  }
  auto approved = owner.approve_executor(config.colony_name, config.executor_name);
  if (!approved) return std::unexpected(approved.error());
  return ok();
}

}  // namespace

Status ensure_registered(const RuntimeConfig& config, client::Client* owner, client::Client& self) {
  if (owner) COLONIES_CHECK(add_and_approve(config, *owner, self));
  auto updated = self.update_executor_capabilities(config.colony_name, config.executor_name, config.capabilities);
  if (!updated) {
    if (is_transient(updated.error())) return std::unexpected(updated.error());
    // Most likely not approved yet; the pull loop says so again with what to do.
    spdlog::warn("could not publish the executor's capabilities: {}", updated.error().message);
  }
  return ok();
}

}  // namespace colonies::executors
