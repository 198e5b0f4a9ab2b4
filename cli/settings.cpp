// Global options and signing-key resolution of the CLI.
#include "cli/settings.hpp"

#include <cstdlib>

#include <fmt/format.h>

#include "adapters/crypto/key_file.hpp"

namespace colonies::cli {

namespace {
constexpr const char* kGenerateHint = "(create one with `colonies security generate`)";
}

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value ? std::string(value) : std::string();
}

void Settings::add_options(CLI::App& app) {
  // The legacy variable only changes the default; COLONIES_SERVER_HTTP_PORT and --port win.
  if (auto legacy = env_or_empty("COLONIES_SERVER_PORT"); !legacy.empty()) {
    try {
      port = std::stoi(legacy);
    } catch (const std::exception&) {
      // Left at the default; --port or COLONIES_SERVER_HTTP_PORT can still set it.
    }
  }
  app.add_option("--host", host, "coloniesd host")->envname("COLONIES_SERVER_HOST")->capture_default_str();
  app.add_option("--port", port, "coloniesd HTTP port (legacy env COLONIES_SERVER_PORT too)")
      ->envname("COLONIES_SERVER_HTTP_PORT")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  app.add_option("--transport", transport,
                 "http (POST /api and WebSocket on --port) or grpc (the gRPC service on --grpc-port); a --host "
                 "URL grpc://, grpcs://, http:// or https:// chooses too")
      ->envname("COLONIES_TRANSPORT")
      ->check(CLI::IsMember({"http", "grpc"}))
      ->capture_default_str();
  app.add_option("--grpc-port", grpc_port, "coloniesd gRPC port (coloniesd --grpc-port), with --transport grpc")
      ->envname("COLONIES_SERVER_GRPC_PORT")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  app.add_flag("--tls,!--no-tls", tls, "use TLS (HTTPS, or gRPC over TLS)")->envname("COLONIES_TLS");
  app.add_option("--tls-ca-file", tls_ca_file,
                 "with --tls: a CA certificate (PEM) to trust besides the system store (over gRPC: instead of "
                 "it), e.g. the server's own self-signed certificate")
      ->envname("COLONIES_TLS_CA_FILE");
  app.add_flag("--insecure", insecure,
               "with --tls: do not verify the server certificate or its host name (testing only: anyone can be "
               "at the other end)");
  app.add_flag("--json", json, "print the server's JSON instead of tables");
  app.add_option("--prvkey", prvkey,
                 "private key to sign with (default: COLONIES_PRVKEY; owner commands: COLONIES_COLONY_PRVKEY "
                 "or COLONIES_SERVER_PRVKEY; each also as a file: COLONIES_PRVKEY_FILE, ...)");
  app.add_option("--prvkey-file", prvkey_file,
                 "file holding the private key to sign with (mode 0600; made by `colonies security generate --out`); "
                 "keeps the key out of `ps` and the environment");
  app.add_option("--colonyname", colonyname, "colony to work in")->envname("COLONIES_COLONY_NAME");
}

Result<client::ClientConfig> Settings::client_config() const {
  client::ClientConfig config;
  config.host = host;
  config.transport = transport == "grpc" ? client::TransportKind::Grpc : client::TransportKind::Http;
  config.tls = tls;
  config.tls_verify = !insecure;
  config.ca_file = tls_ca_file;
  config.port = 0;
  // A URL in --host says everything it names (scheme: transport and TLS; port if given).
  if (host.find("://") != std::string::npos) COLONIES_CHECK(client::apply_server_url(config, host));
  // No port in a URL: the port flag of the transport it chose.
  if (config.port == 0) {
    config.port = static_cast<std::uint16_t>(config.transport == client::TransportKind::Grpc ? grpc_port : port);
  }
  return config;
}

std::string Settings::endpoint() const {
  auto config = client_config();
  if (!config) return host;
  return fmt::format("{}:{}", config->host, config->port);
}

Result<std::string> resolve_key(const Settings& settings, KeyRole role) {
  if (role == KeyRole::Unsigned) return std::string();
  if (!settings.prvkey.empty()) return settings.prvkey;
  if (!settings.prvkey_file.empty()) return crypto::read_private_key_file(settings.prvkey_file, "--prvkey-file");
  const char* role_var = role == KeyRole::ColonyOwner   ? "COLONIES_COLONY_PRVKEY"
                         : role == KeyRole::ServerOwner ? "COLONIES_SERVER_PRVKEY"
                                                        : nullptr;
  // The role's key before the member key, and each variable before its _FILE twin.
  for (const char* var : {role_var, "COLONIES_PRVKEY"}) {
    if (!var) continue;
    if (auto key = env_or_empty(var); !key.empty()) return key;
    const std::string file_var = std::string(var) + "_FILE";
    if (auto file = env_or_empty(file_var.c_str()); !file.empty()) return crypto::read_private_key_file(file, file_var);
  }
  if (role == KeyRole::ColonyOwner) {
    return fail(ErrorCode::BadRequest,
                "no colony owner key: this command must be signed by the colony owner; set COLONIES_COLONY_PRVKEY "
                "(or COLONIES_COLONY_PRVKEY_FILE) or pass --prvkey");
  }
  if (role == KeyRole::ServerOwner) {
    return fail(ErrorCode::BadRequest,
                "no server owner key: this command must be signed by the server owner; set COLONIES_SERVER_PRVKEY "
                "(or COLONIES_SERVER_PRVKEY_FILE) or pass --prvkey");
  }
  return fail(ErrorCode::BadRequest, "no private key: set COLONIES_PRVKEY or pass --prvkey {}", kGenerateHint);
}

}  // namespace colonies::cli
