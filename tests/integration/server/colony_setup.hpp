// Set-up shared by the coloniesd integration tests: keys, a colony with an owner, approved
// executors and a user, created through the SDK against a running coloniesd.
#pragma once

#include <string>

#include <gtest/gtest.h>

#include "adapters/crypto/sodium_crypto.hpp"
#include "client/client.hpp"

namespace colonies::testing {

struct Key {
  std::string private_key;
  std::string id;
};

inline Key new_key() {
  crypto::SodiumCrypto sodium;
  Key k;
  k.private_key = sodium.generate_private_key();
  k.id = (*sodium.signer(k.private_key))->id();
  return k;
}

// Where a test's clients go: a port on 127.0.0.1 and a transport (HTTP unless said otherwise).
inline client::ClientConfig server_at(std::uint16_t port,
                                      client::TransportKind transport = client::TransportKind::Http) {
  client::ClientConfig config;
  config.port = port;
  config.transport = transport;
  config.request_timeout = std::chrono::seconds(10);
  config.long_poll_margin = std::chrono::seconds(5);
  return config;
}

inline client::Client connect(const client::ClientConfig& config, const Key& key) {
  auto c = client::Client::connect(config, key.private_key);
  if (!c) throw std::runtime_error("Client::connect: " + c.error().message);
  return std::move(*c);
}

inline client::Client connect(std::uint16_t port, const Key& key) { return connect(server_at(port), key); }

struct ColonySetup {
  std::string colony = "lab";
  Key owner = new_key();
  Key user = new_key();
};

// Adds the colony (as the server owner) and its user; each failure fails the test.
inline void create_colony(const client::ClientConfig& server_config, const Key& server_owner, const ColonySetup& s) {
  auto server = connect(server_config, server_owner);
  auto colony = server.add_colony(model::Colony{s.owner.id, s.colony});
  ASSERT_TRUE(colony.has_value()) << colony.error().message;
  auto owner = connect(server_config, s.owner);
  model::User user;
  user.colonyname = s.colony;
  user.userid = s.user.id;
  user.name = "user";
  auto added = owner.add_user(user);
  ASSERT_TRUE(added.has_value()) << added.error().message;
}
inline void create_colony(std::uint16_t port, const Key& server_owner, const ColonySetup& s) {
  create_colony(server_at(port), server_owner, s);
}

// Adds and approves an executor of `type` named `name`; returns its key.
inline Key add_executor(const client::ClientConfig& server_config, const ColonySetup& s, const std::string& name,
                        const std::string& type) {
  Key key = new_key();
  auto owner = connect(server_config, s.owner);
  model::Executor e;
  e.executorid = key.id;
  e.executortype = type;
  e.executorname = name;
  e.colonyname = s.colony;
  auto added = owner.add_executor(e);
  EXPECT_TRUE(added.has_value()) << added.error().message;
  auto approved = owner.approve_executor(s.colony, name);
  EXPECT_TRUE(approved.has_value()) << approved.error().message;
  return key;
}
inline Key add_executor(std::uint16_t port, const ColonySetup& s, const std::string& name, const std::string& type) {
  return add_executor(server_at(port), s, name, type);
}

inline model::FunctionSpec make_spec(const std::string& colony, const std::string& type, const std::string& funcname,
                                     std::int64_t maxexectime = 0) {
  model::FunctionSpec spec;
  spec.funcname = funcname;
  spec.conditions.colonyname = colony;
  spec.conditions.executortype = type;
  spec.maxexectime = maxexectime;
  spec.maxretries = -1;
  return spec;
}

}  // namespace colonies::testing
