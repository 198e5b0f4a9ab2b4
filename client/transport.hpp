// Transport port of the C++ SDK: moves one request envelope to the server and brings back the
// reply body. It knows nothing of signing, payloads or error replies; that is Client's job.
// HttpTransport is the real one; tests use a fake that records requests.
#pragma once

#include <chrono>
#include <string>

#include "core/error/error.hpp"

namespace colonies::client {

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
};

}  // namespace colonies::client
