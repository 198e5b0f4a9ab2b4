// State shared by the CLI's commands during one invocation: the settings, the environment, the
// action the parsed command chose, and helpers to connect, print and report errors uniformly.
// Commands live in cli/commands/; this holds nothing command-specific.
#pragma once

#include <functional>
#include <ostream>
#include <string>

#include "cli/cli_environment.hpp"
#include "cli/settings.hpp"
#include "client/client.hpp"

namespace colonies::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

class CommandContext {
 public:
  explicit CommandContext(CliEnvironment& env) : env_(env) {}

  Settings settings;
  // Set by the callback of the subcommand that was parsed; run after parsing succeeded.
  std::function<int()> action;

  std::ostream& out() { return *env_.out; }
  std::ostream& err() { return *env_.err; }
  CliEnvironment& env() { return env_; }

  // A client that signs as `role`. Fails (with a message naming the variable to set) when there
  // is no key for the role or the key is malformed.
  Result<client::Client> client(KeyRole role);
  // --colonyname / COLONIES_COLONY_NAME, or an error saying how to set it.
  Result<std::string> colonyname() const;

  // Prints the error for a failed call and returns kExitFailed.
  int report(const Error& error, const client::Client& client);
  // Prints a usage or configuration error and returns kExitUsage.
  int usage(const Error& error);
  int usage(std::string_view message);
  // Prints `value` as one line of JSON and returns kExitOk.
  int print_json(const boost::json::value& value);
  int print(const std::string& text);
  // Wall-clock now, for showing times relative to today.
  model::TimeNs wall_now() const;

 private:
  CliEnvironment& env_;
  KeyRole role_ = KeyRole::Member;
};

}  // namespace colonies::cli
