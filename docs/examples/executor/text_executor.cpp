// A complete executor written with the C++ SDK alone: it registers itself, then long-polls for
// processes and runs two functions in-process:
//   upper ARGS...   output: each argument in upper case
//   count ARGS...   output: the number of arguments and the total number of characters
// Anything else is closed as failed with a reason. docs/writing-an-executor.md walks through it;
// the integration test tests/integration/executors/example_executor_test.cpp runs it.
//
// Usage: text_executor HOST PORT COLONY NAME TYPE
// Environment: COLONIES_PRVKEY (the executor's key), COLONIES_COLONY_PRVKEY (the colony owner's
// key, to add and approve the executor; without it the owner must do that beforehand).
#include <cctype>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>

#include "client/client.hpp"

using namespace colonies;
namespace json = boost::json;

namespace {

volatile std::sig_atomic_t stop = 0;

// The function table: returns the output, or an error message for a failed close.
Result<json::array> run(const model::Process& process) {
  const auto& spec = process.spec;
  if (spec.funcname == "upper") {
    json::array out;
    for (const auto& arg : spec.args) {
      if (!arg.is_string()) return std::unexpected(Error{ErrorCode::BadRequest, "upper takes strings"});
      std::string text(arg.as_string());
      for (auto& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      out.emplace_back(text);
    }
    return out;
  }
  if (spec.funcname == "count") {
    std::size_t chars = 0;
    for (const auto& arg : spec.args) chars += arg.is_string() ? arg.as_string().size() : 0;
    return json::array{static_cast<std::int64_t>(spec.args.size()), static_cast<std::int64_t>(chars)};
  }
  return std::unexpected(Error{ErrorCode::BadRequest, "unknown function '" + spec.funcname + "'"});
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6 || std::getenv("COLONIES_PRVKEY") == nullptr) {
    std::cerr << "usage: COLONIES_PRVKEY=<key> text_executor HOST PORT COLONY NAME TYPE\n";
    return 2;
  }
  client::ClientConfig config{.host = argv[1], .port = static_cast<std::uint16_t>(std::atoi(argv[2]))};
  const std::string colony = argv[3];
  std::signal(SIGTERM, [](int) { stop = 1; });
  std::signal(SIGINT, [](int) { stop = 1; });

  auto executor = client::Client::connect(config, std::getenv("COLONIES_PRVKEY"));
  if (!executor) {
    std::cerr << "cannot connect: " << executor.error().message << "\n";
    return 1;
  }

  // 1. Register: the colony owner adds the executor (its ID is the public key of its own key)
  //    and approves it. Only approved executors are given work.
  if (const char* owner_key = std::getenv("COLONIES_COLONY_PRVKEY")) {
    auto owner = client::Client::connect(config, owner_key);
    model::Executor self;
    self.executorid = executor->id();
    self.executorname = argv[4];
    self.executortype = argv[5];
    self.colonyname = colony;
    auto added = owner ? owner->add_executor(self) : std::unexpected(owner.error());
    if (!added && added.error().code != ErrorCode::Conflict) {  // Conflict: registered before
      std::cerr << "cannot add the executor: " << added.error().message << "\n";
      return 1;
    }
    if (auto approved = owner->approve_executor(colony, self.executorname); !approved) {
      std::cerr << "cannot approve the executor: " << approved.error().message << "\n";
      return 1;
    }
  }

  // 2. Pull: each assign waits up to 10 s for a process of this executor's type; Timeout only
  //    means nothing came, so ask again.
  while (!stop) {
    auto process = executor->assign(colony, 10);
    if (!process) {
      if (process.error().code == ErrorCode::Timeout) continue;
      std::cerr << "assign failed: " << process.error().message << "\n";
      return 1;
    }
    // 3. Run and report. A log line is visible to the submitter while it runs.
    executor->add_log(process->processid, "running " + process->spec.funcname + "\n");
    auto result = run(*process);
    auto closed = result ? executor->close_successful(process->processid, *result)
                         : executor->close_failed(process->processid, {result.error().message});
    if (!closed) std::cerr << "close of " << process->processid << " failed: " << closed.error().message << "\n";
  }
  return 0;
}
