// HTTP/1.1 keep-alive server on Boost.Beast/Asio, optionally TLS. It knows nothing of Colonies
// messages: every complete request is handed to one Handler, which answers through a Responder,
// possibly later and from another thread (long-polls). Protects itself from slow and oversized
// clients: header/body read timeouts, idle keep-alive timeout, body limit answered with 413.
// A WebSocket upgrade on the configured path (same port, same TLS) becomes a WsConnection whose
// text frames go to a WsAcceptor: the server still knows nothing of what the frames mean.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "adapters/transport/tls/tls_material.hpp"
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
  // The Authorization header ("" when absent). The Colonies API signs bodies instead; this is for
  // test servers standing in for other APIs (the fake Kubernetes API server checks bearer tokens).
  std::string authorization;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // Further header fields as (name, value), e.g. the dashboard's security headers. Server,
  // Content-Type, Content-Length and Connection are the server's own and are not taken from here.
  std::vector<std::pair<std::string, std::string>> headers;
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

// One accepted WebSocket connection, as the application sees it. Thread-safe; cheap to share.
// Outgoing frames wait in a bounded queue that is written in order on the connection's strand.
class WsConnection {
 public:
  enum class SendResult {
    Queued,
    Full,    // the queue holds max_queued frames: the frame was NOT queued; the caller decides
             // (typically close() with a reason: the peer is not reading fast enough)
    Closed,  // the connection is closing or closed; nothing is sent any more
  };
  virtual ~WsConnection() = default;
  // Queues one text frame. Any thread; never blocks.
  virtual SendResult send(std::string text) = 0;
  // Sends the frames already queued, then a close frame with `code` (RFC 6455: 1000 normal,
  // 1001 going away, 1008 policy violation, 1011 internal error) and `reason` (cut at 123
  // bytes), then closes. Frames sent afterwards are refused. If the peer does not take the
  // frames within the server's close timeout the socket is closed without them. Idempotent.
  virtual void close(std::uint16_t code, std::string reason) = 0;
  // Frames queued and not yet written.
  virtual std::size_t queued() const = 0;
  virtual bool is_open() const = 0;
  // "ip:port" of the peer, for logs.
  virtual const std::string& remote() const = 0;
};

// What the application does with one connection's events. Both run on the connection's strand,
// one at a time, and must not block. on_text gets every complete text frame (binary frames are
// refused with 1003); on_closed runs exactly once, when the connection is gone for any reason
// (peer close, error, timeout, close(), server stop), and no on_text follows it.
struct WsHandlers {
  std::function<void(std::string text)> on_text;
  std::function<void()> on_closed;
};
// Called for every WebSocket upgrade request on the WebSocket path, on an io_context thread,
// after the handshake succeeded. `upgrade` is the upgrade request (method, target, remote).
using WsAcceptor = std::function<WsHandlers(std::shared_ptr<WsConnection>, const HttpRequest& upgrade)>;

struct WsOptions {
  std::string path = "/api/ws";        // upgrades on other paths reach the HttpHandler as plain requests
  std::size_t message_limit = 1024 * 1024;  // larger incoming messages close the connection (1009)
  std::size_t max_queued = 1024;       // outgoing frames waiting to be written (see SendResult::Full)
  // No frame from the peer for this long: a ping is sent; no answer within the same time again
  // closes the connection. Keeps dead peers (and NAT mappings) from lingering.
  int idle_timeout_s = 60;
  int close_timeout_s = 10;            // to finish the queued frames and the close handshake
  // The peer's first message must arrive within this many seconds of the handshake, or the
  // connection is closed with 1008: an upgraded connection that never says what it wants cannot
  // hold a connection slot for long (keep-alive pings alone would keep it open). 0 = no limit.
  int first_message_timeout_s = 0;
};

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
  WsOptions websocket;  // used only when start() is given a WsAcceptor
};

class HttpServer {
 public:
  // Binds and listens; Unavailable when the address is taken, BadRequest when TLS files are
  // unreadable. Does not run the io_context: the caller runs it on its own threads.
  // With `ws_acceptor`, upgrades on options.websocket.path become WebSocket connections.
  static Result<std::unique_ptr<HttpServer>> start(boost::asio::io_context& io, HttpServerOptions options,
                                                   HttpHandler handler, WsAcceptor ws_acceptor = {});
  virtual ~HttpServer() = default;
  // The bound port (useful with port 0).
  virtual std::uint16_t port() const = 0;
  // Stops accepting; open connections finish their current request and then close (WebSocket
  // connections: their queued frames, then a 1001 "server shutting down" close). Thread-safe.
  // Non-blocking and idempotent: idle keep-alive connections close at once, a connection with a
  // request in progress answers it (with Connection: close) when its Responder is called. The
  // destructor calls stop(); destroy the server before its io_context.
  virtual void stop() = 0;
  // Number of open connections (for stats and tests).
  virtual std::size_t connection_count() const = 0;
  // Certificate reload: connections accepted from now on (HTTPS and WebSocket) handshake with
  // `material`; open ones keep the certificate they started with. BadRequest, with the context
  // in use unchanged, when the server was started without TLS or OpenSSL refuses the material.
  // Thread-safe, non-blocking (no file I/O: the caller loaded `material`).
  virtual Status use_tls(const TlsMaterial& material) = 0;
};

}  // namespace colonies::transport
