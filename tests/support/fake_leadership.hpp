// FakeLeadership: a LeaderElection whose answer the test sets, to check what runs only on the
// leader (crons, generators) and what stops when leadership is lost.
#pragma once

#include <atomic>

#include "core/ports/leader_election.hpp"

namespace colonies::testing {

class FakeLeadership final : public ports::LeaderElection {
 public:
  bool is_leader() const override { return leader_.load(); }
  std::int64_t epoch() const override { return leader_.load() ? epoch_.load() : 0; }
  std::optional<ports::ClusterMember> leader() const override {
    if (!leader_.load()) return std::nullopt;
    return ports::ClusterMember{"test", "http://127.0.0.1:0", true};
  }
  Result<std::vector<ports::ClusterMember>> members() const override {
    return std::vector<ports::ClusterMember>{ports::ClusterMember{"test", "http://127.0.0.1:0", leader_.load()}};
  }
  // Gaining leadership starts a new epoch.
  void set_leader(bool leader) {
    if (leader && !leader_.load()) ++epoch_;
    leader_ = leader;
  }

 private:
  std::atomic<bool> leader_{true};
  std::atomic<std::int64_t> epoch_{1};
};

}  // namespace colonies::testing
