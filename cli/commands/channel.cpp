// `colonies channel append|read`: messages on the channels a process declares, between its
// submitter and its executor. Text in, text out (payloads are bytes; --json shows them base64).
#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#include "cli/table.hpp"

namespace colonies::cli {

namespace {

struct ChannelOptions {
  std::string processid;
  std::string name;
  std::int64_t sequence = 0;
  std::string message;
  std::string type = "data";
  std::int64_t inreplyto = 0;
  std::int64_t after = 0;
  int count = 100;
  bool follow = false;
};

int append(CommandContext& ctx, const ChannelOptions& o) {
  return with_client(ctx, KeyRole::Member, [&](client::Client& c) {
    auto entry = c.channel_append(o.processid, o.name, o.sequence, o.message, o.type, o.inreplyto);
    if (!entry) return ctx.report(entry.error(), c);
    if (ctx.settings.json) return ctx.print_json(model::to_json(*entry));
    return ctx.print(fmt::format("appended at position {}\n", entry->position));
  });
}

void print_entries(CommandContext& ctx, const std::vector<model::ChannelEntry>& entries) {
  for (const auto& e : entries) {
    if (ctx.settings.json) {
      ctx.print_json(model::to_json(e));
    } else {
      ctx.out() << fmt::format("{:>6}  {:<5}  {}\n", e.position, e.payloadtype, e.payload) << std::flush;
    }
  }
}

// Prints the channel, then each new entry as it is committed, until the process ends. Re-subscribes
// after the server's subscription timeout from the last position seen.
int follow(CommandContext& ctx, client::Client& c, const ChannelOptions& o) {
  std::int64_t after = o.after;
  for (;;) {
    auto subscription = c.open_channel_subscription(o.processid, o.name, after, 0);
    if (!subscription) return ctx.report(subscription.error(), c);
    for (;;) {
      auto entries = (*subscription)->next_entries(c.subscription_wait(0));
      if (!entries) return ctx.report(entries.error(), c);
      if (!*entries) {
        if ((*subscription)->timed_out()) break;  // subscribe again
        return kExitOk;                           // the process ended
      }
      print_entries(ctx, **entries);
      if (!(*entries)->empty()) after = (*entries)->back().position;
    }
  }
}

int read(CommandContext& ctx, const ChannelOptions& o) {
  return with_client(ctx, KeyRole::Member, [&](client::Client& c) {
    if (o.follow) return follow(ctx, c, o);
    auto entries = c.channel_read(o.processid, o.name, o.after, o.count);
    if (!entries) return ctx.report(entries.error(), c);
    if (ctx.settings.json) return print_json_list(ctx, *entries);
    Table table({"POSITION", "SEQ", "TYPE", "SENDER", "PAYLOAD"});
    for (const auto& e : *entries) {
      table.add_row({std::to_string(e.position), std::to_string(e.sequence), e.payloadtype, e.senderid.substr(0, 12),
                     e.payload});
    }
    return ctx.print(table.render());
  });
}

}  // namespace

void add_channel_commands(CLI::App& app, CommandContext& ctx) {
  CLI::App* group = add_group(app, "channel", "Messages between a process's submitter and its executor");
  auto o = std::make_shared<ChannelOptions>();

  CLI::App* append_cmd = group->add_subcommand("append", "Append a message to a channel of a process");
  append_cmd->add_option("-p,--processid", o->processid, "process ID")->required();
  append_cmd->add_option("--name", o->name, "channel name (declared in the process's spec.channels)")->required();
  append_cmd->add_option("--seq", o->sequence, "your sequence number on this channel (must grow)")->required();
  append_cmd->add_option("-m,--message", o->message, "the message")->required();
  append_cmd->add_option("--type", o->type, "data, end or error")->capture_default_str()->check(
      CLI::IsMember({"data", "end", "error"}));
  append_cmd->add_option("--inreplyto", o->inreplyto, "position this message answers (0 = none)");
  on_run(append_cmd, ctx, [&ctx, o] { return append(ctx, *o); });

  CLI::App* read_cmd = group->add_subcommand("read", "Read a channel of a process");
  read_cmd->add_option("-p,--processid", o->processid, "process ID")->required();
  read_cmd->add_option("--name", o->name, "channel name")->required();
  read_cmd->add_option("--after", o->after, "only entries after this position (0 = from the start)")->capture_default_str();
  read_cmd->add_option("--count", o->count, "at most this many entries")->capture_default_str();
  read_cmd->add_flag("--follow", o->follow, "then print new entries as they come, until the process ends (WebSocket)");
  on_run(read_cmd, ctx, [&ctx, o] { return read(ctx, *o); });
}

}  // namespace colonies::cli
