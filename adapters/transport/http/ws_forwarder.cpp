// WsForwarder: resolve, connect, upgrade and write the first frame under one deadline, then read
// frames until either side ends. Everything of one relay runs on its own strand; close() from
// another thread only sets a flag and posts the close there.
#include "adapters/transport/http/ws_forwarder.hpp"

#include <atomic>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

namespace colonies::transport {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;
using boost::system::error_code;

namespace {

// A peer that neither sends nor answers a ping for this long is taken for dead.
constexpr auto kIdleTimeout = std::chrono::seconds(60);

class Relay final : public WsRelay, public std::enable_shared_from_this<Relay> {
 public:
  Relay(net::io_context& io, WsRelayHandlers handlers)
      : strand_(net::make_strand(io)), resolver_(strand_), ws_(strand_), handlers_(std::move(handlers)) {}

  void start(const ForwardTarget& to, std::string path, std::string first_frame, std::chrono::milliseconds timeout) {
    host_ = to.host + ":" + std::to_string(to.port);
    path_ = std::move(path);
    first_frame_ = std::move(first_frame);
    net::dispatch(strand_, [self = shared_from_this(), to, timeout] {
      beast::get_lowest_layer(self->ws_).expires_after(timeout);
      self->resolver_.async_resolve(
          to.host, std::to_string(to.port), [self](error_code ec, tcp::resolver::results_type results) {
            if (ec) return self->end(0, "cannot resolve the leader's address: " + ec.message());
            beast::get_lowest_layer(self->ws_).async_connect(results, [self](error_code ec, const tcp::endpoint&) {
              if (ec) return self->end(0, "cannot connect to the leader: " + ec.message());
              self->handshake();
            });
          });
    });
  }

  void close() override {
    if (closed_.exchange(true)) return;
    net::dispatch(strand_, [self = shared_from_this()] {
      if (self->ended_) return;
      self->ended_ = true;
      self->handlers_ = {};
      if (self->ws_.is_open()) {
        self->ws_.async_close(websocket::close_code::normal, [self](error_code) {});
        return;
      }
      self->resolver_.cancel();
      beast::get_lowest_layer(self->ws_).close();
    });
  }

 private:
  void handshake() {
    if (ended_) return;
    ws_.async_handshake(host_, path_, [self = shared_from_this()](error_code ec) {
      if (ec) return self->end(0, "the leader refused the WebSocket upgrade: " + ec.message());
      beast::get_lowest_layer(self->ws_).expires_never();
      websocket::stream_base::timeout timeouts = websocket::stream_base::timeout::suggested(beast::role_type::client);
      timeouts.idle_timeout = kIdleTimeout;
      timeouts.keep_alive_pings = true;
      self->ws_.set_option(timeouts);
      self->ws_.text(true);
      self->ws_.async_write(net::buffer(self->first_frame_), [self](error_code ec, std::size_t) {
        if (ec) return self->end(0, "cannot send the subscription to the leader: " + ec.message());
        self->first_frame_.clear();
        self->read();
      });
    });
  }

  void read() {
    if (ended_) return;
    ws_.async_read(buffer_, [self = shared_from_this()](error_code ec, std::size_t) {
      if (ec == websocket::error::closed) {
        const auto& reason = self->ws_.reason();
        return self->end(reason.code, std::string(reason.reason.c_str()));
      }
      if (ec) return self->end(0, "the connection to the leader was lost: " + ec.message());
      std::string frame = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.consume(self->buffer_.size());
      if (self->ended_ || self->closed_) return;
      self->handlers_.on_frame(std::move(frame));
      self->read();
    });
  }

  void end(int code, std::string reason) {
    if (ended_) return;
    ended_ = true;
    auto on_end = std::move(handlers_.on_end);
    handlers_ = {};
    error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws_).close();
    if (on_end && !closed_) on_end(code, std::move(reason));
  }

  net::strand<net::io_context::executor_type> strand_;
  tcp::resolver resolver_;
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  std::string host_;
  std::string path_;
  std::string first_frame_;
  WsRelayHandlers handlers_;
  bool ended_ = false;              // on the strand: no handler runs any more
  std::atomic<bool> closed_{false};  // close() was called
};

}  // namespace

std::shared_ptr<WsRelay> WsForwarder::open(const ForwardTarget& to, std::string path, std::string first_frame,
                                           std::chrono::milliseconds connect_timeout, WsRelayHandlers handlers) {
  auto relay = std::make_shared<Relay>(io_, std::move(handlers));
  relay->start(to, std::move(path), std::move(first_frame), connect_timeout);
  return relay;
}

}  // namespace colonies::transport
