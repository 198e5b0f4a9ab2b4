// WebSocket connection -> realtime::Stream, and its frames -> Broker::subscribe.
#include "server/main/ws_bridge.hpp"

#include <memory>
#include <string>

#include <fmt/format.h>

#include "core/protocol/envelope.hpp"

namespace colonies::server {

namespace {

constexpr std::uint16_t kNormalClose = 1000;
constexpr std::uint16_t kPolicyViolation = 1008;

class WsStream final : public realtime::Stream {
 public:
  explicit WsStream(std::shared_ptr<transport::WsConnection> connection) : connection_(std::move(connection)) {}

  bool send(std::string frame) override {
    switch (connection_->send(std::move(frame))) {
      case transport::WsConnection::SendResult::Queued:
        return true;
      case transport::WsConnection::SendResult::Full:
        // Fails closed on memory: a subscriber that does not read is cut off, never buffered for.
        connection_->close(kPolicyViolation,
                           fmt::format("subscriber too slow: {} events queued", connection_->queued()));
        return false;
      case transport::WsConnection::SendResult::Closed:
        return false;
    }
    return false;
  }

  void end(std::string reason) override { connection_->close(kNormalClose, std::move(reason)); }

 private:
  std::shared_ptr<transport::WsConnection> connection_;
};

}  // namespace

transport::WsAcceptor make_subscription_acceptor(Node& node) {
  return [&node](std::shared_ptr<transport::WsConnection> connection, const transport::HttpRequest&) {
    auto stream = std::make_shared<WsStream>(connection);
    // Frames and the close of one connection arrive one at a time (its strand), so plain state
    // is enough.
    struct State {
      bool subscribed = false;
      std::shared_ptr<transport::WsRelay> relay;  // a follower relaying to the leader
    };
    auto state = std::make_shared<State>();
    transport::WsHandlers handlers;
    handlers.on_text = [&node, stream, connection, state](std::string text) {
      if (state->subscribed) {
        stream->send(protocol::encode_error_reply(
            400, "this connection already carries a subscription; open another connection for another one"));
        stream->end("one subscription per connection");
        return;
      }
      state->subscribed = true;
      if (auto* broker = node.broker()) {
        broker->subscribe(std::move(text), stream);
        return;
      }
      RelayedSubscriber subscriber;
      subscriber.send = [stream](std::string frame) { return stream->send(std::move(frame)); };
      subscriber.close = [connection](int code, std::string reason) {
        connection->close(static_cast<std::uint16_t>(code), std::move(reason));
      };
      state->relay = node.relay_subscription(std::move(text), std::move(subscriber));
    };
    handlers.on_closed = [&node, stream, state] {
      if (state->relay) state->relay->close();
      if (auto* broker = node.broker()) broker->unsubscribe(stream.get());
    };
    return handlers;
  };
}

}  // namespace colonies::server
