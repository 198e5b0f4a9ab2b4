// The Client constructors that pick the HTTP transport. Kept apart so that the rest of the SDK
// builds and tests with a fake transport alone.
#include "adapters/crypto/sodium_crypto.hpp"
#include "client/client.hpp"
#include "client/http_transport.hpp"

namespace colonies::client {

std::unique_ptr<Transport> make_http_transport(const ClientConfig& config) {
  transport::HttpClientOptions options;
  options.host = config.host;
  options.port = config.port;
  options.tls = config.tls;
  options.tls_verify = config.tls_verify;
  options.ca_file = config.ca_file;
  return std::make_unique<HttpTransport>(std::move(options));
}

Client::Client(const ClientConfig& config, std::unique_ptr<ports::Signer> signer, ClientDeps deps)
    : Client(make_http_transport(config), std::move(signer), config, std::move(deps)) {}

Result<Client> Client::connect(const ClientConfig& config, std::string_view private_key_hex, ClientDeps deps) {
  crypto::SodiumCrypto sodium;
  COLONIES_TRY(signer, sodium.signer(private_key_hex));
  return Client(config, std::move(signer), std::move(deps));
}

}  // namespace colonies::client
