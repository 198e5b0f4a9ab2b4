// The SDK's Transport over gRPC: Call for every envelope, and one Subscribe stream per
// subscription (the colonies.v1.Colonies service of coloniesd --grpc-port). Timeouts become call
// deadlines. The error replies that HTTP carries in the body come in the gRPC status details and
// are returned as the body, so Client decodes the same errors either way; a gRPC status without
// one maps back through core/protocol/status. No gRPC header here (see grpc_transport.cpp).
#pragma once

#include <memory>
#include <string>

#include "client/transport.hpp"

namespace colonies::client {

struct ClientConfig;

class GrpcTransport final : public Transport {
 public:
  // Host, port and TLS (tls, tls_verify, ca_file) of `config`. Connects lazily, on the first call.
  explicit GrpcTransport(const ClientConfig& config);
  ~GrpcTransport() override;
  Result<std::string> call(const std::string& request_body, std::chrono::milliseconds timeout) override;
  std::string endpoint() const override { return endpoint_; }
  // A stream whose first send() starts the Subscribe call with the subscribe envelope; it
  // carries that one subscription (a second send() is refused). closed() reports the end as the
  // WebSocket would: 1000 for OK, 1008 for RESOURCE_EXHAUSTED (too slow), 1001 for UNAVAILABLE
  // (shutting down, not the leader), 1011 otherwise, with the status message as the reason.
  Result<std::unique_ptr<StreamConnection>> open_stream(std::chrono::milliseconds timeout) override;

 private:
  struct Channel;
  std::unique_ptr<Channel> channel_;
  std::string endpoint_;
};

}  // namespace colonies::client
