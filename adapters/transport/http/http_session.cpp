// One HTTP/1.1 connection of HttpServer (plain or TLS): reads each request under a deadline per
// phase, hands it to the handler, writes the answer the Responder delivers (from any thread, via
// the strand) and keeps the connection alive or closes it. Not the listener (http_server.cpp),
// and it knows nothing of Colonies messages beyond the error envelope of its own 4xx replies.
#include "adapters/transport/http/http_session.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <spdlog/spdlog.h>

#include "core/protocol/envelope.hpp"

namespace colonies::transport::detail {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;
using boost::system::error_code;

namespace {

using Clock = std::chrono::steady_clock;

// Generous for real clients, small enough that a header cannot be used to exhaust memory.
constexpr std::uint32_t kHeaderLimit = 16 * 1024;
constexpr std::size_t kReadChunk = 4096;
// After a reply that ends the connection we keep reading (and discarding) for a short while, so
// that unread request bytes do not make the kernel answer with RST and destroy the reply before
// the client has read it (the 413 case: the client is usually still sending its body).
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::chrono::seconds seconds_at_least_one(int seconds) { return std::chrono::seconds(std::max(1, seconds)); }

std::string endpoint_text(const tcp::endpoint& endpoint) {
  auto address = endpoint.address();
  if (address.is_v6()) return "[" + address.to_string() + "]:" + std::to_string(endpoint.port());
  return address.to_string() + ":" + std::to_string(endpoint.port());
}

bool is_http_error(const error_code& ec) {
  return &ec.category() == &http::make_error_code(http::error::bad_method).category();
}

// The connection ended on the peer's side (or our deadline closed it): nothing to answer.
bool is_disconnect(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == http::error::partial_message || !is_http_error(ec);
}

enum class Phase {
  Handshake,  // TLS handshake, or a plain connection before its first read
  Idle,       // keep-alive: waiting for the first byte of the next request
  Header,
  Body,
  Handling,   // the handler owns the request; no read deadline (long-polls)
  Writing,
  Lingering,  // reply sent, draining the peer before closing
  Closed,
};

const char* phase_name(Phase phase) {
  switch (phase) {
    case Phase::Handshake: return "handshake";
    case Phase::Idle: return "idle";
    case Phase::Header: return "header";
    case Phase::Body: return "body";
    case Phase::Handling: return "handling";
    case Phase::Writing: return "writing";
    case Phase::Lingering: return "lingering";
    case Phase::Closed: return "closed";
  }
  return "?";
}

template <class Stream>
class HttpSession final : public Session, public std::enable_shared_from_this<HttpSession<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, ssl::stream<tcp::socket>>;

 public:
  HttpSession(tcp::socket socket, std::shared_ptr<ServerShared> shared,
              std::shared_ptr<ssl::context> tls_context = nullptr)
      : shared_(std::move(shared)),
        tls_context_(std::move(tls_context)),
        executor_(socket.get_executor()),
        remote_(remote_of(socket)),
        stream_(make_stream(std::move(socket))),
        timer_(executor_) {}

  ~HttpSession() override { shared_->remove(this); }

  void start() override {
    net::dispatch(executor_, [self = this->shared_from_this()] { self->begin(); });
  }

  void stop() override {
    net::post(executor_, [self = this->shared_from_this()] { self->on_stop(); });
  }

 private:
  static std::string remote_of(const tcp::socket& socket) {
    error_code ec;
    auto endpoint = socket.remote_endpoint(ec);
    return ec ? std::string("unknown") : endpoint_text(endpoint);
  }

  Stream make_stream(tcp::socket socket) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *tls_context_);
    } else {
      return socket;
    }
  }

  const HttpServerOptions& options() const { return shared_->options; }

  // --- deadlines -------------------------------------------------------------------------------
  // One timer per session. The pending wait holds a strong reference, which is what keeps the
  // session alive while a handler holds the request (the Responder only has a weak one).
  void arm(Clock::time_point deadline) {
    timer_.expires_at(deadline);
    timer_.async_wait([self = this->shared_from_this(), generation = ++timer_generation_](error_code ec) {
      if (ec == net::error::operation_aborted || generation != self->timer_generation_) return;
      self->on_timeout();
    });
  }

  void arm_after(std::chrono::steady_clock::duration after) { arm(Clock::now() + after); }

  void on_timeout() {
    spdlog::debug("http {}: {} timeout, closing", remote_, phase_name(phase_));
    close_now();
  }

  // --- connection lifecycle --------------------------------------------------------------------
  void begin() {
    if constexpr (kTls) {
      phase_ = Phase::Handshake;
      arm_after(seconds_at_least_one(options().header_timeout_s));
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](error_code ec) { self->on_handshake(ec); });
    } else {
      read_request(true);
    }
  }

  void on_handshake(error_code ec) {
    if (phase_ == Phase::Closed) return;
    if (ec) {
      spdlog::debug("http {}: TLS handshake failed: {}", remote_, ec.message());
      close_now();
      return;
    }
    read_request(true);
  }

  void on_stop() {
    stopping_ = true;
    switch (phase_) {
      case Phase::Handshake:
      case Phase::Idle:
        close_now();
        break;
      case Phase::Header:
        // Nothing of a request has arrived yet: this is an idle connection, close it now.
        if (buffer_.size() == 0) close_now();
        break;
      default:
        // A request is in progress: it gets its answer (with Connection: close) first.
        break;
    }
  }

  void close_now() {
    if (phase_ == Phase::Closed) return;
    phase_ = Phase::Closed;
    open_->store(false);
    ++timer_generation_;
    timer_.cancel();
    error_code ignored;
    stream_.lowest_layer().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.lowest_layer().close(ignored);
    shared_->remove(this);
    // Pending operations complete with errors and find phase_ == Closed; parser_, buffer_ and
    // response_ stay untouched until then because those operations still use them.
  }

  // Ends the connection after a reply: half-close, drain what the peer still sends, close.
  void linger_close() {
    phase_ = Phase::Lingering;
    arm_after(kLingerTime);
    error_code ignored;
    stream_.lowest_layer().shutdown(tcp::socket::shutdown_send, ignored);
    buffer_.consume(buffer_.size());
    if (!reading_some_) read_some();
  }

  // --- reading ---------------------------------------------------------------------------------
  void read_request(bool first) {
    if (stopping_ || shared_->stopping()) {
      linger_close();
      return;
    }
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(static_cast<std::uint64_t>(options().body_limit));
    if (first || buffer_.size() > 0) {
      read_header();
      return;
    }
    // Between keep-alive requests the idle timeout applies until the first byte arrives; only
    // then does the (shorter) header timeout start.
    phase_ = Phase::Idle;
    arm_after(seconds_at_least_one(options().idle_timeout_s));
    if (!reading_some_) read_some();
  }

  void read_header() {
    phase_ = Phase::Header;
    arm_after(seconds_at_least_one(options().header_timeout_s));
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](error_code ec, std::size_t) { self->on_header(ec); });
  }

  // A raw read into buffer_: used while idle (to see the first byte of the next request), while
  // a handler works (to notice the peer closing) and while lingering (to drain).
  void read_some() {
    reading_some_ = true;
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = this->shared_from_this()](error_code ec, std::size_t n) {
                              self->on_read_some(ec, n);
                            });
  }

  void on_read_some(error_code ec, std::size_t n) {
    reading_some_ = false;
    if (phase_ == Phase::Closed) return;
    if (ec) {
      if (phase_ != Phase::Lingering) spdlog::debug("http {}: peer closed while {}: {}", remote_, phase_name(phase_), ec.message());
      close_now();
      return;
    }
    buffer_.commit(n);
    switch (phase_) {
      case Phase::Idle:
        read_header();
        break;
      case Phase::Lingering:
        buffer_.consume(buffer_.size());
        read_some();
        break;
      default:
        // Handling or Writing: the bytes belong to the next request; stop reading so that a
        // pipelining client cannot make us buffer without bound.
        break;
    }
  }

  void on_header(error_code ec) {
    if (phase_ == Phase::Closed) return;
    if (ec) {
      on_read_error(ec);
      return;
    }
    auto& message = parser_->get();
    if (parser_->is_done()) {
      dispatch();
      return;
    }
    phase_ = Phase::Body;
    arm_after(seconds_at_least_one(options().body_timeout_s));
    if (beast::iequals(message[http::field::expect], "100-continue")) {
      // Clients such as curl wait for this before sending a large body.
      net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                       [self = this->shared_from_this()](error_code write_ec, std::size_t) {
                         if (self->phase_ == Phase::Closed) return;
                         if (write_ec) {
                           self->close_now();
                           return;
                         }
                         self->read_body();
                       });
      return;
    }
    read_body();
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](error_code ec, std::size_t) { self->on_body(ec); });
  }

  void on_body(error_code ec) {
    if (phase_ == Phase::Closed) return;
    if (ec) {
      on_read_error(ec);
      return;
    }
    dispatch();
  }

  void on_read_error(const error_code& ec) {
    if (ec == http::error::body_limit) {
      // Usually detected at the end of the header, before content_length() may be asked; the
      // field itself is already stored, and beast has validated it as a number.
      auto length = parser_->get()[http::field::content_length];
      auto limit = options().body_limit;
      if (!length.empty()) {
        reply_error(413, fmt::format("request body of {} bytes exceeds the limit of {} bytes", length, limit));
      } else {
        reply_error(413, fmt::format("request body exceeds the limit of {} bytes", limit));
      }
      return;
    }
    if (ec == http::error::header_limit) {
      reply_error(431, fmt::format("request header exceeds the limit of {} bytes", kHeaderLimit));
      return;
    }
    if (is_disconnect(ec)) {
      if (ec != http::error::end_of_stream) spdlog::debug("http {}: {} read ended: {}", remote_, phase_name(phase_), ec.message());
      close_now();
      return;
    }
    reply_error(400, fmt::format("malformed HTTP request: {}", ec.message()));
  }

  // --- handling --------------------------------------------------------------------------------
  void dispatch() {
    if (is_websocket_upgrade()) {
      upgrade();
      return;
    }
    phase_ = Phase::Handling;
    // No read deadline while the handler works: long-polls may take minutes.
    arm(Clock::time_point::max());
    auto& message = parser_->get();
    keep_alive_ = message.keep_alive();
    version_ = message.version();
    head_ = message.method() == http::verb::head;
    HttpRequest request{std::string(message.method_string()), std::string(message.target()),
                        std::move(message.body()), remote_,
                        [open = open_] { return open->load(); }};
    request.authorization = std::string(message[http::field::authorization]);
    parser_.reset();
    ++sequence_;
    if (!reading_some_ && buffer_.size() == 0) read_some();

    Responder responder = make_responder();
    try {
      shared_->handler(std::move(request), responder);
    } catch (const std::exception& e) {
      spdlog::debug("http {}: handler threw: {}", remote_, e.what());
      responder(HttpResponse{500, "application/json", protocol::encode_error_reply(500, "internal error")});
    } catch (...) {
      spdlog::debug("http {}: handler threw a non-exception", remote_);
      responder(HttpResponse{500, "application/json", protocol::encode_error_reply(500, "internal error")});
    }
  }

  bool is_websocket_upgrade() const {
    if (!shared_->ws_acceptor) return false;
    const auto& message = parser_->get();
    if (!websocket::is_upgrade(message)) return false;
    std::string_view target = message.target();
    return target.substr(0, target.find('?')) == options().websocket.path;
  }

  // The WebSocket session owns the connection from here; this session ends without touching the
  // stream again (no operation is pending on it: the header was read, the body is empty).
  void upgrade() {
    auto& message = parser_->get();
    HttpRequest request{std::string(message.method_string()), std::string(message.target()), {}, remote_, {}};
    UpgradeRequest raw = parser_->release();
    parser_.reset();
    phase_ = Phase::Closed;
    open_->store(false);
    ++timer_generation_;
    timer_.cancel();
    start_ws_session(std::move(stream_), std::move(raw), std::move(request), shared_, this);
  }

  Responder make_responder() {
    std::weak_ptr<HttpSession> weak = this->shared_from_this();
    auto answered = std::make_shared<std::atomic<bool>>(false);
    return [weak = std::move(weak), answered, sequence = sequence_](HttpResponse response) {
      if (answered->exchange(true)) return;  // the contract is "exactly once"; extra calls are ignored
      auto self = weak.lock();
      if (!self) return;  // connection already gone
      net::post(self->executor_, [self, sequence, response = std::move(response)]() mutable {
        self->on_response(sequence, std::move(response));
      });
    };
  }

  void on_response(std::uint64_t sequence, HttpResponse response) {
    if (phase_ != Phase::Handling || sequence != sequence_) return;  // closed meanwhile
    write_response(std::move(response), keep_alive_ && !stopping_ && !shared_->stopping());
  }

  void reply_error(int status, std::string message) {
    spdlog::debug("http {}: replying {}: {}", remote_, status, message);
    version_ = 11;
    head_ = false;
    write_response(HttpResponse{status, "application/json", protocol::encode_error_reply(status, message)}, false);
  }

  void write_response(HttpResponse response, bool keep_alive) {
    try {
      if (response.status < 100 || response.status > 999) {
        spdlog::debug("http {}: handler answered with invalid status {}", remote_, response.status);
        response = HttpResponse{500, "application/json", protocol::encode_error_reply(500, "internal error")};
      }
      response_.emplace();
      auto& message = *response_;
      message.result(static_cast<unsigned>(response.status));
      message.version(version_);
      for (auto& [name, value] : response.headers) message.set(name, value);  // before ours: ours win
      message.set(http::field::server, "coloniesd");
      if (!response.content_type.empty()) message.set(http::field::content_type, response.content_type);
      message.body() = std::move(response.body);
      message.keep_alive(keep_alive);
      message.prepare_payload();
      if (head_) message.body().clear();  // Content-Length stays that of the GET answer
    } catch (const std::exception& e) {
      spdlog::debug("http {}: cannot build response: {}", remote_, e.what());
      close_now();
      return;
    }
    close_after_write_ = !keep_alive;
    phase_ = Phase::Writing;
    // Slow readers get the body timeout for the whole reply.
    arm_after(seconds_at_least_one(options().body_timeout_s));
    http::async_write(stream_, *response_,
                      [self = this->shared_from_this()](error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(error_code ec) {
    if (phase_ == Phase::Closed) return;
    response_.reset();
    if (ec) {
      spdlog::debug("http {}: write failed: {}", remote_, ec.message());
      close_now();
      return;
    }
    if (close_after_write_) {
      linger_close();
      return;
    }
    read_request(false);
  }

  std::shared_ptr<ServerShared> shared_;
  // The context this connection handshook with: a reload swaps the server's, not this one.
  std::shared_ptr<ssl::context> tls_context_;
  net::any_io_executor executor_;  // the connection's strand
  std::string remote_;
  Stream stream_;
  net::steady_timer timer_;
  std::uint64_t timer_generation_ = 0;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
  Phase phase_ = Phase::Handshake;
  bool reading_some_ = false;
  bool stopping_ = false;
  bool keep_alive_ = true;
  // Read from other threads (HttpRequest::is_open) while a handler holds a request.
  std::shared_ptr<std::atomic<bool>> open_ = std::make_shared<std::atomic<bool>>(true);
  bool close_after_write_ = false;
  bool head_ = false;
  unsigned version_ = 11;
  std::uint64_t sequence_ = 0;  // which request a Responder belongs to
};

}  // namespace

std::shared_ptr<Session> make_session(tcp::socket socket, std::shared_ptr<ServerShared> shared) {
  if (shared->tls) {
    auto context = shared->tls_context();
    return std::make_shared<HttpSession<ssl::stream<tcp::socket>>>(std::move(socket), std::move(shared),
                                                                    std::move(context));
  }
  return std::make_shared<HttpSession<tcp::socket>>(std::move(socket), std::move(shared));
}

}  // namespace colonies::transport::detail
