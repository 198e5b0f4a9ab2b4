// Node: what this coloniesd is in its cluster, and the broker it runs while it leads. A single
// server leads from the start. In a cluster (docs/ha.md) a server starts as a follower: it relays
// every API call to the leader (the caller's signed envelope, untouched) and, when the election
// makes it leader, claims the store with its epoch, rebuilds the broker from the store and
// answers calls itself. A leader that loses its lease, or finds the store claimed by a newer
// epoch, stops the process at once (exit code 3): it must not write, and its supervisor starts
// it again as a follower. Part of the composition root.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include "adapters/transport/http/http_forwarder.hpp"
#include "adapters/transport/http/http_server.hpp"
#include "adapters/transport/http/ws_forwarder.hpp"
#include "core/metrics/counter.hpp"
#include "server/api/broker.hpp"

namespace colonies::server {

// An HTTP reply as the transport sends it.
struct EncodedReply {
  int status = 200;
  std::string body;
};
using EncodedReplyFn = std::function<void(EncodedReply)>;

// The subscriber end of a relayed subscription, whatever its transport (WebSocket, gRPC stream).
struct RelayedSubscriber {
  // Passes one frame on; false when the subscriber is gone or was cut off for reading too slowly.
  std::function<bool(std::string frame)> send;
  // Ends the subscription with a WebSocket close code (RFC 6455) and reason; the transport maps
  // it to its own ending.
  std::function<void(int code, std::string reason)> close;
};

struct NodeOptions {
  bool clustered = false;       // false: a single server, leading from start() on
  std::string member_name;      // this server in the cluster (logs, the store's fence holder)
  std::string initial_server_id;
  // How long a relayed call waits for a leader to appear (an election under way, a leader
  // that died) before the caller gets 503.
  std::chrono::milliseconds relay_patience{15000};
};

class Node {
 public:
  Node(api::BrokerDeps deps, api::BrokerOptions broker_options, NodeOptions options, boost::asio::io_context& io);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // A single server: builds the broker now (the store must load). A cluster member: nothing yet;
  // tick() takes the lead when the election gives it.
  Status start();

  // One POST /api body: answered here while leading, relayed to the leader otherwise. The reply
  // comes on an io thread. `alive` says whether the caller is still connected.
  void handle(std::string body, EncodedReplyFn reply, std::function<bool()> alive);

  // Call every few tens of milliseconds: the broker's deadlines while leading; taking the lead
  // when elected; stopping the process when deposed or fenced.
  void tick();

  // The broker, or nullptr while following. Once set it stays until the process ends.
  api::Broker* broker() const { return active_.load(); }
  void shutdown();
  // A follower's subscription: `first_frame` (the subscriber's signed subscribe envelope) goes
  // to the leader's WebSocket and the leader's frames come back through `subscriber`. When the
  // leader goes away the subscriber is closed with 1012 (service restart), and with 1013 (try
  // again later) after a 503 error frame when no leader is known: the SDK subscribes again
  // (docs/ha.md). Returns the relay to close when the subscriber leaves, or nullptr when there
  // is none.
  std::shared_ptr<transport::WsRelay> relay_subscription(std::string first_frame, RelayedSubscriber subscriber);

  // API calls this server relayed to the leader while following (GET /metrics).
  std::uint64_t relayed() const { return relayed_.value(); }
  bool clustered() const { return options_.clustered; }

  // The body of GET /health, and whether it is healthy.
  std::pair<bool, boost::json::object> health();

 private:
  struct Relay;
  Status lead();
  void relay(std::shared_ptr<Relay> call);
  void retry_later(std::shared_ptr<Relay> call);
  [[noreturn]] void step_down(const std::string& why);

  api::BrokerDeps deps_;
  api::BrokerOptions broker_options_;
  NodeOptions options_;
  boost::asio::io_context& io_;
  transport::HttpForwarder forwarder_;
  transport::WsForwarder ws_forwarder_;
  std::unique_ptr<api::Broker> broker_;
  std::atomic<api::Broker*> active_{nullptr};
  std::atomic<bool> taking_lead_{false};
  std::atomic<std::int64_t> led_epoch_{0};
  std::chrono::steady_clock::time_point next_attempt_{};
  metrics::Counter relayed_;
};

}  // namespace colonies::server
