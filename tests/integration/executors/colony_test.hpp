// What the executor integration tests share: a real coloniesd (COLONIESD_PATH) per test suite with
// one colony and a user in it, the keys, and helpers to follow a process as a user sees it.
// Compiled into each test binary (it needs that binary's COLONIESD_PATH).
#pragma once

#include <sys/types.h>

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "adapters/crypto/sodium_crypto.hpp"
#include "client/client.hpp"
#include "tests/integration/executors/server_process.hpp"

namespace colonies::executors::it {

crypto::SodiumCrypto& sodium();
// The ID (public key hash) of a private key.
std::string id_of(const std::string& key);
// True while `pid` exists and is not a zombie.
bool running(pid_t pid);
// `prefix` + the current test's name, lower-case: a unique executor type or directory name.
std::string test_slug(const std::string& prefix);
// Starts the program args[0] with `args` and exactly the environment `env` ("NAME=value") in a
// child process that dies with the test. Its stderr goes to `stderr_path` (appended) unless that
// is empty. Returns the child's pid (ASSERT it is > 0).
pid_t spawn(const std::vector<std::string>& args, const std::vector<std::string>& env,
            const std::string& stderr_path = "");

class ColonyTest : public ::testing::Test {
 protected:
  static constexpr const char* kColony = "lab";

  // Starts the server and adds the colony and the user; SetUp() fails the tests if it could not.
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;

  // Polls the process as the user until `done` holds; fails the test after `limit`.
  model::Process wait_for(const std::string& id, const std::function<bool(const model::Process&)>& done,
                          std::chrono::milliseconds limit = std::chrono::seconds(60));
  model::Process wait_final(const std::string& id, std::chrono::milliseconds limit = std::chrono::seconds(60));
  // The process's log messages, concatenated (the first 500 entries).
  std::string logs_of(const std::string& id);

  static inline testing::ServerProcess* server_ = nullptr;
  static inline std::string server_key_, colony_key_, user_key_;
  std::unique_ptr<client::Client> user_;
};

}  // namespace colonies::executors::it
