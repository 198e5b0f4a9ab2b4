// `colonies audit ls|verify`: the audit ledger (docs/audit.md). `verify` checks the chain here,
// in the client, with the SDK's verify_audit: the server is only asked for the entries.
#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#include "cli/table.hpp"
#include "core/model/go_duration.hpp"

namespace colonies::cli {

namespace {

struct AuditOptions {
  std::string colony;
  std::string processid;
  std::string signer;
  std::string since;
  std::string until;
  std::int64_t after = 0;
  int count = 100;
  std::string anchor;
};

// --since/--until: an RFC 3339 time, or a Go duration meaning that long ago ("90m", "24h").
Result<model::TimeNs> parse_when(const std::string& flag, const std::string& text, model::TimeNs now) {
  if (text.empty()) return model::TimeNs{0};
  if (auto t = model::parse_time(text)) return *t;
  if (auto d = model::parse_go_duration(text)) return now - d->count();
  return fail(ErrorCode::BadRequest, "{} '{}' is neither an RFC 3339 time nor a duration such as 90m or 24h", flag, text);
}

// SEQ:HASH as printed by a previous verify.
Result<model::AuditHead> parse_anchor(const std::string& text) {
  auto colon = text.find(':');
  model::AuditHead anchor;
  if (colon != std::string::npos) {
    try {
      std::size_t used = 0;
      anchor.seq = std::stoll(text.substr(0, colon), &used);
      if (used != colon) anchor.seq = 0;
    } catch (const std::exception&) {
      anchor.seq = 0;
    }
    anchor.hash = text.substr(colon + 1);
  }
  if (anchor.seq <= 0 || anchor.hash.size() != 64) {
    return fail(ErrorCode::BadRequest, "--anchor '{}' must be SEQ:HASH as `colonies audit verify` prints it", text);
  }
  return anchor;
}

int ls(CommandContext& ctx, const AuditOptions& o) {
  const model::TimeNs now = ctx.wall_now();
  auto since = parse_when("--since", o.since, now);
  if (!since) return ctx.usage(since.error());
  auto until = parse_when("--until", o.until, now);
  if (!until) return ctx.usage(until.error());
  if (o.count <= 0) return ctx.usage("--count must be at least 1");
  // The whole ledger is the server owner's; one colony's entries are also its owner's.
  const KeyRole role = o.colony.empty() ? KeyRole::ServerOwner : KeyRole::ColonyOwner;
  return with_client(ctx, role, [&](client::Client& c) {
    client::AuditQuery query{o.colony, o.processid, o.signer, *since, *until, o.after, std::min(o.count, 1000)};
    std::vector<model::AuditEntry> entries;
    auto paged = c.for_each_audit_page(query, [&](std::vector<model::AuditEntry>& page) -> Status {
      for (auto& e : page) {
        if (static_cast<int>(entries.size()) == o.count) return fail(ErrorCode::Conflict, "enough");
        entries.push_back(std::move(e));
      }
      if (static_cast<int>(entries.size()) == o.count) return fail(ErrorCode::Conflict, "enough");
      return ok();
    });
    if (!paged && static_cast<int>(entries.size()) < o.count) return ctx.report(paged.error(), c);
    if (ctx.settings.json) return print_json_list(ctx, entries);
    if (entries.empty()) return ctx.print("no audit entries\n");
    Table table({"SEQ", "TIME", "STATUS", "MSGTYPE", "COLONY", "PROCESSID", "SIGNER"});
    for (const auto& e : entries) {
      table.add_row({std::to_string(e.seq), short_time(e.time, now), std::to_string(e.status), e.msgtype,
                     e.colonyname.empty() ? "-" : e.colonyname, e.processid.empty() ? "-" : e.processid,
                     truncate(e.signer, 17)});
    }
    std::string text = table.render();
    if (static_cast<int>(entries.size()) == o.count) {
      text += fmt::format("(first {}; more with --after {})\n", o.count, entries.back().seq);
    }
    return ctx.print(text);
  });
}

int verify(CommandContext& ctx, const AuditOptions& o) {
  client::AuditVerifyOptions options;
  if (!o.anchor.empty()) {
    auto anchor = parse_anchor(o.anchor);
    if (!anchor) return ctx.usage(anchor.error());
    options.anchor = std::move(*anchor);
  }
  // Long ledgers take a while (one signature check per entry): say how far it got, on stderr.
  std::int64_t reported = 0;
  options.progress = [&](std::int64_t checked, std::int64_t total) {
    if (checked - reported < 10000 || ctx.settings.json) return;
    reported = checked;
    ctx.err() << fmt::format("verified {} of {} entries\n", checked, total) << std::flush;
  };
  return with_client(ctx, KeyRole::ServerOwner, [&](client::Client& c) {
    auto result = c.verify_audit(options);
    if (!result) return ctx.report(result.error(), c);
    const client::AuditVerification& v = *result;
    if (ctx.settings.json) {
      boost::json::object o{{"intact", v.intact()},
                            {"checked", v.checked},
                            {"head", model::to_json(v.head)},
                            {"checkpoint", v.checkpoint ? boost::json::value(model::to_json(*v.checkpoint))
                                                        : boost::json::value(nullptr)}};
      if (!v.intact()) {
        o["badseq"] = v.bad_seq;
        o["problem"] = v.problem;
      }
      ctx.print_json(o);
      return v.intact() ? kExitOk : kExitFailed;
    }
    const std::string from = v.checkpoint ? fmt::format("from the checkpoint at entry {}", v.checkpoint->seq)
                                          : std::string("from entry 1");
    if (!v.intact()) {
      ctx.err() << fmt::format("audit ledger broken at entry {}: {} ({} entries intact {} before it)\n", v.bad_seq,
                               v.problem, v.checked, from);
      return kExitFailed;
    }
    if (v.head.seq == 0) return ctx.print("audit ledger is empty\n");
    return ctx.print(fmt::format("audit ledger intact: {} entries checked {}\nhead {}:{} (pass it as --anchor next time)\n",
                                 v.checked, from, v.head.seq, v.head.hash));
  });
}

}  // namespace

void add_audit_commands(CLI::App& app, CommandContext& ctx) {
  CLI::App* group = add_group(app, "audit", "The audit ledger of state-changing requests (docs/audit.md)");
  auto o = std::make_shared<AuditOptions>();

  CLI::App* ls_cmd = group->add_subcommand(
      "ls", "List audit entries, oldest first (server owner; a colony owner with --colony for their colony)");
  ls_cmd->add_option("--colony", o->colony, "only entries about this colony (signs with the colony owner's key)");
  ls_cmd->add_option("-p,--process", o->processid, "only entries naming or creating this process");
  ls_cmd->add_option("--signer", o->signer, "only requests signed by this ID");
  ls_cmd->add_option("--since", o->since, "only entries at or after this RFC 3339 time, or this long ago (24h)");
  ls_cmd->add_option("--until", o->until, "only entries before this RFC 3339 time, or this long ago");
  ls_cmd->add_option("--after", o->after, "only entries after this seq (paging)");
  ls_cmd->add_option("--count", o->count, "at most this many entries")->capture_default_str();
  on_run(ls_cmd, ctx, [&ctx, o] { return ls(ctx, *o); });

  CLI::App* verify_cmd = group->add_subcommand(
      "verify", "Check the whole ledger here: chain, hashes, payload digests and signatures (server owner)");
  verify_cmd->add_option("--anchor", o->anchor, "SEQ:HASH of a head printed by an earlier verify; it must still be there");
  on_run(verify_cmd, ctx, [&ctx, o] { return verify(ctx, *o); });
}

}  // namespace colonies::cli
