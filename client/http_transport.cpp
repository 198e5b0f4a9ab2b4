// HttpTransport: every envelope is one POST /api; the reply body is returned whatever the status,
// because error replies carry their reason in the body. A proxy or a broken server may answer an
// error status with a body that is not a reply envelope: that becomes an error reply with the
// HTTP status, so the caller still sees the right ErrorCode.
#include "client/http_transport.hpp"

#include <fmt/format.h>

#include "adapters/transport/http/ws_client.hpp"
#include "core/protocol/envelope.hpp"

namespace colonies::client {

namespace {
constexpr std::size_t kSnippetLength = 200;
constexpr std::string_view kStreamPath = "/api/ws";

class WsStreamConnection final : public StreamConnection {
 public:
  explicit WsStreamConnection(std::unique_ptr<transport::WsClient> ws) : ws_(std::move(ws)) {}
  ~WsStreamConnection() override { ws_->close(); }
  Status send(const std::string& text, std::chrono::milliseconds timeout) override { return ws_->send(text, timeout); }
  Result<std::optional<std::string>> read(std::chrono::milliseconds timeout) override { return ws_->read(timeout); }
  Close closed() const override { return Close{ws_->closed().code, ws_->closed().reason}; }

 private:
  std::unique_ptr<transport::WsClient> ws_;
};
}  // namespace

HttpTransport::HttpTransport(transport::HttpClientOptions options)
    : options_(options), endpoint_(fmt::format("{}:{}", options.host, options.port)), http_(std::move(options)) {}

Result<std::unique_ptr<StreamConnection>> HttpTransport::open_stream(std::chrono::milliseconds timeout) {
  COLONIES_TRY(ws, transport::WsClient::connect(options_, std::string(kStreamPath), timeout));
  return std::unique_ptr<StreamConnection>(std::make_unique<WsStreamConnection>(std::move(ws)));
}

Result<std::string> HttpTransport::call(const std::string& request_body, std::chrono::milliseconds timeout) {
  COLONIES_TRY(reply, http_.post("/api", request_body, timeout));
  if (reply.status >= 400 && !protocol::decode_reply(reply.body)) {
    std::string snippet = reply.body.substr(0, kSnippetLength);
    return protocol::encode_error_reply(
        reply.status, fmt::format("HTTP {} from {} without an error reply{}{}", reply.status, endpoint_,
                                  snippet.empty() ? "" : ": ", snippet));
  }
  return std::move(reply.body);
}

}  // namespace colonies::client
