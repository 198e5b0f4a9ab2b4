// Which requests the audit ledger records (docs/audit.md): every signed request of a message type
// that can change state, whatever its outcome. The list kept here is the opposite one, the
// read-only types, so that a new message is recorded unless someone decides it only reads.
#pragma once

#include <string_view>

namespace colonies::server::audit {

// False for the read-only message types (get*, search, channel reads, subscriptions, versions).
bool is_recorded(std::string_view msgtype);

}  // namespace colonies::server::audit
