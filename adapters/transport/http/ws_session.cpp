// One WebSocket connection of HttpServer, taken over from an HTTP session after an upgrade
// request on the WebSocket path (plain or TLS, same port). Reads text frames and hands them to
// the application; writes the frames the application queues, in order, from a bounded queue;
// pings idle peers; closes gracefully on request or server stop. Knows nothing of what the
// frames mean (Colonies envelopes are the application's business).
#include <atomic>
#include <chrono>
#include <deque>
#include <string>
#include <type_traits>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <spdlog/spdlog.h>

#include "adapters/transport/http/http_session.hpp"

namespace colonies::transport::detail {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;
using boost::system::error_code;

namespace {

// RFC 6455 limits a close reason to 123 bytes (125 of control payload minus the code).
constexpr std::size_t kMaxCloseReason = 123;

// Cuts at a UTF-8 character boundary so the reason stays valid text.
std::string clip_reason(std::string reason) {
  if (reason.size() <= kMaxCloseReason) return reason;
  std::size_t end = kMaxCloseReason;
  while (end > 0 && (static_cast<unsigned char>(reason[end]) & 0xC0) == 0x80) --end;
  reason.resize(end);
  return reason;
}

// Normal and going-away closes deliver what was queued; any other close (a policy violation such
// as a peer too slow to read) drops the frames not yet being written: that peer would not read
// them in time anyway, and the close frame should reach it as soon as possible.
bool flushes_queue(std::uint16_t code) {
  return code == static_cast<std::uint16_t>(websocket::close_code::normal) ||
         code == static_cast<std::uint16_t>(websocket::close_code::going_away);
}

// What the application is given of a connection: a weak reference to the session. Handlers that
// capture it to reply (as most do) would otherwise keep the session alive in a cycle with the
// handlers it holds whenever the session ends without finish() (an io_context stopped at server
// shutdown). Once the session is gone the connection reads as closed.
class ConnectionHandle final : public WsConnection {
 public:
  ConnectionHandle(std::weak_ptr<WsConnection> session, std::string remote)
      : session_(std::move(session)), remote_(std::move(remote)) {}

  SendResult send(std::string text) override {
    auto session = session_.lock();
    return session ? session->send(std::move(text)) : SendResult::Closed;
  }
  void close(std::uint16_t code, std::string reason) override {
    if (auto session = session_.lock()) session->close(code, std::move(reason));
  }
  std::size_t queued() const override {
    auto session = session_.lock();
    return session ? session->queued() : 0;
  }
  bool is_open() const override {
    auto session = session_.lock();
    return session && session->is_open();
  }
  const std::string& remote() const override { return remote_; }

 private:
  std::weak_ptr<WsConnection> session_;
  std::string remote_;
};

template <class Stream>
class WsSession final : public Session, public WsConnection, public std::enable_shared_from_this<WsSession<Stream>> {
 public:
  WsSession(Stream&& stream, std::shared_ptr<ServerShared> shared, HttpRequest request)
      : shared_(std::move(shared)),
        executor_(stream.get_executor()),
        request_(std::move(request)),
        ws_(std::move(stream)),
        close_timer_(executor_),
        first_message_timer_(executor_) {}

  ~WsSession() override { shared_->remove(static_cast<const Session*>(this)); }

  // Runs on the connection's strand (the HTTP session's, which handed the stream over).
  void begin(UpgradeRequest&& upgrade) {
    upgrade_ = std::move(upgrade);
    const auto& options = shared_->options;
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::seconds(std::max(1, options.header_timeout_s));
    timeouts.idle_timeout = std::chrono::seconds(std::max(1, options.websocket.idle_timeout_s));
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& response) { response.set(http::field::server, "coloniesd"); }));
    ws_.read_message_max(options.websocket.message_limit);
    ws_.async_accept(upgrade_, [self = this->shared_from_this()](error_code ec) { self->on_accept(ec); });
  }

  // --- Session --------------------------------------------------------------------------------
  void start() override {}  // begin() starts it; the listener never creates WebSocket sessions
  void stop() override { close(static_cast<std::uint16_t>(websocket::close_code::going_away), "server shutting down"); }

  // --- WsConnection ---------------------------------------------------------------------------
  SendResult send(std::string text) override {
    if (closing_.load()) return SendResult::Closed;
    // Reserve a slot first, so concurrent senders never push the queue past its bound.
    std::size_t n = queued_.load();
    do {
      if (n >= shared_->options.websocket.max_queued) return SendResult::Full;
    } while (!queued_.compare_exchange_weak(n, n + 1));
    net::post(executor_, [self = this->shared_from_this(), text = std::move(text)]() mutable {
      self->enqueue(std::move(text));
    });
    return SendResult::Queued;
  }

  void close(std::uint16_t code, std::string reason) override {
    if (closing_.exchange(true)) return;
    net::post(executor_, [self = this->shared_from_this(), code, reason = clip_reason(std::move(reason))]() mutable {
      self->begin_close(code, std::move(reason));
    });
  }

  std::size_t queued() const override { return queued_.load(); }
  bool is_open() const override { return !closing_.load(); }
  const std::string& remote() const override { return request_.remote; }

 private:
  enum class State { Handshake, Open, Closed };

  void on_accept(error_code ec) {
    if (state_ == State::Closed) return;
    if (ec) {
      spdlog::debug("ws {}: handshake failed: {}", request_.remote, ec.message());
      finish();
      return;
    }
    state_ = State::Open;
    try {
      auto handle = std::make_shared<ConnectionHandle>(
          std::weak_ptr<WsConnection>(std::static_pointer_cast<WsConnection>(this->shared_from_this())), request_.remote);
      handlers_ = shared_->ws_acceptor(std::move(handle), request_);
    } catch (const std::exception& e) {
      spdlog::warn("ws {}: acceptor threw: {}", request_.remote, e.what());
      close(static_cast<std::uint16_t>(websocket::close_code::internal_error), "internal error");
    }
    if (shared_->stopping()) stop();
    if (const int limit = shared_->options.websocket.first_message_timeout_s; limit > 0) {
      first_message_timer_.expires_after(std::chrono::seconds(limit));
      first_message_timer_.async_wait([self = this->shared_from_this(), limit](error_code timer_ec) {
        if (timer_ec || self->state_ != State::Open || self->got_message_) return;
        spdlog::debug("ws {}: no message within {} s of the upgrade, closing", self->request_.remote, limit);
        self->close(static_cast<std::uint16_t>(websocket::close_code::policy_error),
                    fmt::format("no message within {} s of the upgrade", limit));
      });
    }
    read();
    if (close_requested_) write_next();  // close() was called before the handshake finished
  }

  void read() {
    ws_.async_read(read_buffer_, [self = this->shared_from_this()](error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(error_code ec) {
    if (state_ == State::Closed) return;
    if (ec) {
      if (ec != websocket::error::closed) spdlog::debug("ws {}: read ended: {}", request_.remote, ec.message());
      finish();
      return;
    }
    if (!ws_.got_text()) {
      read_buffer_.consume(read_buffer_.size());
      close(static_cast<std::uint16_t>(websocket::close_code::unknown_data), "only text frames are accepted");
      read();
      return;
    }
    if (!got_message_) {
      got_message_ = true;
      first_message_timer_.cancel();
    }
    std::string text = beast::buffers_to_string(read_buffer_.data());
    read_buffer_.consume(read_buffer_.size());
    if (!close_requested_ && handlers_.on_text) {
      try {
        handlers_.on_text(std::move(text));
      } catch (const std::exception& e) {
        spdlog::warn("ws {}: handler threw: {}", request_.remote, e.what());
        close(static_cast<std::uint16_t>(websocket::close_code::internal_error), "internal error");
      }
    }
    read();  // keep reading: pings, pongs and the peer's close frame arrive through reads
  }

  void enqueue(std::string text) {
    if (state_ == State::Closed || close_requested_) {
      --queued_;
      return;
    }
    queue_.push_back(std::move(text));
    write_next();
  }

  void write_next() {
    if (writing_ || state_ != State::Open) return;
    if (queue_.empty()) {
      if (close_requested_ && !close_sent_) send_close();
      return;
    }
    writing_ = true;
    ws_.text(true);
    ws_.async_write(net::buffer(queue_.front()),
                    [self = this->shared_from_this()](error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(error_code ec) {
    writing_ = false;
    if (!queue_.empty()) {
      queue_.pop_front();
      --queued_;
    }
    if (state_ == State::Closed) return;
    if (ec) {
      spdlog::debug("ws {}: write failed: {}", request_.remote, ec.message());
      finish();
      return;
    }
    write_next();
  }

  void begin_close(std::uint16_t code, std::string reason) {
    if (state_ == State::Closed || close_requested_) return;
    close_requested_ = true;
    close_code_ = code;
    close_reason_ = std::move(reason);
    if (!flushes_queue(code)) {
      // Keep the frame being written (a partial frame cannot be withdrawn), drop the rest.
      const std::size_t keep = writing_ ? 1 : 0;
      while (queue_.size() > keep) {
        queue_.pop_back();
        --queued_;
      }
    }
    // A peer that takes neither the frames nor the close frame is cut off after the close timeout.
    close_timer_.expires_after(std::chrono::seconds(std::max(1, shared_->options.websocket.close_timeout_s)));
    close_timer_.async_wait([self = this->shared_from_this()](error_code ec) {
      if (ec || self->state_ == State::Closed) return;
      spdlog::debug("ws {}: close handshake timed out", self->request_.remote);
      self->finish();
    });
    write_next();
  }

  void send_close() {
    close_sent_ = true;
    websocket::close_reason why;
    why.code = close_code_;
    why.reason = close_reason_;
    ws_.async_close(why,
                    [self = this->shared_from_this()](error_code) { self->finish(); });
  }

  // The connection is gone: release the socket, the registry slot and the application's handlers
  // (which may hold a reference to this connection) exactly once.
  void finish() {
    if (state_ == State::Closed) return;
    const bool was_open = state_ == State::Open;
    state_ = State::Closed;
    closing_.store(true);
    close_timer_.cancel();
    first_message_timer_.cancel();
    error_code ignored;
    beast::get_lowest_layer(ws_).shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws_).close(ignored);
    // The frame being written (if any) is released by its completion; the rest is dropped here.
    const std::size_t in_flight = writing_ ? 1 : 0;
    while (queue_.size() > in_flight) {
      queue_.pop_back();
      --queued_;
    }
    shared_->remove(static_cast<const Session*>(this));
    auto handlers = std::move(handlers_);
    handlers_ = {};
    if (was_open && handlers.on_closed) {
      try {
        handlers.on_closed();
      } catch (const std::exception& e) {
        spdlog::warn("ws {}: close handler threw: {}", request_.remote, e.what());
      }
    }
  }

  std::shared_ptr<ServerShared> shared_;
  net::any_io_executor executor_;  // the connection's strand
  HttpRequest request_;
  UpgradeRequest upgrade_;
  websocket::stream<Stream> ws_;
  net::steady_timer close_timer_;
  net::steady_timer first_message_timer_;  // see WsOptions::first_message_timeout_s
  beast::flat_buffer read_buffer_;
  WsHandlers handlers_;
  std::deque<std::string> queue_;  // front() is being written while writing_
  std::atomic<std::size_t> queued_{0};
  std::atomic<bool> closing_{false};  // set by close() from any thread, and by finish()
  State state_ = State::Handshake;
  bool writing_ = false;
  bool close_requested_ = false;
  bool close_sent_ = false;
  bool got_message_ = false;
  std::uint16_t close_code_ = 1000;
  std::string close_reason_;
};

template <class Stream>
void start(Stream&& stream, UpgradeRequest&& upgrade, HttpRequest request, std::shared_ptr<ServerShared> shared,
           const Session* old) {
  auto session = std::make_shared<WsSession<std::decay_t<Stream>>>(std::move(stream), shared, std::move(request));
  if (!shared->replace(old, session)) {
    // The server began stopping between the upgrade request and now: refuse the connection.
    spdlog::debug("ws: server stopping, dropping an upgraded connection");
    return;  // destroying the session closes the stream
  }
  session->begin(std::move(upgrade));
}

}  // namespace

void start_ws_session(tcp::socket&& stream, UpgradeRequest&& upgrade, HttpRequest request,
                      std::shared_ptr<ServerShared> shared, const Session* old) {
  start(std::move(stream), std::move(upgrade), std::move(request), std::move(shared), old);
}

void start_ws_session(ssl::stream<tcp::socket>&& stream, UpgradeRequest&& upgrade, HttpRequest request,
                      std::shared_ptr<ServerShared> shared, const Session* old) {
  start(std::move(stream), std::move(upgrade), std::move(request), std::move(shared), old);
}

}  // namespace colonies::transport::detail
