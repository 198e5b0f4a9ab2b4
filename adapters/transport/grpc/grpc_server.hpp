// GrpcServer: the colonies.v1.Colonies gRPC service (colonies.proto) on the gRPC callback API,
// with optional TLS from the same PEM files as HTTPS. It moves envelope bytes in and JSON bytes
// out and maps the HTTP-style status of a reply to a gRPC status through core/protocol/status;
// what a call means is the application's business (the handlers). No generated or gRPC header
// is included here, so the composition root compiles without them.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "adapters/transport/tls/tls_material.hpp"
#include "core/error/error.hpp"
#include "core/protocol/status.hpp"

namespace colonies::transport {

struct GrpcServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: a free port (see GrpcServer::port())
  std::string tls_cert_file;  // PEM; TLS when both files are set
  std::string tls_key_file;
  std::size_t message_limit = 16 * 1024 * 1024;  // larger envelopes get 413 (TooLarge)
  std::size_t max_queued = 1024;  // events queued per subscriber (see GrpcSubscription::Full)
  // Seconds a new connection has to complete its handshake (TLS, and the HTTP/2 preface and
  // settings) before it is closed: slow or silent clients cannot hold connections for long.
  // 0 keeps gRPC's own default (120 s).
  int handshake_timeout_s = 0;
  // Seconds a connection may stay open with no call in progress (a long-poll or a subscription is
  // a call) before the server ends it with a GOAWAY; clients reconnect when they next call.
  // 0 = no limit (gRPC's default).
  int idle_timeout_s = 0;
};

// The server side of one Subscribe stream. Thread-safe; every method may be called after the
// stream is gone (then it does nothing, and send() reports Closed).
class GrpcSubscription {
 public:
  enum class SendResult {
    Queued,
    Full,    // max_queued events are waiting: NOT queued; the caller decides (finish the stream)
    Closed,  // finishing or gone; nothing is sent any more
  };
  virtual ~GrpcSubscription() = default;
  // Queues one event frame. Never blocks.
  virtual SendResult send(std::string frame) = 0;
  // Ends the stream with `code` and `message`. Ok: after the frames already queued; any other
  // code: the queued frames are dropped (a subscriber being cut off gets nothing more).
  // `details`: an error reply body for the status details. Idempotent: the first call wins.
  virtual void finish(protocol::GrpcCode code, std::string message, std::string details = {}) = 0;
  // Events queued and not yet written.
  virtual std::size_t queued() const = 0;
};

// A call's answer: an HTTP-style status and the JSON reply body (an error reply for >= 400).
using GrpcReplyFn = std::function<void(int status, std::string body)>;
// Call: `body` is the envelope. `reply` must be called exactly once, from any thread; `alive`
// says whether the caller still waits (false once it cancelled or its deadline passed).
// Runs on a gRPC thread: must not block.
using GrpcCallHandler = std::function<void(std::string body, GrpcReplyFn reply, std::function<bool()> alive)>;
// Subscribe: `envelope` is the subscribe envelope, `stream` its subscription. Returns what to
// run once when the stream is gone for any reason (finished, cancelled, server stopped).
// Runs on a gRPC thread: must not block.
using GrpcSubscribeHandler =
    std::function<std::function<void()>(std::string envelope, std::shared_ptr<GrpcSubscription> stream)>;

class GrpcServer {
 public:
  // Listens on options.host:options.port. Errors: Unavailable (cannot bind, or no /proc to
  // reach the in-memory TLS identity through), BadRequest (certificate or key unreadable or
  // refused by load_tls_material).
  static Result<std::unique_ptr<GrpcServer>> start(GrpcServerOptions options, GrpcCallHandler on_call,
                                                   GrpcSubscribeHandler on_subscribe);
  // Stops as stop() does and waits for the last call (at most the stop deadline).
  ~GrpcServer();
  GrpcServer(const GrpcServer&) = delete;
  GrpcServer& operator=(const GrpcServer&) = delete;

  std::uint16_t port() const;
  bool tls() const;
  // Certificate reload: connections made from now on get `material` — within about a second
  // (gRPC's certificate provider polls; see grpc_server.cpp); open ones keep theirs. BadRequest
  // when the service was started without TLS. Thread-safe; no file I/O beyond an in-memory file.
  Status use_tls(const TlsMaterial& material);
  // Begins shutting down and returns at once: no new calls are accepted, open subscriptions end
  // with Unavailable "server is shutting down", calls in flight get `drain` to be answered and are
  // cancelled after it. Idempotent; any thread.
  void stop(std::chrono::milliseconds drain);
  // Calls and subscriptions not finished yet (the composition root waits for 0 before it stops
  // the threads that answer them).
  std::size_t active_calls() const;

 private:
  struct State;
  explicit GrpcServer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace colonies::transport
