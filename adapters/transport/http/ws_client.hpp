// Blocking WebSocket client (plain or TLS) used by the SDK for subscriptions: connects and
// upgrades, sends text frames, reads text frames under a deadline, closes. Not thread-safe: one
// client per thread. Not an HTTP client (http_client.hpp) and not a reconnecting one: a lost
// connection is reported, and the caller decides whether to subscribe again.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "adapters/transport/http/http_client.hpp"
#include "core/error/error.hpp"

namespace colonies::transport {

// How the peer ended the connection (RFC 6455 close code and reason); code 0 when the
// connection ended without a close frame.
struct WsClose {
  int code = 0;
  std::string reason;
};

class WsClient {
 public:
  // Connects to options.host:port and upgrades `target` (e.g. "/api/ws"). Errors: Unavailable
  // (cannot connect, TLS failure, upgrade refused: the message says which), Timeout.
  static Result<std::unique_ptr<WsClient>> connect(const HttpClientOptions& options, const std::string& target,
                                                   std::chrono::milliseconds timeout);
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // Sends one text frame. Errors: Unavailable (connection lost), Timeout.
  Status send(const std::string& text, std::chrono::milliseconds timeout);
  // The next text frame; nullopt once the peer closed the connection (see closed()). Timeout
  // when nothing arrived in time: the read stays pending and the next call continues it, so a
  // timeout loses nothing. Errors: Unavailable (connection lost without a close frame), Timeout.
  Result<std::optional<std::string>> read(std::chrono::milliseconds timeout);
  // How the peer closed the connection, once read() returned nullopt.
  const WsClose& closed() const;
  // Sends a normal close frame and waits briefly for the peer's; idempotent.
  void close();

 private:
  struct Impl;
  explicit WsClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace colonies::transport
