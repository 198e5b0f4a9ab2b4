// The bridge between the transport's WebSocket connections and the broker's subscriptions: the
// first text frame of a connection is a subscribe envelope, and the connection is the
// subscription's Stream. Here, and only here, "the peer cannot keep up" becomes the close reason
// "subscriber too slow: N events queued". Part of the composition root; no logic beyond that.
#pragma once

#include "adapters/transport/http/http_server.hpp"
#include "server/main/node.hpp"

namespace colonies::server {

// The WsAcceptor for HttpServer::start: one subscription per connection, served by the node's
// broker (a follower refuses it with 503 naming the leader: subscribe there).
transport::WsAcceptor make_subscription_acceptor(Node& node);

}  // namespace colonies::server
