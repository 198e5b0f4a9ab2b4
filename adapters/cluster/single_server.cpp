// A lone server leads from the start and never loses leadership.
#include "adapters/cluster/single_server.hpp"

namespace colonies::cluster {

bool SingleServer::is_leader() const { return true; }
std::int64_t SingleServer::epoch() const { return 1; }

}  // namespace colonies::cluster
