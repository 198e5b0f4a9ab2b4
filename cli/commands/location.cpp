// `colonies location add|ls|get|remove`.
#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#include "cli/table.hpp"

namespace colonies::cli {

namespace {

struct LocationOptions {
  std::string name;
  std::string description;
  double longitude = 0;
  double latitude = 0;
};

int add(CommandContext& ctx, const LocationOptions& o) {
  return with_colony_client(ctx, KeyRole::ColonyOwner, [&](client::Client& c, const std::string& colony) {
    model::Location location;
    location.name = o.name;
    location.colonyname = colony;
    location.description = o.description;
    location.long_ = o.longitude;
    location.lat = o.latitude;
    auto added = c.add_location(location);
    if (!added) return ctx.report(added.error(), c);
    if (ctx.settings.json) return ctx.print_json(model::to_json(*added));
    return ctx.print(fmt::format("location {} added to colony {}\n", added->name, colony));
  });
}

int list(CommandContext& ctx) {
  return with_colony_client(ctx, KeyRole::Member, [&](client::Client& c, const std::string& colony) {
    auto locations = c.get_locations(colony);
    if (!locations) return ctx.report(locations.error(), c);
    if (ctx.settings.json) return print_json_list(ctx, *locations);
    if (locations->empty()) return ctx.print(fmt::format("no locations in colony {}\n", colony));
    Table table({"NAME", "DESCRIPTION", "LONG", "LAT"});
    for (const auto& l : *locations) {
      table.add_row({l.name, l.description, fmt::format("{}", l.long_), fmt::format("{}", l.lat)});
    }
    return ctx.print(table.render());
  });
}

int get(CommandContext& ctx, const LocationOptions& o) {
  return with_colony_client(ctx, KeyRole::Member, [&](client::Client& c, const std::string& colony) {
    auto location = c.get_location(colony, o.name);
    if (!location) return ctx.report(location.error(), c);
    if (ctx.settings.json) return ctx.print_json(model::to_json(*location));
    KeyValues kv;
    kv.add("name", location->name);
    kv.add("locationid", location->locationid);
    kv.add("description", location->description);
    kv.add("long", fmt::format("{}", location->long_));
    kv.add("lat", fmt::format("{}", location->lat));
    return ctx.print(kv.render());
  });
}

int remove(CommandContext& ctx, const LocationOptions& o) {
  return with_colony_client(ctx, KeyRole::ColonyOwner, [&](client::Client& c, const std::string& colony) {
    auto removed = c.remove_location(colony, o.name);
    if (!removed) return ctx.report(removed.error(), c);
    return print_done(ctx, fmt::format("location {} removed from colony {}", o.name, colony));
  });
}

}  // namespace

void add_location_commands(CLI::App& app, CommandContext& ctx) {
  CLI::App* group = add_group(app, "location", "Locations executors can be placed in");
  auto o = std::make_shared<LocationOptions>();

  CLI::App* add_cmd = group->add_subcommand("add", "Add a location (colony owner)");
  add_cmd->add_option("--name", o->name, "location name")->required();
  add_cmd->add_option("--description", o->description, "free text");
  add_cmd->add_option("--long", o->longitude, "longitude");
  add_cmd->add_option("--lat", o->latitude, "latitude");
  on_run(add_cmd, ctx, [&ctx, o] { return add(ctx, *o); });

  on_run(group->add_subcommand("ls", "List the locations of the colony"), ctx, [&ctx] { return list(ctx); });

  CLI::App* get_cmd = group->add_subcommand("get", "Show a location");
  get_cmd->add_option("--name", o->name, "location name")->required();
  on_run(get_cmd, ctx, [&ctx, o] { return get(ctx, *o); });

  CLI::App* remove_cmd = group->add_subcommand("remove", "Remove a location (colony owner)");
  remove_cmd->add_option("--name", o->name, "location name")->required();
  on_run(remove_cmd, ctx, [&ctx, o] { return remove(ctx, *o); });
}

}  // namespace colonies::cli
