// LeaderElection port: whether this server may run the leader-only work (crons, generators,
// retention). A single server is always the leader (adapters/cluster/single_server.hpp); with
// high availability an etcd-backed adapter answers, and `epoch` fences writes of a deposed leader.
#pragma once

#include <cstdint>

namespace colonies::ports {

class LeaderElection {
 public:
  virtual ~LeaderElection() = default;
  // Thread-safe and cheap: called on every scheduler tick.
  virtual bool is_leader() const = 0;
  // Increases every time leadership changes hands; 0 when this server has never led.
  virtual std::int64_t epoch() const = 0;
};

}  // namespace colonies::ports
