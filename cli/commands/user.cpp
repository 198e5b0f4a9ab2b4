// `colonies user add|remove|ls|get|chid`.
#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#include "cli/table.hpp"

namespace colonies::cli {

namespace {

struct UserOptions {
  std::string name;
  std::string userid;
  std::string email;
  std::string phone;
};

std::string render_user(const model::User& u) {
  KeyValues kv;
  kv.add("name", u.name);
  kv.add("userid", u.userid);
  kv.add("colony", u.colonyname);
  kv.add("email", u.email);
  kv.add("phone", u.phone);
  return kv.render();
}

int add(CommandContext& ctx, const UserOptions& o) {
  if (!model::is_valid_id(o.userid)) {
    return ctx.usage("--userid must be 64 lowercase hex characters: the ID of the user's key (`colonies security id`)");
  }
  return with_colony_client(ctx, KeyRole::ColonyOwner, [&](client::Client& c, const std::string& colony) {
    auto user = c.add_user({colony, o.userid, o.name, o.email, o.phone});
    if (!user) return ctx.report(user.error(), c);
    if (ctx.settings.json) return ctx.print_json(model::to_json(*user));
    return ctx.print(fmt::format("user {} added to colony {}\n", user->name, colony));
  });
}

int remove(CommandContext& ctx, const UserOptions& o) {
  return with_colony_client(ctx, KeyRole::ColonyOwner, [&](client::Client& c, const std::string& colony) {
    auto removed = c.remove_user(colony, o.name);
    if (!removed) return ctx.report(removed.error(), c);
    return print_done(ctx, fmt::format("user {} removed from colony {}", o.name, colony));
  });
}

int list(CommandContext& ctx) {
  return with_colony_client(ctx, KeyRole::Member, [&](client::Client& c, const std::string& colony) {
    auto users = c.get_users(colony);
    if (!users) return ctx.report(users.error(), c);
    if (ctx.settings.json) return print_json_list(ctx, *users);
    if (users->empty()) return ctx.print(fmt::format("no users in colony {}\n", colony));
    Table table({"NAME", "USERID", "EMAIL", "PHONE"});
    for (const auto& u : *users) table.add_row({u.name, u.userid, u.email, u.phone});
    return ctx.print(table.render());
  });
}

int get(CommandContext& ctx, const UserOptions& o) {
  return with_colony_client(ctx, KeyRole::Member, [&](client::Client& c, const std::string& colony) {
    auto user = c.get_user(colony, o.name);
    if (!user) return ctx.report(user.error(), c);
    if (ctx.settings.json) return ctx.print_json(model::to_json(*user));
    return ctx.print(render_user(*user));
  });
}

int change_id(CommandContext& ctx, const UserOptions& o) {
  if (!model::is_valid_id(o.userid)) return ctx.usage("--userid must be 64 lowercase hex characters");
  return with_colony_client(ctx, KeyRole::Member, [&](client::Client& c, const std::string& colony) {
    auto changed = c.change_user_id(colony, o.userid);
    if (!changed) return ctx.report(changed.error(), c);
    return print_done(ctx, fmt::format("your user ID in colony {} is now {}", colony, o.userid));
  });
}

}  // namespace

void add_user_commands(CLI::App& app, CommandContext& ctx) {
  CLI::App* group = add_group(app, "user", "Users of a colony");
  auto o = std::make_shared<UserOptions>();

  CLI::App* add_cmd = group->add_subcommand("add", "Add a user (colony owner)");
  add_cmd->add_option("--name", o->name, "user name")->required();
  add_cmd->add_option("--userid", o->userid, "the ID of the user's key")->required();
  add_cmd->add_option("--email", o->email, "e-mail address");
  add_cmd->add_option("--phone", o->phone, "phone number");
  on_run(add_cmd, ctx, [&ctx, o] { return add(ctx, *o); });

  CLI::App* remove_cmd = group->add_subcommand("remove", "Remove a user (colony owner)");
  remove_cmd->add_option("--name", o->name, "user name")->required();
  on_run(remove_cmd, ctx, [&ctx, o] { return remove(ctx, *o); });

  on_run(group->add_subcommand("ls", "List the users of the colony"), ctx, [&ctx] { return list(ctx); });

  CLI::App* get_cmd = group->add_subcommand("get", "Show a user");
  get_cmd->add_option("--name", o->name, "user name")->required();
  on_run(get_cmd, ctx, [&ctx, o] { return get(ctx, *o); });

  CLI::App* chid_cmd = group->add_subcommand("chid", "Change your own user ID (signed with your current key)");
  chid_cmd->add_option("--userid", o->userid, "the new ID")->required();
  on_run(chid_cmd, ctx, [&ctx, o] { return change_id(ctx, *o); });
}

}  // namespace colonies::cli
