// Global options and signing-key resolution of the CLI.
#include "cli/settings.hpp"

#include <cstdlib>

#include <fmt/format.h>

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
  app.add_flag("--insecure", insecure, "with --tls: do not verify the server certificate");
  app.add_flag("--json", json, "print the server's JSON instead of tables");
  app.add_option("--prvkey", prvkey,
                 "private key to sign with (default: COLONIES_PRVKEY; owner commands: COLONIES_COLONY_PRVKEY "
                 "or COLONIES_SERVER_PRVKEY)");
  app.add_option("--colonyname", colonyname, "colony to work in")->envname("COLONIES_COLONY_NAME");
}

Result<client::ClientConfig> Settings::client_config() const {
  client::ClientConfig config;
  config.host = host;
  config.transport = transport == "grpc" ? client::TransportKind::Grpc : client::TransportKind::Http;
  config.tls = tls;
  config.tls_verify = !insecure;
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
  const char* role_var = role == KeyRole::ColonyOwner   ? "COLONIES_COLONY_PRVKEY"
                         : role == KeyRole::ServerOwner ? "COLONIES_SERVER_PRVKEY"
                                                        : nullptr;
  if (role_var) {
    if (auto key = env_or_empty(role_var); !key.empty()) return key;
  }
  if (auto key = env_or_empty("COLONIES_PRVKEY"); !key.empty()) return key;
  if (role == KeyRole::ColonyOwner) {
    return fail(ErrorCode::BadRequest,
                "no colony owner key: this command must be signed by the colony owner; set COLONIES_COLONY_PRVKEY "
                "or pass --prvkey");
  }
  if (role == KeyRole::ServerOwner) {
    return fail(ErrorCode::BadRequest,
                "no server owner key: this command must be signed by the server owner; set COLONIES_SERVER_PRVKEY "
                "or pass --prvkey");
  }
  return fail(ErrorCode::BadRequest, "no private key: set COLONIES_PRVKEY or pass --prvkey {}", kGenerateHint);
}

}  // namespace colonies::cli
