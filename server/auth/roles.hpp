// Role checks of reference/colonies-spec.md section 1: server owner, colony owner, and colony
// members (approved executors, or users). The colony owner and the server owner are not members.
// Every check fails closed: an unknown colony, an unknown caller or a pending executor is a 403
// that does not reveal whether the colony exists.
#pragma once

#include <string>

#include "core/error/error.hpp"
#include "server/registry/registry.hpp"

namespace colonies::server::auth {

Status require_server_owner(const registry::Registry& reg, const std::string& caller);
Status require_colony_owner(const registry::Registry& reg, const std::string& caller, const std::string& colony);
// A user of the colony, or an executor of it (APPROVED unless `approved_only` is false; never
// REJECTED or UNREGISTERED).
Status require_member(const registry::Registry& reg, const std::string& caller, const std::string& colony,
                      bool approved_only = true);
// The caller must be an executor of the colony (APPROVED unless `approved_only` is false).
Result<const registry::ExecutorEntry*> require_executor(const registry::Registry& reg, const std::string& caller,
                                                        const std::string& colony, bool approved_only = true);
// The caller's name in the colony (executor or user name), for initiatorname.
std::string member_name(const registry::Registry& reg, const std::string& caller, const std::string& colony);

}  // namespace colonies::server::auth
