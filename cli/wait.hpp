// Waiting for a submitted process to finish (`--wait`): polls getprocessmsg with a growing
// interval (200 ms up to 1 s), shows the state and elapsed time on stderr when it is a terminal,
// and turns the final state into output and an exit code. Not a subscription: plain polling.
#pragma once

#include <string>

#include "cli/context.hpp"
#include "client/client.hpp"

namespace colonies::cli {

// Polls until the process is SUCCESS, FAILED or CANCELLED. Errors of getprocessmsg end the wait.
Result<model::Process> wait_for_process(CommandContext& ctx, client::Client& client, const std::string& processid);

// Prints the outcome of a final process (its output, or its errors on stderr) and returns the
// exit code: 0 for SUCCESS, 1 otherwise.
int report_outcome(CommandContext& ctx, const model::Process& process);

// Submits `spec` and, with `wait`, waits for it; prints the process ID (or the process as JSON).
int submit_and_maybe_wait(CommandContext& ctx, const model::FunctionSpec& spec, bool wait);

}  // namespace colonies::cli
