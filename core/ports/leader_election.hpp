// LeaderElection port: whether this server may run the leader-only work (the scheduler, crons,
// generators, retention) and, in a cluster, who leads and who else is there. A single server is
// always the leader (adapters/cluster/single_server.hpp); with high availability the etcd adapter
// (adapters/cluster/etcd_cluster.hpp) answers, and `epoch` fences writes of a deposed leader
// (docs/ha.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error/error.hpp"

namespace colonies::ports {

// One server of a cluster, as it registered itself.
struct ClusterMember {
  std::string name;  // unique in the cluster (coloniesd --cluster-name)
  std::string url;   // where the other members reach its API, e.g. "http://10.1.0.5:50080"
  bool leader = false;
};

class LeaderElection {
 public:
  virtual ~LeaderElection() = default;
  // Thread-safe and cheap: called on every scheduler tick and on every request.
  virtual bool is_leader() const = 0;
  // While leading: a number larger than that of every earlier leader of this cluster (etcd's
  // revision of the leader key); 0 when not leading.
  virtual std::int64_t epoch() const = 0;
  // The leader as this server last observed it; empty while an election is under way. Cheap.
  virtual std::optional<ClusterMember> leader() const = 0;
  // Every member currently alive (registered with a live lease), the leader flagged. May block
  // on the coordinator for a short while.
  virtual Result<std::vector<ClusterMember>> members() const = 0;
};

}  // namespace colonies::ports
