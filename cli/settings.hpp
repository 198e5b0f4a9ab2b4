// Global settings of the `colonies` CLI (server address, TLS, output mode, keys, colony) and
// how each command picks its signing key. Flags beat environment variables, which beat defaults.
// This file does not talk to the server.
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "client/client.hpp"
#include "core/error/error.hpp"

namespace colonies::cli {

// Whose key a command signs with.
enum class KeyRole {
  Unsigned,     // versionmsg, getserverinfomsg
  Member,       // --prvkey, else COLONIES_PRVKEY
  ColonyOwner,  // --prvkey, else COLONIES_COLONY_PRVKEY, else COLONIES_PRVKEY
  ServerOwner,  // --prvkey, else COLONIES_SERVER_PRVKEY, else COLONIES_PRVKEY
};

struct Settings {
  std::string host = "127.0.0.1";  // or a URL: http://, https://, grpc://, grpcs:// host[:port]
  int port = 50080;
  std::string transport = "http";  // "http" or "grpc"
  int grpc_port = 50081;
  bool tls = false;
  bool insecure = false;  // skip TLS certificate verification
  std::string tls_ca_file;  // extra trusted CA (PEM)
  bool json = false;
  std::string prvkey;  // only from --prvkey; env keys are looked up per role
  std::string prvkey_file;  // only from --prvkey-file; COLONIES_*_PRVKEY_FILE are looked up per role
  std::string colonyname;
  std::string executortype;

  // Adds --host --port --transport --grpc-port --tls --tls-ca-file --insecure --json --prvkey --prvkey-file --colonyname to
  // `app`, bound to this.
  void add_options(CLI::App& app);
  // The SDK configuration; BadRequest when --host is a URL that cannot be used.
  Result<client::ClientConfig> client_config() const;
  // "host:port" of the chosen transport, for messages.
  std::string endpoint() const;
};

// The private key for `role`, or an error that says which variable or flag to set.
Result<std::string> resolve_key(const Settings& settings, KeyRole role);

// Reads an environment variable; "" when unset.
std::string env_or_empty(const char* name);

}  // namespace colonies::cli
