// The Client constructors that pick the transport (HTTP, or gRPC when the SDK is built with it),
// and server URLs. Kept apart so that the rest of the SDK builds and tests with a fake transport.
#include <charconv>

#include "adapters/crypto/sodium_crypto.hpp"
#include "client/client.hpp"
#include "client/http_transport.hpp"
#ifdef COLONIES_WITH_GRPC
#include "client/grpc_transport.hpp"
#endif

namespace colonies::client {

namespace {

#ifndef COLONIES_WITH_GRPC
// What an SDK built without gRPC gives a caller that asked for it: every call says why.
class MissingGrpcTransport final : public Transport {
 public:
  explicit MissingGrpcTransport(std::string endpoint) : endpoint_(std::move(endpoint)) {}
  Result<std::string> call(const std::string&, std::chrono::milliseconds) override { return missing(); }
  std::string endpoint() const override { return endpoint_; }
  Result<std::unique_ptr<StreamConnection>> open_stream(std::chrono::milliseconds) override { return missing(); }

 private:
  std::unexpected<Error> missing() const {
    return fail(ErrorCode::BadRequest,
                "cannot reach {} over gRPC: this program was built without gRPC (COLONIES_WITH_GRPC=OFF); use HTTP",
                endpoint_);
  }
  std::string endpoint_;
};
#endif

}  // namespace

std::unique_ptr<Transport> make_http_transport(const ClientConfig& config) {
  transport::HttpClientOptions options;
  options.host = config.host;
  options.port = config.port;
  options.tls = config.tls;
  options.tls_verify = config.tls_verify;
  options.ca_file = config.ca_file;
  options.tls_trust_hint = std::string(kTlsTrustHint);
  return std::make_unique<HttpTransport>(std::move(options));
}

std::unique_ptr<Transport> make_transport(const ClientConfig& config) {
  if (config.transport == TransportKind::Http) return make_http_transport(config);
#ifdef COLONIES_WITH_GRPC
  return std::make_unique<GrpcTransport>(config);
#else
  return std::make_unique<MissingGrpcTransport>(fmt::format("{}:{}", config.host, config.port));
#endif
}

Status apply_server_url(ClientConfig& config, std::string_view url) {
  const auto separator = url.find("://");
  if (separator == std::string_view::npos) {
    return fail(ErrorCode::BadRequest, "server URL '{}' has no scheme: use http://, https://, grpc:// or grpcs://", url);
  }
  const auto scheme = url.substr(0, separator);
  ClientConfig next = config;
  if (scheme == "http" || scheme == "https") {
    next.transport = TransportKind::Http;
  } else if (scheme == "grpc" || scheme == "grpcs") {
    next.transport = TransportKind::Grpc;
  } else {
    return fail(ErrorCode::BadRequest, "server URL '{}': unknown scheme '{}' (http, https, grpc or grpcs)", url, scheme);
  }
  next.tls = scheme == "https" || scheme == "grpcs";
  auto authority = url.substr(separator + 3);
  authority = authority.substr(0, authority.find('/'));
  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with('[')) {  // [IPv6]:port
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return fail(ErrorCode::BadRequest, "server URL '{}': unclosed '['", url);
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return fail(ErrorCode::BadRequest, "server URL '{}': junk after ']'", url);
      port = authority.substr(close + 2);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return fail(ErrorCode::BadRequest, "server URL '{}' names no host", url);
  next.host = std::string(host);
  if (!port.empty()) {
    unsigned value = 0;
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (error != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return fail(ErrorCode::BadRequest, "server URL '{}': port '{}' is not a number from 1 to 65535", url, port);
    }
    next.port = static_cast<std::uint16_t>(value);
  }
  config = std::move(next);
  return ok();
}

Client::Client(const ClientConfig& config, std::unique_ptr<ports::Signer> signer, ClientDeps deps)
    : Client(make_transport(config), std::move(signer), config, std::move(deps)) {}

Result<Client> Client::connect(const ClientConfig& config, std::string_view private_key_hex, ClientDeps deps) {
  crypto::SodiumCrypto sodium;
  COLONIES_TRY(signer, sodium.signer(private_key_hex));
  return Client(config, std::move(signer), std::move(deps));
}

}  // namespace colonies::client
