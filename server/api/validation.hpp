// Input checks shared by the handlers: names and IDs in payloads.
#pragma once

#include <string>
#include <string_view>

#include "core/error/error.hpp"
#include "core/model/entities.hpp"

namespace colonies::server::api {

inline Status valid_name(std::string_view what, const std::string& name) {
  if (name.empty()) return fail(ErrorCode::BadRequest, "{} name is required", what);
  if (name.size() > 256) return fail(ErrorCode::BadRequest, "{} name is longer than 256 characters", what);
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) return fail(ErrorCode::BadRequest, "{} name contains control characters", what);
  }
  return ok();
}

inline Status valid_id(std::string_view what, const std::string& id) {
  if (!model::is_valid_id(id)) {
    return fail(ErrorCode::BadRequest, "{} must be 64 lowercase hex characters (an ID from `colonies security id`)",
                what);
  }
  return ok();
}

}  // namespace colonies::server::api
