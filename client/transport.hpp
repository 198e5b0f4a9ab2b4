// Transport port of the C++ SDK: moves one request envelope to the server and brings back the
// reply body. It knows nothing of signing, payloads or error replies; that is Client's job.
// HttpTransport is the real one; tests use a fake that records requests.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "core/error/error.hpp"

namespace colonies::client {

// A message stream to the server (the WebSocket at GET /api/ws): the client sends envelopes and
// receives reply envelopes as events. Not thread-safe.
class StreamConnection {
 public:
  virtual ~StreamConnection() = default;
  // Errors: Unavailable (connection lost), Timeout.
  virtual Status send(const std::string& text, std::chrono::milliseconds timeout) = 0;
  // The next frame, or nullopt once the server closed the stream (see close_reason()). Timeout
  // when nothing arrived in time; the stream stays usable. Errors: Unavailable, Timeout.
  virtual Result<std::optional<std::string>> read(std::chrono::milliseconds timeout) = 0;
  // How the server closed the stream, once read() returned nullopt: the WebSocket close code
  // (1000 normal, 1001 going away, 1008 policy, e.g. a subscriber too slow) and reason.
  struct Close {
    int code = 0;
    std::string reason;
  };
  virtual Close closed() const = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends `request_body` (an encoded envelope) and returns the reply body, also when the server
  // answered with an error status (the body then carries the error reply). Blocks for at most
  // about `timeout`. Errors: Unavailable (cannot connect, connection lost), Timeout. Called from
  // one thread at a time.
  virtual Result<std::string> call(const std::string& request_body, std::chrono::milliseconds timeout) = 0;
  // Where requests go, for messages ("127.0.0.1:50080").
  virtual std::string endpoint() const = 0;
  // Opens a message stream for subscriptions. Optional: transports without one (test fakes)
  // keep this default, which fails with Unavailable.
  virtual Result<std::unique_ptr<StreamConnection>> open_stream(std::chrono::milliseconds timeout) {
    (void)timeout;
    return fail(ErrorCode::Unavailable, "this transport to {} cannot open a subscription stream", endpoint());
  }
};

}  // namespace colonies::client
