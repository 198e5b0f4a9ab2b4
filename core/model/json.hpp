// Helpers for reading and writing the model's JSON: a field reader that names the offending
// field in its errors, and RFC 3339 time formatting. Not a JSON library: Boost.JSON is.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "core/error/error.hpp"

namespace colonies::model {

namespace json = boost::json;

// Nanoseconds since the Unix epoch, UTC. 0 means "unset".
using TimeNs = std::int64_t;

// RFC 3339 with nanoseconds, UTC ("2026-11-23T12:00:00.123456789Z"); 0 is Go's zero time
// "0001-01-01T00:00:00Z" so that clients written for the original parse it.
std::string format_time(TimeNs t);
// Accepts RFC 3339 with optional fraction and a Z or +hh:mm offset; Go's zero time gives 0.
Result<TimeNs> parse_time(std::string_view text);

// Reads typed fields out of a JSON object. Absent and null fields leave the target as it is;
// a field of the wrong type is a BadRequest naming the field's path.
class FieldReader {
 public:
  // `path` prefixes field names in errors ("spec.conditions").
  static Result<FieldReader> of(const json::value& value, std::string path);
  static FieldReader of(const json::object& object, std::string path = "") { return FieldReader(&object, std::move(path)); }

  Status str(std::string_view key, std::string& out) const;
  Status i64(std::string_view key, std::int64_t& out) const;
  Status i32(std::string_view key, int& out) const;
  Status f64(std::string_view key, double& out) const;
  Status boolean(std::string_view key, bool& out) const;
  Status time(std::string_view key, TimeNs& out) const;
  Status strings(std::string_view key, std::vector<std::string>& out) const;
  Status string_map(std::string_view key, std::map<std::string, std::string>& out) const;
  Status array(std::string_view key, json::array& out) const;
  Status object(std::string_view key, json::object& out) const;
  Status any(std::string_view key, json::value& out) const;
  // The raw field, or nullptr when absent or null.
  const json::value* find(std::string_view key) const;
  std::string path_of(std::string_view key) const;

 private:
  FieldReader(const json::object* object, std::string path) : object_(object), path_(std::move(path)) {}
  const json::object* object_;
  std::string path_;
};

json::array to_json_array(const std::vector<std::string>& values);
json::object to_json_object(const std::map<std::string, std::string>& values);

// Parses text as JSON; a syntax error is a BadRequest that says where.
Result<json::value> parse_json(std::string_view text);

}  // namespace colonies::model
