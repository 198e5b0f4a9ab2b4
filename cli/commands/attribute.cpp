// `colonies attribute add|get`: key/value attributes on a running process.
#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#include "cli/table.hpp"

namespace colonies::cli {

namespace {

struct AttributeOptions {
  std::string processid;
  std::string key;
  std::string value;
  std::string attributeid;
};

std::string render_attribute(const model::Attribute& a) {
  KeyValues kv;
  kv.add("attributeid", a.attributeid);
  kv.add("processid", a.targetid);
  kv.add("key", a.key);
  kv.add("value", a.value);
  return kv.render();
}

int add(CommandContext& ctx, const AttributeOptions& o) {
  return with_colony_client(ctx, KeyRole::Member, [&](client::Client& c, const std::string& colony) {
    model::Attribute attribute;
    attribute.targetid = o.processid;
    attribute.targetcolonyname = colony;
    attribute.attributetype = static_cast<int>(model::AttributeType::Out);
    attribute.key = o.key;
    attribute.value = o.value;
    auto added = c.add_attribute(attribute);
    if (!added) return ctx.report(added.error(), c);
    if (ctx.settings.json) return ctx.print_json(model::to_json(*added));
    return ctx.print(render_attribute(*added));
  });
}

int get(CommandContext& ctx, const AttributeOptions& o) {
  return with_client(ctx, KeyRole::Member, [&](client::Client& c) {
    auto attribute = c.get_attribute(o.attributeid);
    if (!attribute) return ctx.report(attribute.error(), c);
    if (ctx.settings.json) return ctx.print_json(model::to_json(*attribute));
    return ctx.print(render_attribute(*attribute));
  });
}

}  // namespace

void add_attribute_commands(CLI::App& app, CommandContext& ctx) {
  CLI::App* group = add_group(app, "attribute", "Attributes of processes");
  auto o = std::make_shared<AttributeOptions>();

  CLI::App* add_cmd = group->add_subcommand("add", "Attach key=value to a process you run");
  add_cmd->add_option("-p,--processid", o->processid, "process ID")->required();
  add_cmd->add_option("-k,--key", o->key, "attribute key")->required();
  add_cmd->add_option("-v,--value", o->value, "attribute value")->required();
  on_run(add_cmd, ctx, [&ctx, o] { return add(ctx, *o); });

  CLI::App* get_cmd = group->add_subcommand("get", "Show an attribute");
  get_cmd->add_option("--attributeid", o->attributeid, "attribute ID")->required();
  on_run(get_cmd, ctx, [&ctx, o] { return get(ctx, *o); });
}

}  // namespace colonies::cli
