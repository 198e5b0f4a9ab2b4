// Connection, key selection and error reporting shared by all CLI commands.
#include "cli/context.hpp"

#include "adapters/crypto/sodium_crypto.hpp"
#include "cli/error_text.hpp"
#include "core/ports/clock.hpp"

namespace colonies::cli {

Result<client::Client> CommandContext::client(KeyRole role) {
  role_ = role;
  COLONIES_TRY(config, settings.client_config());
  std::unique_ptr<ports::Signer> signer;
  if (role != KeyRole::Unsigned) {
    COLONIES_TRY(key, resolve_key(settings, role));
    crypto::SodiumCrypto sodium;
    auto made = sodium.signer(key);
    if (!made) {
      return fail(ErrorCode::BadRequest,
                  "the private key is malformed ({}): it must be 64 hex characters, as printed by "
                  "`colonies security generate`",
                  made.error().message);
    }
    signer = std::move(*made);
  }
  return client::Client(env_.connect(config), std::move(signer), config);
}

Result<std::string> CommandContext::colonyname() const {
  if (settings.colonyname.empty()) {
    return fail(ErrorCode::BadRequest, "no colony: set COLONIES_COLONY_NAME or pass --colonyname");
  }
  return settings.colonyname;
}

int CommandContext::report(const Error& error, const client::Client& client) {
  ErrorOrigin origin{settings.endpoint(), client.last_reply_status(), role_};
  err() << describe_error(error, origin) << '\n';
  return kExitFailed;
}

int CommandContext::usage(const Error& error) { return usage(error.message); }

int CommandContext::usage(std::string_view message) {
  err() << message << '\n';
  return kExitUsage;
}

int CommandContext::print_json(const boost::json::value& value) {
  out() << boost::json::serialize(value) << '\n';
  return kExitOk;
}

int CommandContext::print(const std::string& text) {
  out() << text;
  return kExitOk;
}

model::TimeNs CommandContext::wall_now() const { return ports::SystemClock().now(); }

}  // namespace colonies::cli
