// The LeaderElection adapter of a server that runs alone: it is always the leader, in epoch 1,
// and the only member. This is the default; the etcd adapter replaces it when several servers
// share a PostgreSQL store.
#pragma once

#include "core/ports/leader_election.hpp"

namespace colonies::cluster {

class SingleServer final : public ports::LeaderElection {
 public:
  // `name` and `url` describe this server in `colonies cluster info`.
  SingleServer(std::string name, std::string url);

  bool is_leader() const override;
  std::int64_t epoch() const override;
  std::optional<ports::ClusterMember> leader() const override;
  Result<std::vector<ports::ClusterMember>> members() const override;

 private:
  ports::ClusterMember self_;
};

}  // namespace colonies::cluster
