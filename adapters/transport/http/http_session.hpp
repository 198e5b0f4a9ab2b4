// Internals shared by HttpServer's listener (http_server.cpp) and its per-connection sessions
// (http_session.cpp): the state both hold and the session factory. Private to colonies::transport;
// callers include http_server.hpp only, which stays free of Asio/Beast/SSL templates. The
// WebSocket session (ws_session.cpp) takes over an upgraded connection.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "adapters/transport/http/http_server.hpp"

namespace colonies::transport::detail {

// One accepted connection. Ownership lives in its pending asynchronous operations (there is
// always one while the connection is open, even while a handler holds the request), so a
// session disappears by itself once closed; the server only keeps weak references.
class Session {
 public:
  virtual ~Session() = default;
  // Starts the handshake/read loop. Any thread; the work is posted onto the session's strand.
  virtual void start() = 0;
  // Graceful stop: an idle connection closes now, one with a request in progress answers it
  // (with Connection: close) and then closes. Any thread.
  virtual void stop() = 0;
};

// What the listener and every session share. Lives as long as the server object or any
// session, whichever is last, so sessions never point at a destroyed server.
struct ServerShared {
  HttpServerOptions options;
  HttpHandler handler;
  WsAcceptor ws_acceptor;  // empty: no WebSocket upgrades
  // Whether the server speaks TLS; fixed at start (a reload swaps the context, never turns it off).
  bool tls = false;

  // The context new connections handshake with (null: plain HTTP). A session keeps the one it
  // started with, so swapping it (a certificate reload) leaves open connections as they are.
  std::shared_ptr<boost::asio::ssl::context> tls_context() const;
  void set_tls_context(std::shared_ptr<boost::asio::ssl::context> context);

  // Registers a new session, unless the server is stopping or already holds max_connections.
  // Returns false when the caller must drop the connection instead.
  bool add(const std::shared_ptr<Session>& session);
  // Idempotent; called when a session closes its socket and again from its destructor.
  void remove(const Session* session);
  std::size_t count() const;
  // Marks the server stopping and returns the sessions open at that moment.
  std::vector<std::shared_ptr<Session>> begin_stop();
  bool stopping() const;
  // An HTTP session that became a WebSocket session hands its registry slot over. False when the
  // server is stopping (the new session must then close at once).
  bool replace(const Session* old, const std::shared_ptr<Session>& replacement);

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<boost::asio::ssl::context> tls_context_;
  bool stopping_ = false;
  std::unordered_map<const Session*, std::weak_ptr<Session>> sessions_;
};

// Takes over an accepted socket (whose executor must be a strand); TLS when shared->tls is set.
std::shared_ptr<Session> make_session(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerShared> shared);

using UpgradeRequest = boost::beast::http::request<boost::beast::http::string_body>;
// Takes over an upgraded HTTP connection (ws_session.cpp): `stream` is the connection's plain or
// TLS stream (no operation pending on it), `upgrade` the upgrade request, `request` the same as
// the application sees it. Registers itself in place of `old`, then completes the handshake.
void start_ws_session(boost::asio::ip::tcp::socket&& stream, UpgradeRequest&& upgrade, HttpRequest request,
                      std::shared_ptr<ServerShared> shared, const Session* old);
void start_ws_session(boost::asio::ssl::stream<boost::asio::ip::tcp::socket>&& stream, UpgradeRequest&& upgrade,
                      HttpRequest request, std::shared_ptr<ServerShared> shared, const Session* old);

}  // namespace colonies::transport::detail
