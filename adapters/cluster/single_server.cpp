// A lone server leads from the start and never loses leadership.
#include "adapters/cluster/single_server.hpp"

namespace colonies::cluster {

SingleServer::SingleServer(std::string name, std::string url)
    : self_{std::move(name), std::move(url), true} {}

bool SingleServer::is_leader() const { return true; }
std::int64_t SingleServer::epoch() const { return 1; }
std::optional<ports::ClusterMember> SingleServer::leader() const { return self_; }
Result<std::vector<ports::ClusterMember>> SingleServer::members() const {
  return std::vector<ports::ClusterMember>{self_};
}

}  // namespace colonies::cluster
