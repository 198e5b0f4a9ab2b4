// The bridge between the gRPC service and the node, as ws_bridge is for WebSocket: a Call is one
// POST /api body for Node::handle, a Subscribe stream is the subscription's realtime::Stream.
// Here, and only here, "the peer cannot keep up" becomes RESOURCE_EXHAUSTED with the WebSocket's
// reason text. Part of the composition root; no logic beyond that.
#pragma once

#include <boost/asio/io_context.hpp>

#include "adapters/transport/grpc/grpc_server.hpp"
#include "server/main/node.hpp"

namespace colonies::server {

// Handlers for GrpcServer::start. Replies come on `io` (Node::handle posts them there); work that
// needs the io threads (relaying, subscribing) is posted to them.
transport::GrpcCallHandler make_grpc_call_handler(Node& node, boost::asio::io_context& io);
// One subscription per stream, served by the node's broker; a follower ends the stream with
// UNAVAILABLE naming the leader.
transport::GrpcSubscribeHandler make_grpc_subscribe_handler(Node& node, boost::asio::io_context& io);

}  // namespace colonies::server
