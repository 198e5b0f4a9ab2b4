// The LeaderElection adapter of a server that runs alone: it is always the leader, in epoch 1.
// This is the default; an etcd-backed adapter replaces it when several servers share a store.
#pragma once

#include "core/ports/leader_election.hpp"

namespace colonies::cluster {

class SingleServer final : public ports::LeaderElection {
 public:
  bool is_leader() const override;
  std::int64_t epoch() const override;
};

}  // namespace colonies::cluster
