// `colonies cron add|ls|get|run|remove` and `colonies generator add|ls|get|resolve|pack|remove`:
// workflows started on a schedule or once enough arguments were packed.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#include "cli/spec_file.hpp"
#include "cli/table.hpp"

namespace colonies::cli {

namespace {

// The workflow spec file as compact JSON text (what crons and generators carry), or an error
// naming the file and, for syntax errors, the position.
Result<std::string> load_workflow_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::BadRequest, "cannot read workflow file '{}': {}", path, std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  auto value = parse_json_with_position(text.str());
  if (!value) return fail(ErrorCode::BadRequest, "workflow file '{}': {}", path, value.error().message);
  if (!value->is_object() || !value->as_object().contains("functionspecs")) {
    return fail(ErrorCode::BadRequest,
                "workflow file '{}': expected a JSON object with \"functionspecs\" (a workflow spec)", path);
  }
  return boost::json::serialize(*value);
}

std::string time_or_never(model::TimeNs t) { return t > 0 ? model::format_time(t) : std::string("never"); }

struct CronOptions {
  std::string name;
  std::string id;
  std::string spec_file;
  std::string expression;
  int interval = 0;
  bool random = false;
  bool waitprev = false;
  int count = 0;
};

std::string render_cron(const model::Cron& c) {
  KeyValues kv;
  kv.add("name", c.name);
  kv.add("cronid", c.cronid);
  kv.add("schedule", c.interval > 0 ? fmt::format("every {} s{}", c.interval, c.random ? " (random point)" : "")
                                    : c.cronexpression);
  kv.add("next run", time_or_never(c.nextrun));
  kv.add("last run", time_or_never(c.lastrun));
  kv.add("wait for previous", c.waitforprevprocessgraph ? "yes" : "no");
  kv.add("previous graph", c.prevprocessgraphid.empty() ? "-" : c.prevprocessgraphid);
  kv.add("initiator", c.initiatorname);
  return kv.render();
}

int cron_add(CommandContext& ctx, const CronOptions& o) {
  if ((o.interval > 0) == !o.expression.empty()) {
    return ctx.usage(Error{ErrorCode::BadRequest, "give either --cron EXPRESSION or --interval SECONDS"});
  }
  auto workflow = load_workflow_text(o.spec_file);
  if (!workflow) return ctx.usage(workflow.error());
  return with_colony_client(ctx, KeyRole::Member, [&](client::Client& c, const std::string& colony) {
    model::Cron cron;
    cron.colonyname = colony;
    cron.name = o.name;
    cron.cronexpression = o.expression;
    cron.interval = o.interval > 0 ? o.interval : -1;
    cron.random = o.random;
    cron.waitforprevprocessgraph = o.waitprev;
    cron.workflowspec = *workflow;
    auto added = c.add_cron(cron);
    if (!added) return ctx.report(added.error(), c);
    if (ctx.settings.json) return ctx.print_json(model::to_json(*added));
    return ctx.print(fmt::format("cron {} added (ID {}); next run {}\n", added->name, added->cronid,
                                 time_or_never(added->nextrun)));
  });
}

int cron_list(CommandContext& ctx, const CronOptions& o) {
  return with_colony_client(ctx, KeyRole::Member, [&](client::Client& c, const std::string& colony) {
    auto crons = c.get_crons(colony, o.count);
    if (!crons) return ctx.report(crons.error(), c);
    if (ctx.settings.json) return print_json_list(ctx, *crons);
    if (crons->empty()) return ctx.print(fmt::format("no crons in colony {}\n", colony));
    Table table({"NAME", "CRONID", "SCHEDULE", "NEXT RUN", "LAST RUN"});
    for (const auto& cron : *crons) {
      table.add_row({cron.name, cron.cronid,
                     cron.interval > 0 ? fmt::format("every {} s", cron.interval) : cron.cronexpression,
                     time_or_never(cron.nextrun), time_or_never(cron.lastrun)});
    }
    return ctx.print(table.render());
  });
}

int cron_get(CommandContext& ctx, const CronOptions& o) {
  return with_client(ctx, KeyRole::Member, [&](client::Client& c) {
    auto cron = c.get_cron(o.id);
    if (!cron) return ctx.report(cron.error(), c);
    if (ctx.settings.json) return ctx.print_json(model::to_json(*cron));
    return ctx.print(render_cron(*cron));
  });
}

int cron_run(CommandContext& ctx, const CronOptions& o) {
  return with_client(ctx, KeyRole::Member, [&](client::Client& c) {
    auto cron = c.run_cron(o.id);
    if (!cron) return ctx.report(cron.error(), c);
    if (ctx.settings.json) return ctx.print_json(model::to_json(*cron));
    return ctx.print(fmt::format("cron {} started workflow {}\n", cron->name, cron->prevprocessgraphid));
  });
}

int cron_remove(CommandContext& ctx, const CronOptions& o) {
  return with_client(ctx, KeyRole::Member, [&](client::Client& c) {
    auto removed = c.remove_cron(o.id);
    if (!removed) return ctx.report(removed.error(), c);
    return print_done(ctx, fmt::format("cron {} removed", o.id));
  });
}

struct GeneratorOptions {
  std::string name;
  std::string id;
  std::string spec_file;
  std::string arg;
  int trigger = 0;
  int timeout = 0;
  int count = 0;
};

std::string render_generator(const model::Generator& g) {
  KeyValues kv;
  kv.add("name", g.name);
  kv.add("generatorid", g.generatorid);
  kv.add("trigger", fmt::format("{} args per workflow", g.trigger));
  kv.add("timeout", g.timeout > 0 ? fmt::format("{} s", g.timeout) : std::string("none"));
  kv.add("queued", std::to_string(g.queuesize));
  kv.add("oldest queued", time_or_never(g.firstpack));
  kv.add("last run", time_or_never(g.lastrun));
  kv.add("initiator", g.initiatorname);
  return kv.render();
}

int print_generator(CommandContext& ctx, client::Client& c, const Result<model::Generator>& g) {
  if (!g) return ctx.report(g.error(), c);
  if (ctx.settings.json) return ctx.print_json(model::to_json(*g));
  return ctx.print(render_generator(*g));
}

int generator_add(CommandContext& ctx, const GeneratorOptions& o) {
  auto workflow = load_workflow_text(o.spec_file);
  if (!workflow) return ctx.usage(workflow.error());
  return with_colony_client(ctx, KeyRole::Member, [&](client::Client& c, const std::string& colony) {
    model::Generator g;
    g.colonyname = colony;
    g.name = o.name;
    g.trigger = o.trigger;
    g.timeout = o.timeout;
    g.workflowspec = *workflow;
    auto added = c.add_generator(g);
    if (!added) return ctx.report(added.error(), c);
    if (ctx.settings.json) return ctx.print_json(model::to_json(*added));
    return ctx.print(fmt::format("generator {} added (ID {})\n", added->name, added->generatorid));
  });
}

int generator_list(CommandContext& ctx, const GeneratorOptions& o) {
  return with_colony_client(ctx, KeyRole::Member, [&](client::Client& c, const std::string& colony) {
    auto generators = c.get_generators(colony, o.count);
    if (!generators) return ctx.report(generators.error(), c);
    if (ctx.settings.json) return print_json_list(ctx, *generators);
    if (generators->empty()) return ctx.print(fmt::format("no generators in colony {}\n", colony));
    Table table({"NAME", "GENERATORID", "TRIGGER", "TIMEOUT", "QUEUED", "LAST RUN"});
    for (const auto& g : *generators) {
      table.add_row({g.name, g.generatorid, std::to_string(g.trigger), g.timeout > 0 ? fmt::format("{} s", g.timeout) : "-",
                     std::to_string(g.queuesize), time_or_never(g.lastrun)});
    }
    return ctx.print(table.render());
  });
}

}  // namespace

void add_trigger_commands(CLI::App& app, CommandContext& ctx) {
  {
    CLI::App* group = add_group(app, "cron", "Workflows started on a schedule (cron expression or interval)");
    auto o = std::make_shared<CronOptions>();

    CLI::App* add_cmd = group->add_subcommand("add", "Add a cron that starts a workflow");
    add_cmd->add_option("--name", o->name, "cron name, unique in the colony")->required();
    add_cmd->add_option("--spec", o->spec_file, "workflow spec JSON file ({colonyname, functionspecs:[...]})")
        ->required();
    add_cmd->add_option("--cron", o->expression,
                        "cron expression with seconds: 'SEC MIN HOUR DOM MON DOW', @daily, @every 1h, "
                        "optionally prefixed by CRON_TZ=Europe/Stockholm");
    add_cmd->add_option("--interval", o->interval, "start every N seconds instead of an expression")
        ->check(CLI::PositiveNumber);
    add_cmd->add_flag("--random", o->random, "with --interval: start at a random point of each interval");
    add_cmd->add_flag("--waitprev", o->waitprev, "do not start while the previous run's workflow is still active");
    on_run(add_cmd, ctx, [&ctx, o] { return cron_add(ctx, *o); });

    CLI::App* ls_cmd = group->add_subcommand("ls", "List the crons of the colony");
    ls_cmd->add_option("--count", o->count, "at most this many (1-100)")->check(CLI::Range(1, 100));
    on_run(ls_cmd, ctx, [&ctx, o] { return cron_list(ctx, *o); });

    CLI::App* get_cmd = group->add_subcommand("get", "Show a cron");
    get_cmd->add_option("--id", o->id, "cron ID")->required();
    on_run(get_cmd, ctx, [&ctx, o] { return cron_get(ctx, *o); });

    CLI::App* run_cmd = group->add_subcommand("run", "Start the cron's workflow now");
    run_cmd->add_option("--id", o->id, "cron ID")->required();
    on_run(run_cmd, ctx, [&ctx, o] { return cron_run(ctx, *o); });

    CLI::App* remove_cmd = group->add_subcommand("remove", "Remove a cron (its workflows stay)");
    remove_cmd->add_option("--id", o->id, "cron ID")->required();
    on_run(remove_cmd, ctx, [&ctx, o] { return cron_remove(ctx, *o); });
  }
  {
    CLI::App* group = add_group(app, "generator", "Workflows started once enough arguments were packed");
    auto o = std::make_shared<GeneratorOptions>();

    CLI::App* add_cmd = group->add_subcommand("add", "Add a generator");
    add_cmd->add_option("--name", o->name, "generator name, unique in the colony")->required();
    add_cmd->add_option("--spec", o->spec_file, "workflow spec JSON file; its root nodes get the packed args")
        ->required();
    add_cmd->add_option("--trigger", o->trigger, "start a workflow per this many packed args")
        ->required()
        ->check(CLI::PositiveNumber);
    add_cmd->add_option("--timeout", o->timeout,
                        "also start one with fewer args once the oldest waited this many seconds (0: never)")
        ->check(CLI::NonNegativeNumber);
    on_run(add_cmd, ctx, [&ctx, o] { return generator_add(ctx, *o); });

    CLI::App* ls_cmd = group->add_subcommand("ls", "List the generators of the colony");
    ls_cmd->add_option("--count", o->count, "at most this many (1-100)")->check(CLI::Range(1, 100));
    on_run(ls_cmd, ctx, [&ctx, o] { return generator_list(ctx, *o); });

    CLI::App* get_cmd = group->add_subcommand("get", "Show a generator and its queue");
    get_cmd->add_option("--id", o->id, "generator ID")->required();
    on_run(get_cmd, ctx, [&ctx, o] {
      return with_client(ctx, KeyRole::Member, [&](client::Client& c) { return print_generator(ctx, c, c.get_generator(o->id)); });
    });

    CLI::App* resolve_cmd = group->add_subcommand("resolve", "Show a generator by name");
    resolve_cmd->add_option("--name", o->name, "generator name")->required();
    on_run(resolve_cmd, ctx, [&ctx, o] {
      return with_colony_client(ctx, KeyRole::Member, [&](client::Client& c, const std::string& colony) {
        return print_generator(ctx, c, c.resolve_generator(colony, o->name));
      });
    });

    CLI::App* pack_cmd = group->add_subcommand("pack", "Queue one argument for the generator's next workflow");
    pack_cmd->add_option("--id", o->id, "generator ID")->required();
    pack_cmd->add_option("--arg", o->arg, "the argument (a string)")->required();
    on_run(pack_cmd, ctx, [&ctx, o] {
      return with_client(ctx, KeyRole::Member, [&](client::Client& c) { return print_generator(ctx, c, c.pack_generator(o->id, o->arg)); });
    });

    CLI::App* remove_cmd = group->add_subcommand("remove", "Remove a generator and its queued args");
    remove_cmd->add_option("--id", o->id, "generator ID")->required();
    on_run(remove_cmd, ctx, [&ctx, o] {
      return with_client(ctx, KeyRole::Member, [&](client::Client& c) {
        auto removed = c.remove_generator(o->id);
        if (!removed) return ctx.report(removed.error(), c);
        return print_done(ctx, fmt::format("generator {} removed", o->id));
      });
    });
  }
}

}  // namespace colonies::cli
