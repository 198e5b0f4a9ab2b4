// Small helpers shared by the handlers: input checks on names and IDs, and list replies.
#pragma once

#include <iterator>
#include <type_traits>

#include <string>
#include <string_view>

#include "core/error/error.hpp"
#include "core/model/entities.hpp"
#include "core/model/executor.hpp"
#include "core/model/process.hpp"

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

// A list reply: every item (a model value or a pointer to one) as its JSON, in order.
template <class Range>
boost::json::array json_list(const Range& items) {
  boost::json::array out;
  out.reserve(std::size(items));
  for (const auto& item : items) {
    if constexpr (std::is_pointer_v<std::decay_t<decltype(item)>>) out.push_back(model::to_json(*item));
    else out.push_back(model::to_json(item));
  }
  return out;
}

}  // namespace colonies::server::api
