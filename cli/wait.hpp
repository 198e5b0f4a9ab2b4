// Waiting for a submitted process to finish (`--wait`): polls getprocessmsg with a growing
// interval (200 ms up to 1 s), shows the state and elapsed time on stderr when it is a terminal,
// and turns the final state into output and an exit code. Following a process through its
// state changes (`--follow`) uses a subscription instead (follow_process).
#pragma once

#include <functional>
#include <string>

#include "cli/context.hpp"
#include "client/client.hpp"

namespace colonies::cli {

// Polls until the process is SUCCESS, FAILED or CANCELLED. Errors of getprocessmsg end the wait.
Result<model::Process> wait_for_process(CommandContext& ctx, client::Client& client, const std::string& processid);

// Follows a process until it is final, calling `on_change` with its current state first and
// then with every state change, and returns the final process. Uses subscribeprocessmsg over the
// WebSocket (no polling); falls back to polling getprocessmsg once a second when no stream can
// be opened. This is the helper for anything that waits on a process (`workflow submit --wait`
// can use it on the graph's processes). A RUNNING process that is re-queued and runs again is
// reported when it next ends: only WAITING -> RUNNING and -> final are awaited.
using ProcessChange = std::function<void(const model::Process&)>;
Result<model::Process> follow_process(CommandContext& ctx, client::Client& client, const std::string& processid,
                                      const ProcessChange& on_change);

// Prints the outcome of a final process (its output, or its errors on stderr) and returns the
// exit code: 0 for SUCCESS, 1 otherwise.
int report_outcome(CommandContext& ctx, const model::Process& process);

// Submits `spec` and, with `wait`, waits for it; prints the process ID (or the process as JSON).
int submit_and_maybe_wait(CommandContext& ctx, const model::FunctionSpec& spec, bool wait);

}  // namespace colonies::cli
