// WsForwarder: relays one WebSocket subscription to another server, asynchronously on the
// caller's io_context. A follower of a cluster opens one for each subscription a client makes
// with it (docs/ha.md): the client's first frame — its signed subscribe envelope, untouched — goes
// to the leader's /api/ws, and every frame the leader sends comes back through `on_frame`, so the
// leader authenticates the subscriber itself and a relay cannot speak for anyone.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "adapters/transport/http/http_forwarder.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace colonies::transport {

struct WsRelayHandlers {
  // Every text frame from the peer, in order, one at a time.
  std::function<void(std::string frame)> on_frame;
  // Once, when the relay is over: the peer's close code and reason (RFC 6455), or code 0 and why
  // when the connection could not be made or was lost without a close frame. Not called after
  // close().
  std::function<void(int code, std::string reason)> on_end;
};

class WsRelay {
 public:
  virtual ~WsRelay() = default;
  // Ends the relay from this side (the subscriber went away): a normal close to the peer.
  // Any thread; idempotent. No handler runs once it returned.
  virtual void close() = 0;
};

class WsForwarder {
 public:
  explicit WsForwarder(boost::asio::io_context& io) : io_(io) {}

  // Connects to `to`, upgrades `path`, sends `first_frame`, then passes the peer's frames on.
  // `connect_timeout` covers resolve, connect, handshake and the first write; afterwards the
  // connection lives as long as both sides want it (pings keep a dead peer from lingering).
  std::shared_ptr<WsRelay> open(const ForwardTarget& to, std::string path, std::string first_frame,
                                std::chrono::milliseconds connect_timeout, WsRelayHandlers handlers);

 private:
  boost::asio::io_context& io_;
};

}  // namespace colonies::transport
