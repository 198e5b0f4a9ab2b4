// Wording of CLI errors, with a hint for the errors people hit most: no server, wrong key, clock.
#include "cli/error_text.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace colonies::cli {

namespace {

bool contains_nocase(std::string haystack, std::string_view needle) {
  std::transform(haystack.begin(), haystack.end(), haystack.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return haystack.find(needle) != std::string::npos;
}

std::string role_hint(KeyRole role) {
  switch (role) {
    case KeyRole::ColonyOwner:
      return "this command needs the colony owner's key (COLONIES_COLONY_PRVKEY or --prvkey)";
    case KeyRole::ServerOwner:
      return "this command needs the server owner's key (COLONIES_SERVER_PRVKEY or --prvkey)";
    default:
      return "this command needs the key of an approved executor or a user of the colony (COLONIES_PRVKEY or "
             "--prvkey)";
  }
}

}  // namespace

std::string describe_error(const Error& error, const ErrorOrigin& origin) {
  if (origin.reply_status == 0 && error.code == ErrorCode::Unavailable &&
      contains_nocase(error.message, "certificate")) {
    return fmt::format(
        "coloniesd at {} answered, but its TLS certificate was refused ({}). Pass its CA certificate with "
        "--tls-ca-file (COLONIES_TLS_CA_FILE) or install it in the system store; for a test server only, "
        "--insecure skips the check",
        origin.endpoint, error.message);
  }
  if (origin.reply_status == 0 && error.code == ErrorCode::Unavailable) {
    std::string reason = contains_nocase(error.message, "refused") ? "connection refused" : error.message;
    return fmt::format(
        "cannot reach coloniesd at {} ({}). Start it with `colonies server start` or check "
        "COLONIES_SERVER_HOST/COLONIES_SERVER_HTTP_PORT",
        origin.endpoint, reason);
  }
  if (origin.reply_status == 0 && error.code == ErrorCode::Timeout) {
    return fmt::format("coloniesd at {} did not answer in time ({}); is it overloaded or stuck?", origin.endpoint,
                       error.message);
  }
  if (origin.reply_status == 0) return fmt::format("error: {}", error.message);
  std::string text = fmt::format("error ({}): {}", origin.reply_status, error.message);
  if (origin.reply_status == 403) {
    text += fmt::format("\nhint: {}", role_hint(origin.role));
  } else if (origin.reply_status == 401) {
    text += "\nhint: the server rejected the signature; check the private key and that this machine's clock is "
            "right";
  } else if (origin.reply_status == 503 && contains_nocase(error.message, "pause")) {
    text += "\nhint: resume with `colonies process resume`";
  }
  return text;
}

}  // namespace colonies::cli
