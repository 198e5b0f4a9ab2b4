// Field reader and time codec for the model's JSON.
#include "core/model/json.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>

namespace colonies::model {

namespace {
constexpr std::string_view kZeroTime = "0001-01-01T00:00:00Z";

std::string_view kind_name(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "a number";
    case json::kind::string: return "a string";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
  }
  return "unknown";
}
}  // namespace

std::string format_time(TimeNs t) {
  if (t == 0) return std::string(kZeroTime);
  std::time_t secs = static_cast<std::time_t>(t / 1'000'000'000);
  long nanos = static_cast<long>(t % 1'000'000'000);
  if (nanos < 0) {
    nanos += 1'000'000'000;
    secs -= 1;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::size_t n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  if (nanos != 0) {
    n += static_cast<std::size_t>(std::snprintf(buf + n, sizeof(buf) - n, ".%09ld", nanos));
    while (buf[n - 1] == '0') --n;  // RFC 3339 allows a trimmed fraction
  }
  buf[n++] = 'Z';
  return std::string(buf, n);
}

Result<TimeNs> parse_time(std::string_view text) {
  if (text.empty() || text == kZeroTime) return TimeNs{0};
  int year, month, day, hour, minute, second;
  int consumed = 0;
  std::string s(text);
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute, &second,
                  &consumed) != 6 ||
      consumed != 19) {
    return fail(ErrorCode::BadRequest, "time '{}' is not RFC 3339", text);
  }
  std::size_t pos = 19;
  long nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    long scale = 100'000'000;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      nanos += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
  }
  long offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos + 6 == s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (std::sscanf(s.c_str() + pos + 1, "%2d:%2d", &oh, &om) != 2) {
      return fail(ErrorCode::BadRequest, "time '{}' has a bad zone offset", text);
    }
    offset = (s[pos] == '+' ? 1 : -1) * (oh * 3600L + om * 60L);
    pos += 6;
  }
  if (pos != s.size()) return fail(ErrorCode::BadRequest, "time '{}' is not RFC 3339", text);
  using namespace std::chrono;
  auto ymd = year_month_day{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                            std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return fail(ErrorCode::BadRequest, "time '{}' is not a valid date", text);
  auto secs = sys_days{ymd}.time_since_epoch() + hours{hour} + minutes{minute} + seconds{second} -
              seconds{offset};
  // TimeNs counts nanoseconds in an int64, from 1677-09-21 to 2262-04-11; a four-digit year can
  // lie beyond, where the conversion would overflow (found by the k8s fuzz target, in a pod log).
  constexpr std::int64_t kLimitS = std::numeric_limits<TimeNs>::max() / 1'000'000'000 - 1;
  if (secs.count() > kLimitS || secs.count() < -kLimitS) {
    return fail(ErrorCode::BadRequest, "time '{}' is outside the years 1678 to 2261", text);
  }
  return duration_cast<nanoseconds>(secs).count() + nanos;
}

Result<FieldReader> FieldReader::of(const json::value& value, std::string path) {
  if (!value.is_object()) {
    return fail(ErrorCode::BadRequest, "{} must be a JSON object, not {}", path.empty() ? "payload" : path,
                kind_name(value));
  }
  return FieldReader(&value.get_object(), std::move(path));
}

std::string FieldReader::path_of(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  return fmt::format("{}.{}", path_, key);
}

const json::value* FieldReader::find(std::string_view key) const {
  auto it = object_->find(key);
  if (it == object_->end() || it->value().is_null()) return nullptr;
  return &it->value();
}

#define COLONIES_FIELD_TYPE_ERROR(what) \
  fail(ErrorCode::BadRequest, "field '{}' must be {}, not {}", path_of(key), what, kind_name(*v))

Status FieldReader::str(std::string_view key, std::string& out) const {
  const json::value* v = find(key);
  if (!v) return ok();
  if (!v->is_string()) return COLONIES_FIELD_TYPE_ERROR("a string");
  out.assign(v->get_string().data(), v->get_string().size());
  return ok();
}

Status FieldReader::i64(std::string_view key, std::int64_t& out) const {
  const json::value* v = find(key);
  if (!v) return ok();
  if (v->is_int64()) {
    out = v->get_int64();
  } else if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    out = static_cast<std::int64_t>(v->get_uint64());
  } else if (v->is_double() && std::trunc(v->get_double()) == v->get_double() &&
             std::fabs(v->get_double()) < 9.0e18) {
    out = static_cast<std::int64_t>(v->get_double());
  } else {
    return COLONIES_FIELD_TYPE_ERROR("an integer");
  }
  return ok();
}

Status FieldReader::i32(std::string_view key, int& out) const {
  std::int64_t wide = out;
  COLONIES_CHECK(i64(key, wide));
  if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max()) {
    return fail(ErrorCode::BadRequest, "field '{}' is out of range", path_of(key));
  }
  out = static_cast<int>(wide);
  return ok();
}

Status FieldReader::f64(std::string_view key, double& out) const {
  const json::value* v = find(key);
  if (!v) return ok();
  if (v->is_double()) out = v->get_double();
  else if (v->is_int64()) out = static_cast<double>(v->get_int64());
  else if (v->is_uint64()) out = static_cast<double>(v->get_uint64());
  else return COLONIES_FIELD_TYPE_ERROR("a number");
  return ok();
}

Status FieldReader::boolean(std::string_view key, bool& out) const {
  const json::value* v = find(key);
  if (!v) return ok();
  if (!v->is_bool()) return COLONIES_FIELD_TYPE_ERROR("a boolean");
  out = v->get_bool();
  return ok();
}

Status FieldReader::time(std::string_view key, TimeNs& out) const {
  std::string text;
  COLONIES_CHECK(str(key, text));
  if (text.empty()) return ok();
  auto parsed = parse_time(text);
  if (!parsed) return fail(ErrorCode::BadRequest, "field '{}': {}", path_of(key), parsed.error().message);
  out = *parsed;
  return ok();
}

Status FieldReader::strings(std::string_view key, std::vector<std::string>& out) const {
  const json::value* v = find(key);
  if (!v) return ok();
  if (!v->is_array()) return COLONIES_FIELD_TYPE_ERROR("an array of strings");
  out.clear();
  for (const auto& item : v->get_array()) {
    if (!item.is_string()) {
      return fail(ErrorCode::BadRequest, "field '{}' must hold only strings", path_of(key));
    }
    out.emplace_back(item.get_string());
  }
  return ok();
}

Status FieldReader::string_map(std::string_view key, std::map<std::string, std::string>& out) const {
  const json::value* v = find(key);
  if (!v) return ok();
  if (!v->is_object()) return COLONIES_FIELD_TYPE_ERROR("an object of strings");
  out.clear();
  for (const auto& [k, item] : v->get_object()) {
    if (!item.is_string()) {
      return fail(ErrorCode::BadRequest, "field '{}.{}' must be a string", path_of(key), std::string_view(k));
    }
    out.emplace(std::string(k), std::string(item.get_string()));
  }
  return ok();
}

Status FieldReader::array(std::string_view key, json::array& out) const {
  const json::value* v = find(key);
  if (!v) return ok();
  if (!v->is_array()) return COLONIES_FIELD_TYPE_ERROR("an array");
  out = v->get_array();
  return ok();
}

Status FieldReader::object(std::string_view key, json::object& out) const {
  const json::value* v = find(key);
  if (!v) return ok();
  if (!v->is_object()) return COLONIES_FIELD_TYPE_ERROR("an object");
  out = v->get_object();
  return ok();
}

Status FieldReader::any(std::string_view key, json::value& out) const {
  const json::value* v = find(key);
  if (v) out = *v;
  return ok();
}

json::array to_json_array(const std::vector<std::string>& values) {
  json::array out;
  out.reserve(values.size());
  for (const auto& v : values) out.emplace_back(v);
  return out;
}

json::object to_json_object(const std::map<std::string, std::string>& values) {
  json::object out;
  for (const auto& [k, v] : values) out[k] = v;
  return out;
}

Result<json::value> parse_json(std::string_view text) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec) return fail(ErrorCode::BadRequest, "invalid JSON: {}", ec.message());
  return value;
}

}  // namespace colonies::model
