// What the `colonies` CLI needs from the world outside the command line: output streams, a way
// to reach the server, sleeping and the clock, and whether stderr is a terminal. main.cpp fills
// in the real ones; tests inject fakes. Environment variables are read with getenv, not here.
#pragma once

#include <chrono>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>

#include "client/client.hpp"
#include "client/transport.hpp"

namespace colonies::cli {

struct CliEnvironment {
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  // Opens the transport to the configured server (client::make_transport in the real binary).
  std::function<std::unique_ptr<client::Transport>(const client::ClientConfig&)> connect;
  std::function<void(std::chrono::milliseconds)> sleep;
  std::function<std::chrono::steady_clock::time_point()> now;
  bool stderr_is_tty = false;
  // Absolute path of the running `colonies` binary, to find coloniesd next to it.
  std::string self_path;
  // Replaces this process with `path argv...`; returns only on failure (errno set).
  std::function<int(const std::string& path, const std::vector<std::string>& argv)> exec;
};

}  // namespace colonies::cli
