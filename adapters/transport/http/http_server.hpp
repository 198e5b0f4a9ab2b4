// HTTP/1.1 keep-alive server on Boost.Beast/Asio, optionally TLS. It knows nothing of Colonies
// messages: every complete request is handed to one Handler, which answers through a Responder,
// possibly later and from another thread (long-polls). Protects itself from slow and oversized
// clients: header/body read timeouts, idle keep-alive timeout, body limit answered with 413.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "core/error/error.hpp"

namespace colonies::transport {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, e.g. "/api"
  std::string body;
  std::string remote;  // "ip:port" of the peer, for logs
  // False once the connection is gone (peer closed, timeout, server stop). Thread-safe; lets a
  // long-poll handler avoid handing work to a client that already left.
  std::function<bool()> is_open = [] { return true; };
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// Sends the response for one request. Call exactly once, from any thread; calls after the
// connection closed are ignored. Cheap to copy.
// Details: it holds only a weak reference to the connection and posts the write onto the
// connection's strand, so it never blocks and never runs I/O on the caller's thread; a second
// call, a call after the peer left, and a call after the server and its io_context are gone are
// all no-ops. While a request waits for its Responder no read timeout applies (long-polls); the
// connection closes early if the peer disconnects meanwhile. A Responder that is never called
// keeps its connection open until the peer leaves or the io_context is destroyed.
using Responder = std::function<void(HttpResponse)>;
// Called on an io_context thread for every request; must not block (hand long work elsewhere).
// Different connections call it concurrently from different io_context threads, so it must be
// thread-safe; one connection never has two requests in the handler at once. An exception
// thrown by the handler becomes a 500 reply (if it had not answered yet).
using HttpHandler = std::function<void(HttpRequest, Responder)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 50080;  // 0 = pick a free port (see HttpServer::port())
  std::size_t body_limit = 16 * 1024 * 1024;
  int header_timeout_s = 10;  // to receive a complete request header (and, apart, a TLS handshake)
  int body_timeout_s = 60;    // to receive the body after the header; also bounds writing a reply
  int idle_timeout_s = 120;   // keep-alive connection with no request (until its first byte)
  int max_connections = 20000;  // beyond it new connections are accepted and closed at once, no reply
  std::string tls_cert_file;  // PEM; TLS is on when both files are set
  std::string tls_key_file;
};

class HttpServer {
 public:
  // Binds and listens; Unavailable when the address is taken, BadRequest when TLS files are
  // unreadable. Does not run the io_context: the caller runs it on its own threads.
  static Result<std::unique_ptr<HttpServer>> start(boost::asio::io_context& io, HttpServerOptions options,
                                                   HttpHandler handler);
  virtual ~HttpServer() = default;
  // The bound port (useful with port 0).
  virtual std::uint16_t port() const = 0;
  // Stops accepting; open connections finish their current request and then close. Thread-safe.
  // Non-blocking and idempotent: idle keep-alive connections close at once, a connection with a
  // request in progress answers it (with Connection: close) when its Responder is called. The
  // destructor calls stop(); destroy the server before its io_context.
  virtual void stop() = 0;
  // Number of open connections (for stats and tests).
  virtual std::size_t connection_count() const = 0;
};

}  // namespace colonies::transport
