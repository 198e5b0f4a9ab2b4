// `colonies server start|status|stats|chid`. start replaces this process with the coloniesd that
// sits next to the colonies binary; the others are ordinary calls.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#include "cli/commands/render.hpp"
#include "cli/table.hpp"

namespace colonies::cli {

namespace {

int start(CommandContext& ctx, const std::vector<std::string>& args) {
  namespace fs = std::filesystem;
  fs::path self(ctx.env().self_path);
  fs::path daemon = self.parent_path() / "coloniesd";
  if (ctx.env().self_path.empty() || ::access(daemon.c_str(), X_OK) != 0) {
    return ctx.usage(fmt::format(
        "cannot start the server: no executable coloniesd next to colonies ({}). Build it (ninja -C build "
        "coloniesd) or install both binaries in the same directory",
        daemon.string()));
  }
  std::vector<std::string> argv{daemon.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  ctx.env().exec(daemon.string(), argv);
  ctx.err() << fmt::format("cannot run {}: {}\n", daemon.string(), std::strerror(errno));
  return kExitFailed;
}

int status(CommandContext& ctx) {
  auto client = ctx.client(KeyRole::Unsigned);
  if (!client) return ctx.usage(client.error());
  auto version = client->version();
  if (!version) return ctx.report(version.error(), *client);
  auto info = client->server_info();
  if (!info) return ctx.report(info.error(), *client);
  if (ctx.settings.json) {
    boost::json::array backends;
    for (const auto& b : info->backends) {
      backends.push_back({{"type", b.type}, {"host", b.host}, {"port", b.port}, {"tls", b.tls}, {"insecure", b.insecure}});
    }
    return ctx.print_json(boost::json::object{{"buildversion", info->buildversion},
                                              {"buildtime", info->buildtime},
                                              {"backends", std::move(backends)}});
  }
  KeyValues kv;
  kv.add("server", ctx.settings.endpoint());
  kv.add("status", "running");
  kv.add("version", fmt::format("{} (built {})", version->buildversion, version->buildtime));
  for (const auto& b : info->backends) {
    kv.add("listener", fmt::format("{} {}:{}{}", b.type, b.host, b.port, b.tls ? " tls" : ""));
  }
  return ctx.print(kv.render());
}

int stats(CommandContext& ctx) {
  auto client = ctx.client(KeyRole::ServerOwner);
  if (!client) return ctx.usage(client.error());
  auto statistics = client->statistics();
  if (!statistics) return ctx.report(statistics.error(), *client);
  if (ctx.settings.json) return ctx.print_json(model::to_json(*statistics));
  return ctx.print(render_statistics(*statistics));
}

int change_id(CommandContext& ctx, const std::string& serverid) {
  if (!model::is_valid_id(serverid)) {
    return ctx.usage("--serverid must be 64 lowercase hex characters (the ID printed by `colonies security id`)");
  }
  auto client = ctx.client(KeyRole::ServerOwner);
  if (!client) return ctx.usage(client.error());
  auto changed = client->change_server_id(serverid);
  if (!changed) return ctx.report(changed.error(), *client);
  if (ctx.settings.json) return ctx.print_json(boost::json::object{{"serverid", serverid}});
  return ctx.print(fmt::format("server ID changed to {}\n", serverid));
}

int cluster_info(CommandContext& ctx) {
  auto client = ctx.client(KeyRole::ServerOwner);
  if (!client) return ctx.usage(client.error());
  auto info = client->cluster_info();
  if (!info) return ctx.report(info.error(), *client);
  if (ctx.settings.json) {
    boost::json::array members;
    for (const auto& m : info->members) members.push_back({{"name", m.name}, {"url", m.url}, {"leader", m.leader}});
    return ctx.print_json(
        boost::json::object{{"members", std::move(members)}, {"leader", info->leader}, {"epoch", info->epoch}});
  }
  KeyValues kv;
  kv.add("leader", info->leader.empty() ? "(none elected)" : info->leader);
  kv.add("epoch", std::to_string(info->epoch));
  std::string text = kv.render();
  Table table({"MEMBER", "URL", "ROLE"});
  for (const auto& m : info->members) table.add_row({m.name, m.url, m.leader ? "leader" : "follower"});
  text += "\n" + table.render();
  return ctx.print(text);
}

}  // namespace

void add_cluster_commands(CLI::App& app, CommandContext& ctx) {
  CLI::App* group = add_group(app, "cluster", "Inspect the servers sharing one store (high availability)");
  on_run(group->add_subcommand("info", "Members, the leader and its epoch (server owner)"), ctx,
         [&ctx] { return cluster_info(ctx); });
}

void add_server_commands(CLI::App& app, CommandContext& ctx) {
  CLI::App* group = add_group(app, "server", "Start and inspect coloniesd");

  CLI::App* start_cmd = group->add_subcommand("start", "Run coloniesd (found next to colonies) with the given flags");
  auto daemon_args = std::make_shared<std::vector<std::string>>();
  start_cmd->add_option("args", *daemon_args, "flags passed to coloniesd (put them after --)");
  on_run(start_cmd, ctx, [&ctx, daemon_args] { return start(ctx, *daemon_args); });

  on_run(group->add_subcommand("status", "Check that the server answers; show its version (unsigned)"), ctx,
         [&ctx] { return status(ctx); });
  on_run(group->add_subcommand("stats", "Process and executor counts of the whole server (server owner)"), ctx,
         [&ctx] { return stats(ctx); });

  CLI::App* chid = group->add_subcommand("chid", "Change the server owner's ID (server owner)");
  auto serverid = std::make_shared<std::string>();
  chid->add_option("--serverid", *serverid, "the new owner's ID")->required();
  on_run(chid, ctx, [&ctx, serverid] { return change_id(ctx, *serverid); });
}

}  // namespace colonies::cli
