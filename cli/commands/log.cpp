// `colonies log add|get|search`. `get --follow` fetches new logs with `since` every half second
// and learns that the process ended from a subscription (subscribeprocessmsg), which is also what
// paces it; without a WebSocket it falls back to asking getprocessmsg each time.
#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#include "cli/commands/render.hpp"
#include "cli/table.hpp"

namespace colonies::cli {

namespace {

constexpr std::chrono::milliseconds kFollowInterval{500};

struct LogOptions {
  std::string processid;
  std::string executorname;
  std::string message;
  bool follow = false;
  bool latest = false;
  std::int64_t since = 0;
  int count = 100;
  int search_count = 10;
  std::string text;
  int days = 1;
};

int add(CommandContext& ctx, const LogOptions& o) {
  return with_client(ctx, KeyRole::Member, [&](client::Client& c) {
    auto added = c.add_log(o.processid, o.message);
    if (!added) return ctx.report(added.error(), c);
    return print_done(ctx, "log added");
  });
}

// Prints logs and moves `since` past the newest one.
void emit(CommandContext& ctx, const std::vector<model::Log>& logs, std::int64_t& since) {
  if (ctx.settings.json) {
    for (const auto& log : logs) ctx.print_json(model::to_json(log));
  } else {
    ctx.out() << render_logs(logs) << std::flush;
  }
  for (const auto& log : logs) since = std::max(since, log.timestamp);
}

// Prints every log not printed yet.
Status drain(CommandContext& ctx, client::Client& c, client::LogQuery& query) {
  for (;;) {
    COLONIES_TRY(logs, c.get_logs(query));
    emit(ctx, logs, query.since);
    if (static_cast<int>(logs.size()) < query.count) return ok();
  }
}

// Polling fallback (no WebSocket): the state is read before the logs, so that the logs written
// before the process ended are all visible in the last round.
int follow_by_polling(CommandContext& ctx, client::Client& c, client::LogQuery query, model::Process process) {
  for (;;) {
    if (auto drained = drain(ctx, c, query); !drained) return ctx.report(drained.error(), c);
    if (model::is_final(process.state)) return kExitOk;
    ctx.env().sleep(kFollowInterval);
    auto next = c.get_process(query.processid);
    if (!next) return ctx.report(next.error(), c);
    process = std::move(*next);
  }
}

int follow(CommandContext& ctx, client::Client& c, client::LogQuery query) {
  auto process = c.get_process(query.processid);
  if (!process) return ctx.report(process.error(), c);
  if (model::is_final(process->state)) {
    auto drained = drain(ctx, c, query);
    return drained ? kExitOk : ctx.report(drained.error(), c);
  }
  // SUCCESS is the wanted state; the server also ends the subscription on FAILED or CANCELLED.
  auto subscription = c.open_process_subscription(query.colonyname, query.processid,
                                                  model::ProcessState::Success, 0);
  if (!subscription) {
    if (subscription.error().code == ErrorCode::Unavailable) return follow_by_polling(ctx, c, query, *process);
    return ctx.report(subscription.error(), c);
  }
  for (;;) {
    if (auto drained = drain(ctx, c, query); !drained) return ctx.report(drained.error(), c);
    // Waiting for the end is also the pause between two fetches of logs.
    auto ended = (*subscription)->next(kFollowInterval);
    if (!ended && ended.error().code == ErrorCode::Timeout) continue;
    if (!ended) return ctx.report(ended.error(), c);
    if (!*ended && (*subscription)->timed_out()) {
      // The server's subscription timeout: subscribe again and keep following.
      subscription = c.open_process_subscription(query.colonyname, query.processid, model::ProcessState::Success, 0);
      if (!subscription) return ctx.report(subscription.error(), c);
      continue;
    }
    // The process ended (it is durable, so all of its logs are too): print the rest.
    auto drained = drain(ctx, c, query);
    return drained ? kExitOk : ctx.report(drained.error(), c);
  }
}

int get(CommandContext& ctx, const LogOptions& o) {
  if (o.processid.empty() == o.executorname.empty()) {
    return ctx.usage("log get needs either -p PROCESSID or -e EXECUTORNAME");
  }
  if (o.follow && o.processid.empty()) return ctx.usage("--follow works with -p PROCESSID only");
  return with_colony_client(ctx, KeyRole::Member, [&](client::Client& c, const std::string& colony) {
    client::LogQuery query{colony, o.processid, o.executorname, o.count, o.since, o.latest};
    if (o.follow) return follow(ctx, c, query);
    auto logs = c.get_logs(query);
    if (!logs) return ctx.report(logs.error(), c);
    if (ctx.settings.json) return print_json_list(ctx, *logs);
    return ctx.print(render_logs(*logs));
  });
}

int search(CommandContext& ctx, const LogOptions& o) {
  return with_colony_client(ctx, KeyRole::Member, [&](client::Client& c, const std::string& colony) {
    auto logs = c.search_logs(colony, o.text, o.days, o.search_count);
    if (!logs) return ctx.report(logs.error(), c);
    if (ctx.settings.json) return print_json_list(ctx, *logs);
    if (logs->empty()) return ctx.print(fmt::format("no logs containing '{}' in the last {} day(s)\n", o.text, o.days));
    Table table({"TIME", "PROCESSID", "EXECUTOR", "MESSAGE"});
    auto now = ctx.wall_now();
    for (const auto& log : *logs) {
      std::string message = log.message;
      while (!message.empty() && message.back() == '\n') message.pop_back();
      table.add_row({short_time(log.timestamp, now), log.processid, log.executorname, message});
    }
    return ctx.print(table.render());
  });
}

}  // namespace

void add_log_commands(CLI::App& app, CommandContext& ctx) {
  CLI::App* group = add_group(app, "log", "Process and executor logs");
  auto o = std::make_shared<LogOptions>();

  CLI::App* add_cmd = group->add_subcommand("add", "Add a log line to a process you run");
  add_cmd->add_option("-p,--processid", o->processid, "process ID")->required();
  add_cmd->add_option("-m,--message", o->message, "the text")->required();
  on_run(add_cmd, ctx, [&ctx, o] { return add(ctx, *o); });

  CLI::App* get_cmd = group->add_subcommand("get", "Print the logs of a process or an executor");
  get_cmd->add_option("-p,--processid", o->processid, "process ID");
  get_cmd->add_option("-e,--executor", o->executorname, "executor name");
  get_cmd->add_flag("--follow", o->follow, "keep printing until the process ends");
  get_cmd->add_flag("--latest", o->latest, "the newest --count lines instead of the oldest");
  get_cmd->add_option("--since", o->since, "only logs after this Unix time in nanoseconds");
  get_cmd->add_option("--count", o->count, "lines per request (at most 500)")->capture_default_str();
  on_run(get_cmd, ctx, [&ctx, o] { return get(ctx, *o); });

  CLI::App* search_cmd = group->add_subcommand("search", "Search the colony's logs for a text");
  search_cmd->add_option("-t,--text", o->text, "text to find")->required();
  search_cmd->add_option("--days", o->days, "how many days back (at most 30)")->capture_default_str();
  search_cmd->add_option("--count", o->search_count, "how many lines (at most 100)")->capture_default_str();
  on_run(search_cmd, ctx, [&ctx, o] { return search(ctx, *o); });
}

}  // namespace colonies::cli
