// `colonies security generate|id`: local key handling; never talks to the server.
#include "adapters/crypto/key_file.hpp"
#include "adapters/crypto/sodium_crypto.hpp"
#include "cli/commands/commands.hpp"
#include "cli/table.hpp"

namespace colonies::cli {

namespace {

int print_identity(CommandContext& ctx, const std::string& prvkey, const std::string& id, bool with_key) {
  if (ctx.settings.json) {
    boost::json::object o{{"id", id}};
    if (with_key) o["prvkey"] = prvkey;
    return ctx.print_json(o);
  }
  KeyValues kv;
  if (with_key) kv.add("prvkey", prvkey);
  kv.add("id", id);
  return ctx.print(kv.render());
}

// With --out the key goes only to the file (created 0600, never replacing one) and the ID is
// printed: the key then never passes through a terminal, a shell history or a pipe.
int generate(CommandContext& ctx, const std::string& out) {
  crypto::SodiumCrypto sodium;
  std::string key = sodium.generate_private_key();
  auto signer = sodium.signer(key);
  if (!signer) return ctx.usage(signer.error());
  if (out.empty()) return print_identity(ctx, key, (*signer)->id(), true);
  if (auto written = crypto::write_private_file(out, key + "\n"); !written) return ctx.usage(written.error());
  if (ctx.settings.json) return ctx.print_json(boost::json::object{{"id", (*signer)->id()}, {"prvkeyfile", out}});
  KeyValues kv;
  kv.add("prvkeyfile", out);
  kv.add("id", (*signer)->id());
  return ctx.print(kv.render());
}

int show_id(CommandContext& ctx) {
  auto key = resolve_key(ctx.settings, KeyRole::Member);
  if (!key) return ctx.usage(key.error());
  crypto::SodiumCrypto sodium;
  auto signer = sodium.signer(*key);
  if (!signer) return ctx.usage("the private key is malformed: it must be 64 hex characters");
  return print_identity(ctx, *key, (*signer)->id(), false);
}

}  // namespace

void add_security_commands(CLI::App& app, CommandContext& ctx) {
  CLI::App* group = add_group(app, "security", "Keys and identities (local, no server needed)");
  auto out = std::make_shared<std::string>();
  CLI::App* generate_cmd = group->add_subcommand(
      "generate", "Create a new private key and print it with its ID, or with --out write it to a file (mode 0600)");
  generate_cmd->add_option("--out", *out,
                           "write the key to this new file, readable by you only, and print only its ID (use it with "
                           "--prvkey-file or COLONIES_PRVKEY_FILE)");
  on_run(generate_cmd, ctx, [&ctx, out] { return generate(ctx, *out); });
  on_run(group->add_subcommand("id",
                               "Print the ID of the private key (--prvkey, --prvkey-file, COLONIES_PRVKEY or "
                               "COLONIES_PRVKEY_FILE)"),
         ctx, [&ctx] { return show_id(ctx); });
}

}  // namespace colonies::cli
