// The SDK's Transport over HTTP: POST /api on one kept-alive connection (transport::HttpClient),
// and subscription streams as WebSockets on GET /api/ws (transport::WsClient), each on its own
// connection. Not thread-safe, like the HttpClient under it. No retries here: a failure is reported.
#pragma once

#include <memory>

#include "adapters/transport/http/http_client.hpp"
#include "client/transport.hpp"

namespace colonies::client {

class HttpTransport final : public Transport {
 public:
  explicit HttpTransport(transport::HttpClientOptions options);
  Result<std::string> call(const std::string& request_body, std::chrono::milliseconds timeout) override;
  std::string endpoint() const override { return endpoint_; }
  Result<std::unique_ptr<StreamConnection>> open_stream(std::chrono::milliseconds timeout) override;

 private:
  transport::HttpClientOptions options_;
  std::string endpoint_;
  transport::HttpClient http_;
};

struct ClientConfig;
// The HTTP transport for a client configuration (host, port, TLS settings).
std::unique_ptr<Transport> make_http_transport(const ClientConfig& config);

}  // namespace colonies::client
