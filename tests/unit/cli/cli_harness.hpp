// Runs whole `colonies` command lines in-process against a FakeTransport, with a clean set of
// COLONIES_* environment variables, captured output and a sleep that does not sleep.
#pragma once

#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "adapters/crypto/sodium_crypto.hpp"
#include "cli/app.hpp"
#include "tests/support/fake_transport.hpp"

namespace colonies::cli {

class CliHarness : public ::testing::Test {
 protected:
  static constexpr const char* kVariables[] = {
      "COLONIES_SERVER_HOST",   "COLONIES_SERVER_HTTP_PORT", "COLONIES_SERVER_PORT",   "COLONIES_TLS",
      "COLONIES_PRVKEY",        "COLONIES_COLONY_PRVKEY",    "COLONIES_SERVER_PRVKEY", "COLONIES_COLONY_NAME",
      "COLONIES_EXECUTOR_TYPE", "COLONIES_FS_DIR",         "COLONIES_TRANSPORT",     "COLONIES_SERVER_GRPC_PORT",
      "COLONIES_TLS_CA_FILE",   "COLONIES_PRVKEY_FILE",    "COLONIES_COLONY_PRVKEY_FILE",
      "COLONIES_SERVER_PRVKEY_FILE"};

  CliHarness() {
    for (const char* name : kVariables) {
      if (const char* value = std::getenv(name)) saved_[name] = value;
      ::unsetenv(name);
    }
    env_.out = &out_;
    env_.err = &err_;
    env_.connect = [this](const client::ClientConfig& config) -> std::unique_ptr<client::Transport> {
      configs_.push_back(config);
      auto transport = std::make_unique<colonies::testing::FakeTransport>();
      transport->set_handler([this](const std::string& body) { return handle(body); });
      sent_ = transport->sent();
      while (!scripted_.empty()) {
        transport->push_reply(std::move(scripted_.front()));
        scripted_.erase(scripted_.begin());
      }
      return transport;
    };
    env_.sleep = [this](std::chrono::milliseconds d) {
      sleeps_.push_back(d);
      fake_now_ += d;
    };
    env_.now = [this] { return fake_now_; };
    user_key_ = sodium_.generate_private_key();
    colony_key_ = sodium_.generate_private_key();
    server_key_ = sodium_.generate_private_key();
  }

  ~CliHarness() override {
    for (const char* name : kVariables) ::unsetenv(name);
    for (const auto& [name, value] : saved_) ::setenv(name.c_str(), value.c_str(), 1);
  }

  int run(std::vector<std::string> args) {
    out_.str("");
    err_.str("");
    return cli::run(args, env_);
  }

  void set_env(const char* name, const std::string& value) { ::setenv(name, value.c_str(), 1); }

  // Typical user set-up: a colony and a member key.
  void member_env() {
    set_env("COLONIES_COLONY_NAME", "dev");
    set_env("COLONIES_PRVKEY", user_key_);
  }

  // Replies for the next connection, in order; afterwards handle() answers.
  void script_ok(const boost::json::value& payload) { scripted_.push_back(protocol::encode_reply("reply", payload)); }
  void script_error(int status, std::string_view message) {
    scripted_.push_back(protocol::encode_error_reply(status, message));
  }
  void script_failure(Error error) { scripted_.push_back(std::unexpected(std::move(error))); }

  // Default answer: an empty list for list messages, {} otherwise. Tests override for richer
  // conversations.
  virtual Result<std::string> handle(const std::string& body) {
    static const std::set<std::string> kLists = {"getprocessesmsg", "getcoloniesmsg", "getusersmsg",
                                                 "getexecutorsmsg", "getfunctionsmsg", "getlogsmsg",
                                                 "searchlogsmsg",   "getlocationsmsg", "getprocesshistmsg"};
    if (kLists.contains(colonies::testing::sent_type(body))) return protocol::encode_reply("reply", boost::json::array{});
    return protocol::encode_reply("reply", boost::json::object{});
  }

  std::string id_of(const std::string& key) { return (*sodium_.signer(key))->id(); }
  std::string signer_of_last() {
    auto envelope = protocol::decode_envelope(sent_->back().body);
    return envelope ? envelope->signer : std::string();
  }
  std::string type_of_last() { return colonies::testing::sent_type(sent_->back().body); }
  boost::json::object payload_of_last() { return colonies::testing::sent_payload(sent_->back().body); }

  crypto::SodiumCrypto sodium_;
  std::string user_key_;
  std::string colony_key_;
  std::string server_key_;
  std::ostringstream out_;
  std::ostringstream err_;
  CliEnvironment env_;
  std::vector<client::ClientConfig> configs_;
  std::vector<Result<std::string>> scripted_;
  std::shared_ptr<std::vector<colonies::testing::FakeTransport::Sent>> sent_ =
      std::make_shared<std::vector<colonies::testing::FakeTransport::Sent>>();
  std::vector<std::chrono::milliseconds> sleeps_;
  std::chrono::steady_clock::time_point fake_now_{};

 private:
  std::map<std::string, std::string> saved_;
};

}  // namespace colonies::cli
