// `colonies security generate|id`: local key handling; never talks to the server.
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

int generate(CommandContext& ctx) {
  crypto::SodiumCrypto sodium;
  std::string key = sodium.generate_private_key();
  auto signer = sodium.signer(key);
  if (!signer) return ctx.usage(signer.error());
  return print_identity(ctx, key, (*signer)->id(), true);
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
  on_run(group->add_subcommand("generate", "Create a new private key and print it with its ID"), ctx,
         [&ctx] { return generate(ctx); });
  on_run(group->add_subcommand("id", "Print the ID of the private key (--prvkey or COLONIES_PRVKEY)"), ctx,
         [&ctx] { return show_id(ctx); });
}

}  // namespace colonies::cli
