// `colonies process ps|psw|pss|psf|psc|get|assign|close|fail|cancel|remove|removeall|pause|resume|
// status`: inspecting and steering processes. Running them is the executors' business.
#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#include "cli/commands/render.hpp"
#include "cli/table.hpp"
#include "cli/wait.hpp"

namespace colonies::cli {

namespace {

struct ProcessOptions {
  std::string processid;
  std::vector<std::string> processids;  // close and fail take several (one batched request)
  int count = 20;
  int assign_count = 1;
  std::string executortype;
  std::string label;
  std::string initiator;
  bool out_only = false;
  bool follow = false;
  int timeout = 10;
  std::vector<std::string> out;
  std::vector<std::string> errors;
  bool all = false;
  bool waiting = false;
  bool successful = false;
  bool failed = false;
  bool cancelled = false;
};

int list(CommandContext& ctx, const ProcessOptions& o, model::ProcessState state) {
  return with_colony_client(ctx, KeyRole::Member, [&](client::Client& c, const std::string& colony) {
    client::ProcessQuery query{colony, state, o.count, o.executortype, o.label, o.initiator};
    auto processes = c.get_processes(query);
    if (!processes) return ctx.report(processes.error(), c);
    if (ctx.settings.json) return print_json_list(ctx, *processes);
    if (processes->empty()) {
      return ctx.print(fmt::format("no {} processes in colony {}\n", state_word(state), colony));
    }
    return ctx.print(render_process_table(*processes, ctx.wall_now()));
  });
}

// Prints the process, then a line per state change until it is final (JSON: one object per
// change); exits like --wait: 0 for SUCCESS, 1 otherwise.
int follow(CommandContext& ctx, client::Client& c, const std::string& processid) {
  bool first = true;
  auto final_process = follow_process(ctx, c, processid, [&](const model::Process& p) {
    if (ctx.settings.json) {
      ctx.print_json(model::to_json(p));
    } else if (first) {
      ctx.out() << render_process(p) << std::flush;
    } else {
      ctx.out() << fmt::format("{}  {}\n", local_time(ctx.wall_now()), model::to_string(p.state)) << std::flush;
    }
    first = false;
  });
  if (!final_process) return ctx.report(final_process.error(), c);
  return final_process->state == model::ProcessState::Success ? kExitOk : kExitFailed;
}

int get(CommandContext& ctx, const ProcessOptions& o) {
  return with_client(ctx, KeyRole::Member, [&](client::Client& c) {
    if (o.follow) return follow(ctx, c, o.processid);
    auto process = c.get_process(o.processid);
    if (!process) return ctx.report(process.error(), c);
    if (o.out_only) {
      if (ctx.settings.json) return ctx.print_json(process->out);
      for (const auto& value : process->out) ctx.out() << plain(value) << '\n';
      return kExitOk;
    }
    if (ctx.settings.json) return ctx.print_json(model::to_json(*process));
    return ctx.print(render_process(*process));
  });
}

// An assign that got nothing (404 try-once, 408 timed out) exits 1 with a line; other errors
// are reported as usual.
int assign_failed(CommandContext& ctx, client::Client& c, const ProcessOptions& o, const Error& error) {
  int status = c.last_reply_status();
  if (status == 408 || status == 404) {
    ctx.err() << fmt::format("no process assigned within {}s ({})\n", o.timeout, error.message);
    return kExitFailed;
  }
  return ctx.report(error, c);
}

// Up to --count processes in one assignprocessesmsg.
int assign_many(CommandContext& ctx, const ProcessOptions& o) {
  return with_colony_client(ctx, KeyRole::Member, [&](client::Client& c, const std::string& colony) {
    auto processes = c.assign_batch(colony, o.assign_count, o.timeout);
    if (!processes) return assign_failed(ctx, c, o, processes.error());
    if (ctx.settings.json) return print_json_list(ctx, *processes);
    return ctx.print(render_process_table(*processes, ctx.wall_now()));
  });
}

int assign(CommandContext& ctx, const ProcessOptions& o) {
  if (o.assign_count > 1) return assign_many(ctx, o);
  return with_colony_client(ctx, KeyRole::Member, [&](client::Client& c, const std::string& colony) {
    auto process = c.assign(colony, o.timeout);
    if (!process) return assign_failed(ctx, c, o, process.error());
    if (ctx.settings.json) return ctx.print_json(model::to_json(*process));
    return ctx.print(render_process(*process));
  });
}

// Several processes in one closeprocessesmsg, each with the same output or errors; prints a
// line per process and exits 1 when any could not be closed.
int close_many(CommandContext& ctx, const ProcessOptions& o, bool successful) {
  return with_client(ctx, KeyRole::Member, [&](client::Client& c) {
    std::vector<client::ProcessClose> closes;
    for (const auto& id : o.processids) {
      client::ProcessClose item{id, successful, {}, o.errors};
      for (const auto& value : o.out) item.out.emplace_back(value);
      closes.push_back(std::move(item));
    }
    int refused = 0;
    auto print_items = [&](const auto& results, auto&& print_ok) {
      for (std::size_t i = 0; i < results.size(); ++i) {
        const auto& r = results[i];
        if (!r) {
          ++refused;
          ctx.err() << fmt::format("process {} not closed: {}\n", o.processids[i], r.error().message);
        } else {
          print_ok(*r);
        }
      }
    };
    if (ctx.settings.json) {
      auto results = c.close_batch(closes);
      if (!results) return ctx.report(results.error(), c);
      print_items(*results, [&](const model::Process& p) { ctx.print_json(model::to_json(p)); });
    } else {
      // Only the IDs are printed: the brief form.
      auto results = c.close_batch_ids(closes);
      if (!results) return ctx.report(results.error(), c);
      print_items(*results, [&](const std::string& id) {
        ctx.out() << fmt::format("process {} closed as {}\n", id, successful ? "successful" : "failed");
      });
    }
    return refused > 0 ? kExitFailed : kExitOk;
  });
}

int close(CommandContext& ctx, const ProcessOptions& o) {
  if (o.processids.size() > 1) return close_many(ctx, o, true);
  return with_client(ctx, KeyRole::Member, [&](client::Client& c) {
    boost::json::array out;
    for (const auto& value : o.out) out.emplace_back(value);
    auto closed = c.close_successful(o.processids.front(), out);
    if (!closed) return ctx.report(closed.error(), c);
    return print_done(ctx, fmt::format("process {} closed as successful", o.processids.front()));
  });
}

int fail_process(CommandContext& ctx, const ProcessOptions& o) {
  if (o.processids.size() > 1) return close_many(ctx, o, false);
  return with_client(ctx, KeyRole::Member, [&](client::Client& c) {
    auto closed = c.close_failed(o.processids.front(), o.errors);
    if (!closed) return ctx.report(closed.error(), c);
    return print_done(ctx, fmt::format("process {} closed as failed", o.processids.front()));
  });
}

int cancel(CommandContext& ctx, const ProcessOptions& o) {
  return with_client(ctx, KeyRole::Member, [&](client::Client& c) {
    auto cancelled = c.cancel_process(o.processid);
    if (!cancelled) return ctx.report(cancelled.error(), c);
    return print_done(ctx, fmt::format("process {} cancelled", o.processid));
  });
}

int remove(CommandContext& ctx, const ProcessOptions& o) {
  return with_client(ctx, KeyRole::Member, [&](client::Client& c) {
    auto removed = c.remove_process(o.processid, o.all);
    if (!removed) return ctx.report(removed.error(), c);
    return print_done(ctx, fmt::format("process {} removed", o.processid));
  });
}

int remove_all(CommandContext& ctx, const ProcessOptions& o) {
  int chosen = int(o.waiting) + int(o.successful) + int(o.failed) + int(o.cancelled);
  if (chosen > 1) return ctx.usage("choose at most one of --waiting, --successful, --failed, --cancelled");
  std::optional<model::ProcessState> state;
  if (o.waiting) state = model::ProcessState::Waiting;
  if (o.successful) state = model::ProcessState::Success;
  if (o.failed) state = model::ProcessState::Failed;
  if (o.cancelled) state = model::ProcessState::Cancelled;
  return with_colony_client(ctx, KeyRole::ColonyOwner, [&](client::Client& c, const std::string& colony) {
    auto removed = c.remove_all_processes(colony, state);
    if (!removed) return ctx.report(removed.error(), c);
    return print_done(ctx, fmt::format("removed all {}processes of colony {}",
                                       state ? state_word(*state) + " " : std::string(), colony));
  });
}

int pause_or_resume(CommandContext& ctx, bool pause) {
  return with_colony_client(ctx, KeyRole::ColonyOwner, [&](client::Client& c, const std::string& colony) {
    auto done = pause ? c.pause_assignments(colony) : c.resume_assignments(colony);
    if (!done) return ctx.report(done.error(), c);
    return print_done(ctx, fmt::format("assignments in colony {} {}", colony, pause ? "paused" : "resumed"));
  });
}

int pause_status(CommandContext& ctx) {
  return with_colony_client(ctx, KeyRole::Member, [&](client::Client& c, const std::string& colony) {
    auto status = c.pause_status(colony);
    if (!status) return ctx.report(status.error(), c);
    if (ctx.settings.json) {
      return ctx.print_json(boost::json::object{{"colonyname", status->colonyname}, {"ispaused", status->ispaused}});
    }
    return ctx.print(fmt::format("assignments in colony {} are {}\n", colony, status->ispaused ? "PAUSED" : "running"));
  });
}

}  // namespace

void add_process_commands(CLI::App& app, CommandContext& ctx) {
  CLI::App* group = add_group(app, "process", "Inspect and steer processes");
  auto o = std::make_shared<ProcessOptions>();
  auto id_option = [&](CLI::App* cmd) { cmd->add_option("-p,--processid", o->processid, "process ID")->required(); };

  const std::pair<const char*, model::ProcessState> listings[] = {
      {"ps", model::ProcessState::Running},  {"psw", model::ProcessState::Waiting},
      {"pss", model::ProcessState::Success}, {"psf", model::ProcessState::Failed},
      {"psc", model::ProcessState::Cancelled}};
  for (const auto& [name, state] : listings) {
    CLI::App* cmd = group->add_subcommand(name, fmt::format("List {} processes", state_word(state)));
    cmd->add_option("--count", o->count, "how many (at most 100)")->capture_default_str();
    cmd->add_option("--executortype", o->executortype, "only this executor type");
    cmd->add_option("--label", o->label, "only this label");
    cmd->add_option("--initiator", o->initiator, "only processes submitted by this user");
    model::ProcessState s = state;
    on_run(cmd, ctx, [&ctx, o, s] { return list(ctx, *o, s); });
  }

  CLI::App* get_cmd = group->add_subcommand("get", "Show a process");
  id_option(get_cmd);
  get_cmd->add_flag("--out", o->out_only, "print only its output");
  get_cmd->add_flag("--follow", o->follow, "then print each state change until it ends (exit 0 on SUCCESS)")
      ->excludes("--out");
  on_run(get_cmd, ctx, [&ctx, o] { return get(ctx, *o); });

  CLI::App* assign_cmd = group->add_subcommand("assign", "Take a process (or --count of them) as an executor (long-poll)");
  assign_cmd->add_option("--timeout", o->timeout, "seconds to wait, -1 = try once")->capture_default_str();
  assign_cmd->add_option("--count", o->assign_count, "take up to this many processes in one request")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  on_run(assign_cmd, ctx, [&ctx, o] { return assign(ctx, *o); });

  auto ids_option = [&](CLI::App* cmd) {
    cmd->add_option("-p,--processid", o->processids, "process ID; repeat to close several in one request")->required();
  };
  CLI::App* close_cmd = group->add_subcommand("close", "Close processes you run as successful");
  ids_option(close_cmd);
  close_cmd->add_option("--out", o->out, "output values");
  on_run(close_cmd, ctx, [&ctx, o] { return close(ctx, *o); });

  CLI::App* fail_cmd = group->add_subcommand("fail", "Close processes you run as failed");
  ids_option(fail_cmd);
  fail_cmd->add_option("--errors", o->errors, "error messages");
  on_run(fail_cmd, ctx, [&ctx, o] { return fail_process(ctx, *o); });

  CLI::App* cancel_cmd = group->add_subcommand("cancel", "Cancel a process");
  id_option(cancel_cmd);
  on_run(cancel_cmd, ctx, [&ctx, o] { return cancel(ctx, *o); });

  CLI::App* remove_cmd = group->add_subcommand("remove", "Remove a process that is not running");
  id_option(remove_cmd);
  remove_cmd->add_flag("--all", o->all, "also its attributes, logs and children");
  on_run(remove_cmd, ctx, [&ctx, o] { return remove(ctx, *o); });

  CLI::App* removeall_cmd = group->add_subcommand("removeall", "Remove all processes of the colony (colony owner)");
  removeall_cmd->add_flag("--waiting", o->waiting, "only WAITING ones");
  removeall_cmd->add_flag("--successful", o->successful, "only SUCCESS ones");
  removeall_cmd->add_flag("--failed", o->failed, "only FAILED ones");
  removeall_cmd->add_flag("--cancelled", o->cancelled, "only CANCELLED ones");
  on_run(removeall_cmd, ctx, [&ctx, o] { return remove_all(ctx, *o); });

  on_run(group->add_subcommand("pause", "Pause assignments in the colony (colony owner)"), ctx,
         [&ctx] { return pause_or_resume(ctx, true); });
  on_run(group->add_subcommand("resume", "Resume assignments in the colony (colony owner)"), ctx,
         [&ctx] { return pause_or_resume(ctx, false); });
  on_run(group->add_subcommand("status", "Whether assignments in the colony are paused"), ctx,
         [&ctx] { return pause_status(ctx); });
}

}  // namespace colonies::cli
