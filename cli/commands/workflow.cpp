// `colonies workflow submit|get|ls|remove|cancel`: submitting workflow DAGs (process graphs)
// and following them. `submit --wait` shows "nodes done / total", fetching the graph when a
// WebSocket subscription reports a change of one of its nodes (polling where none can be opened).
#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#include "cli/spec_file.hpp"
#include "cli/table.hpp"

namespace colonies::cli {

namespace {

constexpr std::chrono::milliseconds kFirstPoll{200};
constexpr std::chrono::milliseconds kMaxPoll{1000};

struct WorkflowOptions {
  std::string spec_file;
  std::string workflowid;
  bool wait = false;
  int count = 20;
  std::string state;
};

std::string progress_text(const model::ProcessGraph& g) {
  const auto& p = g.progress;
  return fmt::format("{}/{} nodes done ({} waiting, {} running, {} successful, {} failed, {} cancelled)", p.done(),
                     p.total, p.waiting, p.running, p.successful, p.failed, p.cancelled);
}

std::string render_graph(const model::ProcessGraph& g) {
  KeyValues kv;
  kv.add("processgraphid", g.processgraphid);
  kv.add("state", state_word(g.state));
  kv.add("colony", g.colonyname);
  kv.add("initiator", g.initiatorname.empty() ? g.initiatorid : g.initiatorname);
  kv.add("progress", progress_text(g));
  kv.add("submitted", local_time(g.submissiontime));
  kv.add("started", local_time(g.starttime));
  kv.add("ended", local_time(g.endtime));
  kv.add("roots", fmt::format("{}", fmt::join(g.rootprocessids, " ")));
  return kv.render();
}

// Waits until the graph's state is final, drawing the progress on a terminal (or printing a
// line whenever it changes otherwise, so logs of batch jobs show it too). The graph is fetched
// again when a subscription (WebSocket) reports a change of one of its nodes, and at least every
// kMaxPoll in case one was missed; without a subscription it is polled with a growing interval.
Result<model::ProcessGraph> wait_for_graph(CommandContext& ctx, client::Client& client, const std::string& id) {
  CliEnvironment& env = ctx.env();
  auto start = env.now();
  auto interval = kFirstPoll;
  bool drew = false;
  int last_done = -1;
  std::unique_ptr<client::Subscription> changes;
  bool subscribe = true;
  for (;;) {
    auto graph = client.get_process_graph(id);
    if (!graph || model::is_final(graph->state)) {
      if (drew) ctx.err() << "\r\033[K" << std::flush;
      return graph;
    }
    const auto& p = graph->progress;
    if (env.stderr_is_tty) {
      auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(env.now() - start).count();
      ctx.err() << "\r\033[K" << fmt::format("{}/{} nodes done, {} running… {}s", p.done(), p.total, p.running, elapsed)
                << std::flush;
      drew = true;
    } else if (p.done() != last_done) {
      ctx.err() << fmt::format("{}/{} nodes done\n", p.done(), p.total);
    }
    last_done = p.done();
    if (!changes && subscribe) {
      // Every process change of the colony; the ones of this graph trigger a fetch.
      auto opened = client.open_processes_subscription(graph->colonyname, "", std::nullopt, 0);
      if (opened) changes = std::move(*opened);
      else subscribe = false;  // no WebSocket here: poll
    }
    if (!changes) {
      env.sleep(interval);
      interval = std::min(kMaxPoll, interval * 3 / 2);
      continue;
    }
    // Until a node of this graph changed, the subscription ended, or kMaxPoll passed.
    const auto until = env.now() + kMaxPoll;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - env.now());
      if (left.count() <= 0) break;
      auto event = changes->next(left);
      if (!event) {
        if (event.error().code == ErrorCode::Timeout) break;
        changes.reset();  // lost: reopen on the next round
        break;
      }
      if (!*event) {
        changes.reset();  // its timeout passed: reopen
        break;
      }
      if ((*event)->processgraphid == id) break;
    }
  }
}

// For a failed workflow of at most kExplainNodes nodes: the nodes that failed by themselves (not
// because a parent failed) with their errors, so the cause is on screen without more commands.
constexpr int kExplainNodes = 100;
void explain_failure(CommandContext& ctx, client::Client& client, const model::ProcessGraph& g) {
  if (g.progress.total > kExplainNodes) return;
  for (const auto& id : g.processids) {
    auto p = client.get_process(id);
    if (!p || p->state != model::ProcessState::Failed) continue;
    const bool consequence = !p->errors.empty() && (p->errors.back().starts_with("parent '") ||
                                                    p->errors.back().starts_with("ancestor '") ||
                                                    p->errors.back().starts_with("workflow stopped:"));
    if (consequence) continue;
    ctx.err() << fmt::format("  node '{}' (process {}) failed", p->spec.nodename, p->processid);
    if (p->errors.empty()) {
      ctx.err() << '\n';
      continue;
    }
    ctx.err() << ":\n";
    for (const auto& error : p->errors) ctx.err() << "    " << error << '\n';
  }
}

int submit(CommandContext& ctx, const WorkflowOptions& o) {
  auto spec = load_workflow_file(o.spec_file);
  if (!spec) return ctx.usage(spec.error());
  if (spec->colonyname.empty()) {
    auto colony = ctx.colonyname();
    if (!colony) return ctx.usage(colony.error());
    spec->colonyname = *colony;
  }
  return with_client(ctx, KeyRole::Member, [&](client::Client& c) {
    auto graph = c.submit_workflow(*spec);
    if (!graph) return ctx.report(graph.error(), c);
    if (!o.wait) {
      if (ctx.settings.json) return ctx.print_json(model::to_json(*graph));
      return ctx.print(graph->processgraphid + "\n");
    }
    if (!ctx.settings.json) ctx.err() << "submitted workflow " << graph->processgraphid << '\n';
    auto final_graph = wait_for_graph(ctx, c, graph->processgraphid);
    if (!final_graph) return ctx.report(final_graph.error(), c);
    const bool success = final_graph->state == model::ProcessState::Success;
    if (ctx.settings.json) {
      ctx.print_json(model::to_json(*final_graph));
    } else if (success) {
      ctx.print(fmt::format("workflow {} SUCCESS: {}\n", final_graph->processgraphid, progress_text(*final_graph)));
    } else {
      ctx.err() << fmt::format("workflow {} {}: {}\n", final_graph->processgraphid, state_word(final_graph->state),
                               progress_text(*final_graph));
      if (final_graph->state == model::ProcessState::Failed) explain_failure(ctx, c, *final_graph);
    }
    return success ? kExitOk : kExitFailed;
  });
}

int get(CommandContext& ctx, const WorkflowOptions& o) {
  return with_client(ctx, KeyRole::Member, [&](client::Client& c) {
    auto graph = c.get_process_graph(o.workflowid);
    if (!graph) return ctx.report(graph.error(), c);
    if (ctx.settings.json) return ctx.print_json(model::to_json(*graph));
    return ctx.print(render_graph(*graph));
  });
}

int list(CommandContext& ctx, const WorkflowOptions& o) {
  auto state = parse_state(o.state);
  if (!state) return ctx.usage(state.error());
  return with_colony_client(ctx, KeyRole::Member, [&](client::Client& c, const std::string& colony) {
    auto graphs = c.get_process_graphs(colony, o.count, *state);
    if (!graphs) return ctx.report(graphs.error(), c);
    if (ctx.settings.json) return print_json_list(ctx, *graphs);
    if (graphs->empty()) return ctx.print(fmt::format("no {}workflows in colony {}\n", o.state.empty() ? "" : o.state + " ", colony));
    Table table({"PROCESSGRAPHID", "STATE", "NODES", "SUBMITTED", "INITIATOR"});
    const model::TimeNs now = ctx.wall_now();
    for (const auto& g : *graphs) {
      table.add_row({g.processgraphid, state_word(g.state), fmt::format("{}/{}", g.progress.done(), g.progress.total),
                     short_time(g.submissiontime, now), g.initiatorname});
    }
    return ctx.print(table.render());
  });
}

int remove(CommandContext& ctx, const WorkflowOptions& o) {
  return with_client(ctx, KeyRole::Member, [&](client::Client& c) {
    auto removed = c.remove_process_graph(o.workflowid);
    if (!removed) return ctx.report(removed.error(), c);
    return print_done(ctx, fmt::format("workflow {} removed", o.workflowid));
  });
}

int cancel(CommandContext& ctx, const WorkflowOptions& o) {
  return with_client(ctx, KeyRole::Member, [&](client::Client& c) {
    auto graph = c.cancel_process_graph(o.workflowid);
    if (!graph) return ctx.report(graph.error(), c);
    if (ctx.settings.json) return ctx.print_json(model::to_json(*graph));
    return ctx.print(fmt::format("workflow {} cancelled: {}\n", o.workflowid, progress_text(*graph)));
  });
}

}  // namespace

void add_workflow_commands(CLI::App& app, CommandContext& ctx) {
  CLI::App* group = add_group(app, "workflow", "Submit and follow workflows (DAGs of processes)");
  auto o = std::make_shared<WorkflowOptions>();
  auto id_option = [&](CLI::App* cmd) { cmd->add_option("-i,--workflowid", o->workflowid, "process graph ID")->required(); };

  CLI::App* submit_cmd = group->add_subcommand("submit", "Submit a workflow spec (JSON file)");
  submit_cmd->add_option("--spec", o->spec_file, "workflow spec file: {\"colonyname\", \"functionspecs\": [...]}")
      ->required();
  submit_cmd->add_flag("--wait", o->wait, "wait until the workflow ends, showing nodes done / total; exits 1 "
                                          "unless it succeeded");
  on_run(submit_cmd, ctx, [&ctx, o] { return submit(ctx, *o); });

  CLI::App* get_cmd = group->add_subcommand("get", "Show a workflow and its progress");
  id_option(get_cmd);
  on_run(get_cmd, ctx, [&ctx, o] { return get(ctx, *o); });

  CLI::App* ls_cmd = group->add_subcommand("ls", "List the colony's workflows, newest first");
  ls_cmd->add_option("--count", o->count, "how many (at most 100)")->capture_default_str();
  ls_cmd->add_option("--state", o->state, "only waiting, running, successful, failed or cancelled ones");
  on_run(ls_cmd, ctx, [&ctx, o] { return list(ctx, *o); });

  CLI::App* remove_cmd = group->add_subcommand("remove", "Remove a workflow and its processes (none may be running)");
  id_option(remove_cmd);
  on_run(remove_cmd, ctx, [&ctx, o] { return remove(ctx, *o); });

  CLI::App* cancel_cmd = group->add_subcommand("cancel", "Cancel a workflow's waiting and running processes");
  id_option(cancel_cmd);
  on_run(cancel_cmd, ctx, [&ctx, o] { return cancel(ctx, *o); });
}

}  // namespace colonies::cli
