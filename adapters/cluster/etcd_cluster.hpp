// EtcdCluster: the LeaderElection adapter of a cluster of coloniesd sharing one PostgreSQL
// (docs/ha.md). It holds an etcd lease, registers this server under <prefix>/members/<name>
// and campaigns for <prefix>/leader with that lease; the epoch is the revision at which it
// created the leader key, so every later leader's epoch is larger. It stops claiming the lead
// (locally, before etcd could let anyone else win) when its lease may have run out. Speaks
// etcd's v3 HTTP/JSON gateway; it is not a general etcd client and writes no consensus of its own.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "adapters/cluster/etcd_gateway.hpp"
#include "core/ports/leader_election.hpp"

namespace colonies::cluster {

struct EtcdOptions {
  std::vector<std::string> endpoints;  // http://host:port of etcd's client port, at least one
  std::string prefix = "/colonies";    // every key of this cluster lives under it
  // Lease time to live: whole seconds, at least 2 s (etcd's floor). A shorter TTL fails over
  // sooner and costs more keepalives; a longer one rides out longer etcd or network hiccups.
  std::chrono::milliseconds lease_ttl{3000};
  std::string member_name;  // unique in the cluster
  std::string member_url;   // http://host:port where the other members reach this server
  // How long start() keeps trying to reach etcd before it gives up.
  std::chrono::milliseconds start_timeout{10000};
};

class EtcdCluster final : public ports::LeaderElection {
 public:
  // Checks the options, takes a lease and registers this member (retrying for up to
  // start_timeout, with a log line while etcd cannot be reached), then campaigns in the
  // background. Errors: BadRequest (options; the message says which), Unavailable (etcd not
  // reachable within start_timeout).
  static Result<std::unique_ptr<EtcdCluster>> start(EtcdOptions options);

  // Revokes the lease: the member and, if it led, the leader key vanish at once, so another
  // member takes over without waiting for the TTL. Blocks for at most one etcd round trip.
  ~EtcdCluster() override;
  EtcdCluster(const EtcdCluster&) = delete;
  EtcdCluster& operator=(const EtcdCluster&) = delete;

  bool is_leader() const override;
  std::int64_t epoch() const override;
  std::optional<ports::ClusterMember> leader() const override;
  // A fresh read of <prefix>/ from etcd (blocks for at most one round trip per endpoint).
  Result<std::vector<ports::ClusterMember>> members() const override;

  // Tests: stops the background thread without revoking, as a killed process would. The lease
  // then runs out in etcd after the TTL; is_leader() turns false a margin before that.
  void abandon_for_test();

 private:
  using Clock = std::chrono::steady_clock;
  EtcdCluster(EtcdOptions options, EtcdGateway worker, EtcdGateway reader);

  void run();
  // The steps of the background thread; each fails (returns false) when etcd did not answer.
  Status take_lease();
  bool keep_alive();
  bool observe_and_campaign();
  // Whether the local deadline of the lease (see is_leader) has not passed yet. Any thread.
  bool is_lease_alive() const;
  void drop_lease(const std::string& why);
  void lose_lead(const std::string& why);
  std::string members_prefix() const { return options_.prefix + "/members/"; }
  std::string leader_key() const { return options_.prefix + "/leader"; }

  EtcdOptions options_;
  std::chrono::milliseconds margin_;  // is_leader() ends this long before the lease can expire
  EtcdGateway worker_;                // the background thread's
  mutable std::mutex reader_mu_;
  mutable EtcdGateway reader_;        // members()'s

  // Read by any thread.
  std::atomic<bool> leading_{false};
  std::atomic<std::int64_t> epoch_{0};
  std::atomic<Clock::rep> lease_deadline_{0};  // Clock ticks; leading ends here at the latest
  mutable std::mutex leader_mu_;
  std::optional<ports::ClusterMember> leader_;

  // The background thread's own.
  std::int64_t lease_ = 0;
  Clock::time_point next_keepalive_{};

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  bool abandoned_ = false;
  std::thread thread_;
};

}  // namespace colonies::cluster
