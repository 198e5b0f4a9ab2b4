// The CLI's error messages: each says what went wrong and what to do about it. Pure functions of
// the error and where it came from, so the wording is tested. Not a logging facility.
#pragma once

#include <string>

#include "cli/settings.hpp"
#include "core/error/error.hpp"

namespace colonies::cli {

struct ErrorOrigin {
  std::string endpoint;  // host:port of coloniesd
  int reply_status = 0;  // HTTP status of the server's error reply; 0 = no reply (transport)
  KeyRole role = KeyRole::Member;
};

// One line (or two, with a hint) without a trailing newline.
std::string describe_error(const Error& error, const ErrorOrigin& origin);

}  // namespace colonies::cli
