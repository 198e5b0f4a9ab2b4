// Error values used everywhere inside Colonies: a stable code, a human message, and the
// Result<T> alias. Transports map ErrorCode to their own status (see server/api/status.hpp);
// nothing here knows about HTTP.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace colonies {

enum class ErrorCode {
  BadRequest,       // malformed or invalid input
  Unauthenticated,  // bad signature, replay, clock skew
  Forbidden,        // authenticated, but the role does not allow it
  NotFound,
  Timeout,          // a long-poll ran out
  Conflict,         // state violation: closing twice, duplicate name
  TooLarge,         // request body over the limit
  RateLimited,
  Unavailable,      // paused, storage down, not leader
  Internal,         // a genuine fault of ours
};

std::string_view to_string(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::Internal;
  std::string message;
};

template <class T>
using Result = std::expected<T, Error>;
using Status = Result<void>;

inline std::unexpected<Error> fail(ErrorCode code, std::string message) {
  return std::unexpected<Error>(Error{code, std::move(message)});
}

template <class... Args>
std::unexpected<Error> fail(ErrorCode code, fmt::format_string<Args...> format, Args&&... args) {
  return std::unexpected<Error>(Error{code, fmt::format(format, std::forward<Args>(args)...)});
}

inline Status ok() { return {}; }

}  // namespace colonies

// Propagates the error of a Result-returning expression, or yields its value.
#define COLONIES_TRY(var, expr)              \
  auto var##_result_ = (expr);               \
  if (!var##_result_) {                      \
    return std::unexpected(std::move(var##_result_.error())); \
  }                                          \
  auto var = std::move(*var##_result_)

#define COLONIES_CHECK(expr)                 \
  do {                                       \
    auto check_result_ = (expr);             \
    if (!check_result_) {                    \
      return std::unexpected(std::move(check_result_.error())); \
    }                                        \
  } while (0)
