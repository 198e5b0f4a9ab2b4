// `colonies colony add|remove|ls|get|stats|chid`.
#include <fmt/format.h>

#include "adapters/crypto/sodium_crypto.hpp"
#include "cli/commands/commands.hpp"
#include "cli/commands/render.hpp"
#include "cli/table.hpp"

namespace colonies::cli {

namespace {

struct ColonyOptions {
  std::string name;
  std::string colonyid;
};

// The colony named by --name, else --colonyname / COLONIES_COLONY_NAME.
Result<std::string> colony_name(CommandContext& ctx, const ColonyOptions& o) {
  if (!o.name.empty()) return o.name;
  auto name = ctx.colonyname();
  if (!name) return fail(ErrorCode::BadRequest, "no colony: pass --name, or set COLONIES_COLONY_NAME");
  return name;
}

// --colonyid, else the ID of COLONIES_COLONY_PRVKEY: the colony's ID is its owner's ID.
Result<std::string> owner_id(const ColonyOptions& o) {
  if (!o.colonyid.empty()) {
    if (!model::is_valid_id(o.colonyid)) {
      return fail(ErrorCode::BadRequest, "--colonyid must be 64 lowercase hex characters (an ID from "
                                         "`colonies security generate`)");
    }
    return o.colonyid;
  }
  auto key = env_or_empty("COLONIES_COLONY_PRVKEY");
  if (key.empty()) {
    return fail(ErrorCode::BadRequest,
                "no colony ID: pass --colonyid (the owner's ID) or set COLONIES_COLONY_PRVKEY to the owner's key");
  }
  crypto::SodiumCrypto sodium;
  auto signer = sodium.signer(key);
  if (!signer) return fail(ErrorCode::BadRequest, "COLONIES_COLONY_PRVKEY is malformed: it must be 64 hex characters");
  return (*signer)->id();
}

int add(CommandContext& ctx, const ColonyOptions& o) {
  auto name = colony_name(ctx, o);
  if (!name) return ctx.usage(name.error());
  auto id = owner_id(o);
  if (!id) return ctx.usage(id.error());
  auto client = ctx.client(KeyRole::ServerOwner);
  if (!client) return ctx.usage(client.error());
  auto colony = client->add_colony({*id, *name});
  if (!colony) return ctx.report(colony.error(), *client);
  if (ctx.settings.json) return ctx.print_json(model::to_json(*colony));
  return ctx.print(fmt::format("colony {} added (owner {})\n", colony->name, colony->colonyid));
}

int remove(CommandContext& ctx, const ColonyOptions& o) {
  auto name = colony_name(ctx, o);
  if (!name) return ctx.usage(name.error());
  auto client = ctx.client(KeyRole::ServerOwner);
  if (!client) return ctx.usage(client.error());
  auto removed = client->remove_colony(*name);
  if (!removed) return ctx.report(removed.error(), *client);
  if (ctx.settings.json) return ctx.print_json(boost::json::object{});
  return ctx.print(fmt::format("colony {} removed\n", *name));
}

int list(CommandContext& ctx) {
  auto client = ctx.client(KeyRole::ServerOwner);
  if (!client) return ctx.usage(client.error());
  auto colonies = client->get_colonies();
  if (!colonies) return ctx.report(colonies.error(), *client);
  if (ctx.settings.json) {
    boost::json::array a;
    for (const auto& c : *colonies) a.push_back(model::to_json(c));
    return ctx.print_json(a);
  }
  if (colonies->empty()) return ctx.print("no colonies\n");
  Table table({"NAME", "COLONYID"});
  for (const auto& c : *colonies) table.add_row({c.name, c.colonyid});
  return ctx.print(table.render());
}

int get(CommandContext& ctx, const ColonyOptions& o) {
  auto name = colony_name(ctx, o);
  if (!name) return ctx.usage(name.error());
  auto client = ctx.client(KeyRole::Member);
  if (!client) return ctx.usage(client.error());
  auto colony = client->get_colony(*name);
  if (!colony) return ctx.report(colony.error(), *client);
  if (ctx.settings.json) return ctx.print_json(model::to_json(*colony));
  KeyValues kv;
  kv.add("name", colony->name);
  kv.add("colonyid", colony->colonyid);
  return ctx.print(kv.render());
}

int stats(CommandContext& ctx, const ColonyOptions& o) {
  auto name = colony_name(ctx, o);
  if (!name) return ctx.usage(name.error());
  auto client = ctx.client(KeyRole::Member);
  if (!client) return ctx.usage(client.error());
  auto statistics = client->colony_statistics(*name);
  if (!statistics) return ctx.report(statistics.error(), *client);
  if (ctx.settings.json) return ctx.print_json(model::to_json(*statistics));
  return ctx.print(render_statistics(*statistics));
}

int change_id(CommandContext& ctx, const ColonyOptions& o) {
  auto name = colony_name(ctx, o);
  if (!name) return ctx.usage(name.error());
  if (!model::is_valid_id(o.colonyid)) return ctx.usage("--colonyid must be 64 lowercase hex characters");
  auto client = ctx.client(KeyRole::ColonyOwner);
  if (!client) return ctx.usage(client.error());
  auto changed = client->change_colony_id(*name, o.colonyid);
  if (!changed) return ctx.report(changed.error(), *client);
  if (ctx.settings.json) return ctx.print_json(boost::json::object{{"colonyname", *name}, {"colonyid", o.colonyid}});
  return ctx.print(fmt::format("colony {} now belongs to {}\n", *name, o.colonyid));
}

}  // namespace

void add_colony_commands(CLI::App& app, CommandContext& ctx) {
  CLI::App* group = add_group(app, "colony", "Colonies: add, remove, list, inspect");
  auto o = std::make_shared<ColonyOptions>();
  auto name_option = [&](CLI::App* cmd) {
    cmd->add_option("--name", o->name, "colony name (default: COLONIES_COLONY_NAME)");
  };

  CLI::App* add_cmd = group->add_subcommand("add", "Add a colony (server owner)");
  name_option(add_cmd);
  add_cmd->add_option("--colonyid", o->colonyid, "the colony owner's ID (default: ID of COLONIES_COLONY_PRVKEY)");
  on_run(add_cmd, ctx, [&ctx, o] { return add(ctx, *o); });

  CLI::App* remove_cmd = group->add_subcommand("remove", "Remove a colony and everything in it (server owner)");
  name_option(remove_cmd);
  on_run(remove_cmd, ctx, [&ctx, o] { return remove(ctx, *o); });

  on_run(group->add_subcommand("ls", "List colonies (server owner)"), ctx, [&ctx] { return list(ctx); });

  CLI::App* get_cmd = group->add_subcommand("get", "Show a colony");
  name_option(get_cmd);
  on_run(get_cmd, ctx, [&ctx, o] { return get(ctx, *o); });

  CLI::App* stats_cmd = group->add_subcommand("stats", "Process and executor counts of a colony");
  name_option(stats_cmd);
  on_run(stats_cmd, ctx, [&ctx, o] { return stats(ctx, *o); });

  CLI::App* chid_cmd = group->add_subcommand("chid", "Give a colony to a new owner (colony owner)");
  name_option(chid_cmd);
  chid_cmd->add_option("--colonyid", o->colonyid, "the new owner's ID")->required();
  on_run(chid_cmd, ctx, [&ctx, o] { return change_id(ctx, *o); });
}

}  // namespace colonies::cli
