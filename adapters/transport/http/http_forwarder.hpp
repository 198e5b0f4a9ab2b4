// HttpForwarder: relays a request body to another server, asynchronously on the caller's
// io_context, one connection per request. A follower of a cluster passes the calls it does not
// answer itself to the leader with it (docs/ha.md); the body is the caller's signed envelope,
// untouched, so the leader authenticates the caller itself and a relay cannot speak for anyone.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/error/error.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace colonies::transport {

struct ForwardTarget {
  std::string host;
  std::uint16_t port = 0;
};

// "http://host:port" (a trailing "/" allowed). Errors: BadRequest (another scheme, no port, a
// path). Members talk plain HTTP to each other in this version.
Result<ForwardTarget> parse_member_url(std::string_view url);

struct ForwardResult {
  // The whole request reached the peer's socket: it may have acted on it even without a reply.
  bool delivered = false;
  int status = 0;     // 0 when no reply arrived
  std::string body;   // the reply, when status != 0
  std::string error;  // why there is no reply, when status == 0
};

class HttpForwarder {
 public:
  explicit HttpForwarder(boost::asio::io_context& io) : io_(io) {}

  // POSTs `body` to `target` at `to` and calls `done` once, on an io thread, with the reply or
  // the failure; `timeout` covers connect, write and read.
  void post(const ForwardTarget& to, std::string target, std::string body, std::chrono::milliseconds timeout,
            std::function<void(ForwardResult)> done);

 private:
  boost::asio::io_context& io_;
};

}  // namespace colonies::transport
