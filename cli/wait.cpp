// Polling a process to its end, with a progress line on terminals.
#include "cli/wait.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "cli/table.hpp"

namespace colonies::cli {

namespace {

constexpr std::chrono::milliseconds kFirstPoll{200};
constexpr std::chrono::milliseconds kMaxPoll{1000};
// Polling fallback of follow_process: no faster than `log get --follow` always was.
constexpr std::chrono::milliseconds kFollowPoll{1000};

std::string progress_word(model::ProcessState state) {
  return state == model::ProcessState::Waiting ? "waiting" : state == model::ProcessState::Running ? "running"
                                                                                                  : "finishing";
}

}  // namespace

Result<model::Process> wait_for_process(CommandContext& ctx, client::Client& client, const std::string& processid) {
  CliEnvironment& env = ctx.env();
  auto start = env.now();
  auto interval = kFirstPoll;
  bool drew = false;
  for (;;) {
    auto process = client.get_process(processid);
    if (!process || model::is_final(process->state)) {
      if (drew) ctx.err() << "\r\033[K" << std::flush;  // erase the progress line
      return process;
    }
    if (env.stderr_is_tty) {
      auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(env.now() - start).count();
      ctx.err() << "\r\033[K" << progress_word(process->state) << "… " << elapsed << "s" << std::flush;
      drew = true;
    }
    env.sleep(interval);
    interval = std::min(kMaxPoll, interval * 3 / 2);
  }
}

Result<model::Process> follow_process(CommandContext& ctx, client::Client& client, const std::string& processid,
                                      const ProcessChange& on_change) {
  auto current = client.get_process(processid);
  if (!current) return current;
  on_change(*current);
  bool streams = true;
  while (!model::is_final(current->state)) {
    Result<model::Process> next = current;
    if (streams) {
      // A WAITING process is awaited into RUNNING, a RUNNING one into SUCCESS; the server also
      // ends the subscription on any other final state.
      const auto wanted = current->state == model::ProcessState::Waiting ? model::ProcessState::Running
                                                                         : model::ProcessState::Success;
      next = client.wait_for_process(current->spec.conditions.colonyname, processid, wanted, 0);
      if (!next && next.error().code == ErrorCode::Unavailable && client.last_reply_status() == 0) {
        streams = false;  // no WebSocket here (or it broke): poll instead
        continue;
      }
      // The subscription's own timeout: look again and subscribe anew.
      if (!next && next.error().code == ErrorCode::Timeout) next = client.get_process(processid);
    } else {
      ctx.env().sleep(kFollowPoll);
      next = client.get_process(processid);
    }
    if (!next) return next;
    if (next->state != current->state) on_change(*next);
    current = std::move(next);
  }
  return current;
}

int report_outcome(CommandContext& ctx, const model::Process& process) {
  if (ctx.settings.json) {
    ctx.print_json(model::to_json(process));
    return process.state == model::ProcessState::Success ? kExitOk : kExitFailed;
  }
  if (process.state == model::ProcessState::Success) {
    for (const auto& value : process.out) ctx.out() << plain(value) << '\n';
    return kExitOk;
  }
  ctx.err() << fmt::format("process {} {}", process.processid,
                           process.state == model::ProcessState::Cancelled ? "was cancelled" : "failed");
  if (process.errors.empty()) {
    ctx.err() << '\n';
  } else {
    ctx.err() << ":\n";
    for (const auto& error : process.errors) ctx.err() << "  " << error << '\n';
  }
  return kExitFailed;
}

int submit_and_maybe_wait(CommandContext& ctx, const model::FunctionSpec& spec, bool wait) {
  auto client = ctx.client(KeyRole::Member);
  if (!client) return ctx.usage(client.error());
  auto process = client->submit(spec);
  if (!process) return ctx.report(process.error(), *client);
  if (!wait) {
    if (ctx.settings.json) return ctx.print_json(model::to_json(*process));
    return ctx.print(process->processid + "\n");
  }
  if (!ctx.settings.json) ctx.err() << "submitted " << process->processid << '\n';
  auto final_process = wait_for_process(ctx, *client, process->processid);
  if (!final_process) return ctx.report(final_process.error(), *client);
  return report_outcome(ctx, *final_process);
}

}  // namespace colonies::cli
