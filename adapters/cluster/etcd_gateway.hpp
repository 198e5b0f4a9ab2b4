// EtcdGateway: blocking calls to etcd's v3 HTTP/JSON gateway (POST /v3/...), one kept-alive
// connection per endpoint, failing over to the next endpoint when one cannot be reached. Bodies
// are built and read by etcd_messages.hpp; this file only moves them. Not thread-safe: one
// gateway per thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/transport/http/http_client.hpp"
#include "core/error/error.hpp"

namespace colonies::cluster {

class EtcdGateway {
 public:
  // `endpoints` are "http://host:port" (at least one). Errors: BadRequest naming the bad endpoint.
  static Result<EtcdGateway> create(const std::vector<std::string>& endpoints, std::chrono::milliseconds timeout);

  // POSTs `body` to `path` (e.g. "/v3/kv/range") and returns the body of a 200 reply. Blocks for
  // at most `timeout` per endpoint tried. The endpoint that answered last is tried first; when
  // it cannot be reached (or times out) the others are tried in turn. Errors: Unavailable when
  // no endpoint answered (the message names each one and why); a non-200 reply is the error it
  // carries (etcd::parse_error) and is not retried elsewhere.
  Result<std::string> call(std::string_view path, const std::string& body);

 private:
  struct Endpoint {
    std::string url;
    std::unique_ptr<transport::HttpClient> client;
  };
  EtcdGateway(std::vector<Endpoint> endpoints, std::chrono::milliseconds timeout)
      : endpoints_(std::move(endpoints)), timeout_(timeout) {}

  std::vector<Endpoint> endpoints_;
  std::chrono::milliseconds timeout_;
  std::size_t current_ = 0;
};

}  // namespace colonies::cluster
