// gRPC call -> Node::handle, gRPC stream -> realtime::Stream -> Broker::subscribe.
#include "server/main/grpc_bridge.hpp"

#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include "core/protocol/envelope.hpp"

namespace colonies::server {

namespace {

using protocol::GrpcCode;

class GrpcStream final : public realtime::Stream {
 public:
  explicit GrpcStream(std::shared_ptr<transport::GrpcSubscription> stream) : stream_(std::move(stream)) {}

  bool send(std::string frame) override {
    switch (stream_->send(std::move(frame))) {
      case transport::GrpcSubscription::SendResult::Queued:
        return true;
      case transport::GrpcSubscription::SendResult::Full:
        // Fails closed on memory: a subscriber that does not read is cut off, never buffered for.
        stream_->finish(GrpcCode::ResourceExhausted,
                        fmt::format("subscriber too slow: {} events queued", stream_->queued()));
        return false;
      case transport::GrpcSubscription::SendResult::Closed:
        return false;
    }
    return false;
  }

  void end(std::string reason) override { stream_->finish(GrpcCode::Ok, std::move(reason)); }

 private:
  std::shared_ptr<transport::GrpcSubscription> stream_;
};

}  // namespace

transport::GrpcCallHandler make_grpc_call_handler(Node& node, boost::asio::io_context& io) {
  return [&node, &io](std::string body, transport::GrpcReplyFn reply, std::function<bool()> alive) {
    auto answer = [reply = std::move(reply)](EncodedReply r) { reply(r.status, std::move(r.body)); };
    // A leader's broker takes calls from any thread (the HTTP server calls it from several), so
    // the call skips a hop; relaying uses the io threads' forwarder, so a follower's goes there.
    if (node.broker() != nullptr) {
      node.handle(std::move(body), std::move(answer), std::move(alive));
      return;
    }
    boost::asio::post(io, [&node, body = std::move(body), answer = std::move(answer), alive = std::move(alive)]() mutable {
      node.handle(std::move(body), std::move(answer), std::move(alive));
    });
  };
}

namespace {

// How a relayed subscription's WebSocket close code ends a gRPC stream: a normal end is OK, a
// subscriber cut off for reading too slowly RESOURCE_EXHAUSTED, anything else (the leader went
// away, no leader yet) UNAVAILABLE, which the SDK takes as a reason to subscribe again.
GrpcCode grpc_code_of_close(int code) {
  if (code == 1000) return GrpcCode::Ok;
  if (code == 1008) return GrpcCode::ResourceExhausted;
  return GrpcCode::Unavailable;
}

}  // namespace

transport::GrpcSubscribeHandler make_grpc_subscribe_handler(Node& node, boost::asio::io_context& io) {
  return [&node, &io](std::string envelope, std::shared_ptr<transport::GrpcSubscription> subscription) {
    auto stream = std::make_shared<GrpcStream>(subscription);
    // Set on an io thread before the relay can end; read by the cancel callback (any thread).
    auto relay = std::make_shared<std::shared_ptr<transport::WsRelay>>();
    auto relay_mu = std::make_shared<std::mutex>();
    boost::asio::post(io, [&node, stream, subscription, relay, relay_mu, envelope = std::move(envelope)]() mutable {
      if (auto* broker = node.broker()) {
        broker->subscribe(std::move(envelope), stream);
        return;
      }
      RelayedSubscriber subscriber;
      subscriber.send = [stream](std::string frame) { return stream->send(std::move(frame)); };
      subscriber.close = [subscription](int code, std::string reason) {
        subscription->finish(grpc_code_of_close(code), std::move(reason));
      };
      auto opened = node.relay_subscription(std::move(envelope), std::move(subscriber));
      std::lock_guard lock(*relay_mu);
      *relay = std::move(opened);
    });
    return std::function<void()>([&node, stream, relay, relay_mu] {
      {
        std::lock_guard lock(*relay_mu);
        if (*relay) (*relay)->close();
      }
      if (auto* broker = node.broker()) broker->unsubscribe(stream.get());
    });
  };
}

}  // namespace colonies::server
