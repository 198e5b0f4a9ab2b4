// Role checks. Messages name the role needed so callers learn which key to use.
#include "server/auth/roles.hpp"

namespace colonies::server::auth {

Status require_server_owner(const registry::Registry& reg, const std::string& caller) {
  if (!reg.server_id || caller.empty() || *reg.server_id != caller) {
    return fail(ErrorCode::Forbidden, "only the server owner may do this (sign with the server's private key)");
  }
  return ok();
}

Status require_colony_owner(const registry::Registry& reg, const std::string& caller, const std::string& colony) {
  const model::Colony* c = reg.colony(colony);
  if (!c || caller.empty() || c->colonyid != caller) {
    return fail(ErrorCode::Forbidden, "only the owner of colony '{}' may do this (sign with the colony's private key)",
                colony);
  }
  return ok();
}

Result<const registry::ExecutorEntry*> require_executor(const registry::Registry& reg, const std::string& caller,
                                                        const std::string& colony, bool approved_only) {
  const registry::ExecutorEntry* e = caller.empty() ? nullptr : reg.executor_by_id(colony, caller);
  if (!e || e->executor.state == model::ExecutorState::Rejected ||
      (approved_only && e->executor.state != model::ExecutorState::Approved)) {
    return fail(ErrorCode::Forbidden, "only an {}executor of colony '{}' may do this", approved_only ? "approved " : "",
                colony);
  }
  return e;
}

Status require_member(const registry::Registry& reg, const std::string& caller, const std::string& colony,
                      bool approved_only) {
  if (!caller.empty() && reg.colony(colony)) {
    if (reg.user_by_id(colony, caller)) return ok();
    if (require_executor(reg, caller, colony, approved_only)) return ok();
  }
  return fail(ErrorCode::Forbidden, "not a member of colony '{}' (members are its users and {}executors)", colony,
              approved_only ? "approved " : "");
}

std::string member_name(const registry::Registry& reg, const std::string& caller, const std::string& colony) {
  if (const auto* e = reg.executor_by_id(colony, caller)) return e->executor.executorname;
  if (const auto* u = reg.user_by_id(colony, caller)) return u->name;
  return {};
}

}  // namespace colonies::server::auth
