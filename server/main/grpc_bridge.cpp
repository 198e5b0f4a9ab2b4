// gRPC call -> Node::handle, gRPC stream -> realtime::Stream -> Broker::subscribe.
#include "server/main/grpc_bridge.hpp"

#include <memory>
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

transport::GrpcSubscribeHandler make_grpc_subscribe_handler(Node& node, boost::asio::io_context& io) {
  return [&node, &io](std::string envelope, std::shared_ptr<transport::GrpcSubscription> subscription) {
    auto stream = std::make_shared<GrpcStream>(subscription);
    boost::asio::post(io, [&node, stream, subscription, envelope = std::move(envelope)]() mutable {
      auto* broker = node.broker();
      if (broker == nullptr) {
        const auto message = node.not_leading_message();
        subscription->finish(GrpcCode::Unavailable, message, protocol::encode_error_reply(503, message));
        return;
      }
      broker->subscribe(std::move(envelope), stream);
    });
    return std::function<void()>([&node, stream] {
      if (auto* broker = node.broker()) broker->unsubscribe(stream.get());
    });
  };
}

}  // namespace colonies::server
