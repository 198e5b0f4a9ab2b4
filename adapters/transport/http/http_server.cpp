// HttpServer::start and the listener: binds, loads TLS material, accepts connections onto their
// own strands and hands them to sessions (http_session.cpp); stop() closes the acceptor and asks
// every open session to finish. Not the HTTP state machine itself, which lives in the session.
#include "adapters/transport/http/http_server.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include "adapters/transport/http/http_session.hpp"
#include "adapters/transport/tls/tls_material.hpp"

namespace colonies::transport {

namespace detail {

bool ServerShared::add(const std::shared_ptr<Session>& session) {
  std::lock_guard lock(mutex_);
  if (stopping_) return false;
  if (options.max_connections > 0 && sessions_.size() >= static_cast<std::size_t>(options.max_connections)) {
    return false;
  }
  sessions_.emplace(session.get(), session);
  return true;
}

void ServerShared::remove(const Session* session) {
  std::lock_guard lock(mutex_);
  sessions_.erase(session);
}

std::size_t ServerShared::count() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

std::vector<std::shared_ptr<Session>> ServerShared::begin_stop() {
  std::lock_guard lock(mutex_);
  stopping_ = true;
  std::vector<std::shared_ptr<Session>> open;
  open.reserve(sessions_.size());
  for (auto& [key, weak] : sessions_) {
    if (auto session = weak.lock()) open.push_back(std::move(session));
  }
  return open;
}

bool ServerShared::replace(const Session* old, const std::shared_ptr<Session>& replacement) {
  std::lock_guard lock(mutex_);
  sessions_.erase(old);
  if (stopping_) return false;
  sessions_.emplace(replacement.get(), replacement);
  return true;
}

std::shared_ptr<boost::asio::ssl::context> ServerShared::tls_context() const {
  std::lock_guard lock(mutex_);
  return tls_context_;
}

void ServerShared::set_tls_context(std::shared_ptr<boost::asio::ssl::context> context) {
  std::lock_guard lock(mutex_);
  tls_context_ = std::move(context);
}

bool ServerShared::stopping() const {
  std::lock_guard lock(mutex_);
  return stopping_;
}

}  // namespace detail

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using boost::system::error_code;

namespace {

// After an accept error such as EMFILE, retrying at once would spin on the same error.
constexpr auto kAcceptBackoff = std::chrono::milliseconds(100);

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& io, std::shared_ptr<detail::ServerShared> shared)
      : io_(io), strand_(net::make_strand(io)), acceptor_(strand_), backoff_(strand_), shared_(std::move(shared)) {}

  // Synchronous, before any asynchronous operation exists, so no strand is needed yet.
  Status listen(const tcp::endpoint& endpoint, const std::string& name) {
    error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return fail(ErrorCode::Unavailable, "cannot listen on {}: {}", name, ec.message());
    port_ = acceptor_.local_endpoint(ec).port();
    if (ec) return fail(ErrorCode::Unavailable, "cannot listen on {}: {}", name, ec.message());
    return ok();
  }

  std::uint16_t port() const { return port_; }

  // Any thread: the accept loop runs on the listener's strand, like close().
  void start_accepting() {
    net::post(strand_, [self = shared_from_this()] { self->accept(); });
  }

  // Any thread.
  void close() {
    net::post(strand_, [self = shared_from_this()] {
      error_code ignored;
      self->acceptor_.close(ignored);
      self->backoff_.cancel();
    });
  }

 private:
  // Each connection gets its own strand: its session's handlers never run concurrently, while
  // different connections proceed in parallel on the io_context's threads.
  void accept() {
    if (!acceptor_.is_open()) return;
    acceptor_.async_accept(net::make_strand(io_), [self = shared_from_this()](error_code ec, tcp::socket socket) {
      self->on_accept(ec, std::move(socket));
    });
  }

  void on_accept(error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      spdlog::debug("http: accept failed: {}", ec.message());
      backoff_.expires_after(kAcceptBackoff);
      backoff_.async_wait([self = shared_from_this()](error_code wait_ec) {
        if (!wait_ec && self->acceptor_.is_open()) self->accept();
      });
      return;
    }
    try {
      auto session = detail::make_session(std::move(socket), shared_);
      // Over max_connections (or stopping) the connection is closed at once, without a reply:
      // under overload the cheapest answer is the right one, and clients see "connection lost".
      if (shared_->add(session)) {
        session->start();
      } else if (shared_->stopping()) {
        spdlog::debug("http: dropping a new connection while stopping");
      } else {
        // An operator must learn that clients are being turned away, but a flood of them must
        // not flood the log: one warning per interval, with the count since the last one.
        ++dropped_since_warning_;
        const auto now = std::chrono::steady_clock::now();
        if (now - last_drop_warning_ >= kDropWarningInterval) {
          spdlog::warn("http: {} new connection(s) closed at once: {} open, the --max-connections limit",
                       dropped_since_warning_, shared_->count());
          dropped_since_warning_ = 0;
          last_drop_warning_ = now;
        }
      }
    } catch (const std::exception& e) {
      spdlog::debug("http: cannot start a session: {}", e.what());
    }
    accept();
  }

  net::io_context& io_;
  net::strand<net::io_context::executor_type> strand_;
  tcp::acceptor acceptor_;
  net::steady_timer backoff_;
  std::shared_ptr<detail::ServerShared> shared_;
  std::uint16_t port_ = 0;
  // Connections refused over max_connections (touched only by the accept loop, on strand_).
  static constexpr std::chrono::seconds kDropWarningInterval{10};
  std::uint64_t dropped_since_warning_ = 0;
  std::chrono::steady_clock::time_point last_drop_warning_{};
};

class BeastHttpServer final : public HttpServer {
 public:
  BeastHttpServer(std::shared_ptr<detail::ServerShared> shared, std::shared_ptr<Listener> listener)
      : shared_(std::move(shared)), listener_(std::move(listener)) {}

  ~BeastHttpServer() override { stop(); }

  std::uint16_t port() const override { return listener_->port(); }

  void stop() override {
    auto open = shared_->begin_stop();
    listener_->close();
    for (auto& session : open) session->stop();
  }

  std::size_t connection_count() const override { return shared_->count(); }

  Status use_tls(const TlsMaterial& material) override;

 private:
  std::shared_ptr<detail::ServerShared> shared_;
  std::shared_ptr<Listener> listener_;
};

// A server context from checked material (load_tls_material). Fails closed: an error here keeps
// whatever context was in use, never a plain-text fall-back.
Result<std::shared_ptr<ssl::context>> make_tls_context(const TlsMaterial& material) {
  try {
    auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
    context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                         ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    error_code ec;
    context->use_certificate_chain(net::buffer(material.cert_pem), ec);
    if (ec) return fail(ErrorCode::BadRequest, "cannot use the TLS certificate: {}", ec.message());
    context->use_private_key(net::buffer(material.key_pem), ssl::context::pem, ec);
    if (ec) return fail(ErrorCode::BadRequest, "cannot use the TLS key: {}", ec.message());
    if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
      return fail(ErrorCode::BadRequest, "the TLS key does not match the certificate");
    }
    return context;
  } catch (const std::exception& e) {
    return fail(ErrorCode::BadRequest, "cannot set up TLS: {}", e.what());
  }
}

Status BeastHttpServer::use_tls(const TlsMaterial& material) {
  if (!shared_->tls) return fail(ErrorCode::BadRequest, "this server was started without TLS");
  COLONIES_TRY(context, make_tls_context(material));
  shared_->set_tls_context(std::move(context));
  return ok();
}

Result<tcp::endpoint> resolve(net::io_context& io, const std::string& host, std::uint16_t port, const std::string& name) {
  error_code ec;
  auto address = net::ip::make_address(host, ec);
  if (!ec) return tcp::endpoint(address, port);
  tcp::resolver resolver(io);
  auto results = resolver.resolve(host, std::to_string(port), tcp::resolver::passive, ec);
  if (ec || results.empty()) {
    return fail(ErrorCode::Unavailable, "cannot listen on {}: cannot resolve host: {}", name,
                ec ? ec.message() : std::string("no address"));
  }
  return results.begin()->endpoint();
}

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::start(boost::asio::io_context& io, HttpServerOptions options,
                                                      HttpHandler handler, WsAcceptor ws_acceptor) {
  if (!handler) return fail(ErrorCode::BadRequest, "HttpServer needs a handler");
  const std::string name = fmt::format("{}:{}", options.host, options.port);
  auto shared = std::make_shared<detail::ServerShared>();
  if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
    COLONIES_TRY(material, load_tls_material(options.tls_cert_file, options.tls_key_file));
    COLONIES_TRY(context, make_tls_context(material));
    shared->set_tls_context(std::move(context));
    shared->tls = true;
  }
  COLONIES_TRY(endpoint, resolve(io, options.host, options.port, name));
  shared->options = std::move(options);
  shared->handler = std::move(handler);
  shared->ws_acceptor = std::move(ws_acceptor);

  auto listener = std::make_shared<Listener>(io, shared);
  COLONIES_CHECK(listener->listen(endpoint, name));
  listener->start_accepting();
  spdlog::debug("http: listening on {}:{}{}", endpoint.address().to_string(), listener->port(),
                shared->tls ? " (TLS)" : "");
  return std::unique_ptr<HttpServer>(std::make_unique<BeastHttpServer>(std::move(shared), std::move(listener)));
}

}  // namespace colonies::transport
