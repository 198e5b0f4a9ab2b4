// `colonies executor add|approve|reject|remove|ls|get|chid`.
#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#include "cli/commands/render.hpp"
#include "cli/table.hpp"

namespace colonies::cli {

namespace {

struct ExecutorOptions {
  std::string name;
  std::string type;
  std::string id;
  std::string location;
  bool approve = false;
};

int add(CommandContext& ctx, const ExecutorOptions& o) {
  if (!model::is_valid_id(o.id)) {
    return ctx.usage("--id must be 64 lowercase hex characters: the ID of the executor's key (`colonies security id`)");
  }
  return with_colony_client(ctx, KeyRole::ColonyOwner, [&](client::Client& c, const std::string& colony) {
    model::Executor executor;
    executor.executorid = o.id;
    executor.executortype = o.type;
    executor.executorname = o.name;
    executor.colonyname = colony;
    executor.locationname = o.location;
    auto added = c.add_executor(executor);
    if (!added) return ctx.report(added.error(), c);
    if (o.approve) {
      auto approved = c.approve_executor(colony, o.name);
      if (!approved) return ctx.report(approved.error(), c);
      added->state = model::ExecutorState::Approved;
    }
    if (ctx.settings.json) return ctx.print_json(model::to_json(*added));
    return ctx.print(fmt::format("executor {} added to colony {} ({})\n", added->executorname, colony,
                                 state_word(added->state)));
  });
}

// approve, reject and remove share their shape: one colony-owner call naming the executor.
int owner_action(CommandContext& ctx, const ExecutorOptions& o, const char* verb,
                 Status (client::Client::*call)(const std::string&, const std::string&)) {
  return with_colony_client(ctx, KeyRole::ColonyOwner, [&](client::Client& c, const std::string& colony) {
    auto done = (c.*call)(colony, o.name);
    if (!done) return ctx.report(done.error(), c);
    return print_done(ctx, fmt::format("executor {} {}", o.name, verb));
  });
}

int list(CommandContext& ctx) {
  return with_colony_client(ctx, KeyRole::Member, [&](client::Client& c, const std::string& colony) {
    auto executors = c.get_executors(colony);
    if (!executors) return ctx.report(executors.error(), c);
    if (ctx.settings.json) return print_json_list(ctx, *executors);
    if (executors->empty()) return ctx.print(fmt::format("no executors in colony {}\n", colony));
    Table table({"NAME", "TYPE", "STATE", "LOCATION", "LAST HEARD FROM"});
    auto now = ctx.wall_now();
    for (const auto& e : *executors) {
      table.add_row({e.executorname, e.executortype, state_word(e.state), e.locationname.empty() ? "-" : e.locationname,
                     short_time(e.lastheardfromtime, now)});
    }
    return ctx.print(table.render());
  });
}

int get(CommandContext& ctx, const ExecutorOptions& o) {
  return with_colony_client(ctx, KeyRole::Member, [&](client::Client& c, const std::string& colony) {
    auto executor = c.get_executor(colony, o.name);
    if (!executor) return ctx.report(executor.error(), c);
    if (ctx.settings.json) return ctx.print_json(model::to_json(*executor));
    return ctx.print(render_executor(*executor));
  });
}

int change_id(CommandContext& ctx, const ExecutorOptions& o) {
  if (!model::is_valid_id(o.id)) return ctx.usage("--id must be 64 lowercase hex characters");
  return with_colony_client(ctx, KeyRole::Member, [&](client::Client& c, const std::string& colony) {
    auto changed = c.change_executor_id(colony, o.id);
    if (!changed) return ctx.report(changed.error(), c);
    return print_done(ctx, fmt::format("executor ID changed to {}", o.id));
  });
}

}  // namespace

void add_executor_commands(CLI::App& app, CommandContext& ctx) {
  CLI::App* group = add_group(app, "executor", "Executors of a colony");
  auto o = std::make_shared<ExecutorOptions>();
  auto name_option = [&](CLI::App* cmd) { cmd->add_option("--name", o->name, "executor name")->required(); };

  CLI::App* add_cmd = group->add_subcommand("add", "Register an executor (colony owner)");
  name_option(add_cmd);
  add_cmd->add_option("--type", o->type, "executor type processes target")->required();
  add_cmd->add_option("--id", o->id, "the ID of the executor's key")->required();
  add_cmd->add_option("--location", o->location, "location name");
  add_cmd->add_flag("--approve", o->approve, "approve it at once");
  on_run(add_cmd, ctx, [&ctx, o] { return add(ctx, *o); });

  CLI::App* approve_cmd = group->add_subcommand("approve", "Approve an executor (colony owner)");
  name_option(approve_cmd);
  on_run(approve_cmd, ctx, [&ctx, o] { return owner_action(ctx, *o, "approved", &client::Client::approve_executor); });

  CLI::App* reject_cmd = group->add_subcommand("reject", "Reject an executor (colony owner)");
  name_option(reject_cmd);
  on_run(reject_cmd, ctx, [&ctx, o] { return owner_action(ctx, *o, "rejected", &client::Client::reject_executor); });

  CLI::App* remove_cmd = group->add_subcommand("remove", "Unregister an executor (colony owner)");
  name_option(remove_cmd);
  on_run(remove_cmd, ctx, [&ctx, o] { return owner_action(ctx, *o, "removed", &client::Client::remove_executor); });

  on_run(group->add_subcommand("ls", "List the executors of the colony"), ctx, [&ctx] { return list(ctx); });

  CLI::App* get_cmd = group->add_subcommand("get", "Show an executor");
  name_option(get_cmd);
  on_run(get_cmd, ctx, [&ctx, o] { return get(ctx, *o); });

  CLI::App* chid_cmd = group->add_subcommand("chid", "Change your own executor ID (signed with your current key)");
  chid_cmd->add_option("--id", o->id, "the new ID")->required();
  on_run(chid_cmd, ctx, [&ctx, o] { return change_id(ctx, *o); });
}

}  // namespace colonies::cli
