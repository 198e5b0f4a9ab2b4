// Internal helpers of the Client: turn a reply payload into model types. A reply that does not
// decode is the server's fault, not the caller's, so every failure here is Internal and names
// the message it answered. Not part of the SDK's public API.
#pragma once

#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "core/error/error.hpp"
#include "core/model/json.hpp"

namespace colonies::client::detail {

inline Error malformed(std::string_view msgtype, const Error& cause) {
  return Error{ErrorCode::Internal, fmt::format("malformed reply to {}: {}", msgtype, cause.message)};
}

// Decodes one entity with `decode(value, path)`.
template <class Decode>
auto decode_one(std::string_view msgtype, const boost::json::value& value, Decode decode, const char* path)
    -> decltype(decode(value, std::string(path))) {
  auto decoded = decode(value, std::string(path));
  if (!decoded) return std::unexpected(malformed(msgtype, decoded.error()));
  return decoded;
}

// Decodes a JSON array of entities; null (an empty list from some servers) is an empty list.
template <class Decode>
auto decode_list(std::string_view msgtype, const boost::json::value& value, Decode decode, const char* path)
    -> Result<std::vector<typename decltype(decode(value, std::string(path)))::value_type>> {
  using T = typename decltype(decode(value, std::string(path)))::value_type;
  std::vector<T> items;
  if (value.is_null()) return items;
  if (!value.is_array()) {
    return std::unexpected(Error{ErrorCode::Internal, fmt::format("malformed reply to {}: expected a JSON array", msgtype)});
  }
  const auto& array = value.get_array();
  items.reserve(array.size());
  for (std::size_t i = 0; i < array.size(); ++i) {
    auto decoded = decode(array[i], fmt::format("{}[{}]", path, i));
    if (!decoded) return std::unexpected(malformed(msgtype, decoded.error()));
    items.push_back(std::move(*decoded));
  }
  return items;
}

}  // namespace colonies::client::detail
