// The `colonies` binary: wires the real transport (HTTP or gRPC, as the settings say), terminal and clock into the CLI library.
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include "cli/app.hpp"
#include "client/client.hpp"

int main(int argc, char** argv) {
  using namespace colonies;
  cli::CliEnvironment env;
  env.out = &std::cout;
  env.err = &std::cerr;
  env.connect = [](const client::ClientConfig& config) { return client::make_transport(config); };
  env.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  env.now = [] { return std::chrono::steady_clock::now(); };
  env.stderr_is_tty = ::isatty(STDERR_FILENO) != 0;
  std::error_code ec;
  env.self_path = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  env.exec = [](const std::string& path, const std::vector<std::string>& args) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    return ::execv(path.c_str(), argv.data());
  };
  std::vector<std::string> args(argv + 1, argv + argc);
  return cli::run(args, env);
}
