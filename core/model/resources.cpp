// Resource quantity parsing. Strict: trailing garbage, negative values and overflow are errors.
#include "core/model/resources.hpp"

#include "core/model/text.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

namespace colonies::model {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Splits "1.5Gi" into 1.5 and "Gi".
Result<std::pair<double, std::string>> split_number(std::string_view text, std::string_view what) {
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0) return fail(ErrorCode::BadRequest, "{} '{}' must start with a number", what, text);
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + i, value);
  if (ec != std::errc() || ptr != text.data() + i || !std::isfinite(value)) {
    return fail(ErrorCode::BadRequest, "{} '{}' is not a number", what, text);
  }
  std::string unit(trim(text.substr(i)));
  return std::pair<double, std::string>{value, unit};
}

Result<std::int64_t> checked(double value, std::string_view what, std::string_view text) {
  if (value > static_cast<double>(std::numeric_limits<std::int64_t>::max() / 2)) {
    return fail(ErrorCode::BadRequest, "{} '{}' is too large", what, text);
  }
  return static_cast<std::int64_t>(std::llround(value));
}

}  // namespace

Result<std::int64_t> parse_cpu(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::int64_t{0};
  COLONIES_TRY(parts, split_number(text, "cpu"));
  auto& [value, unit] = parts;
  if (unit.empty()) return checked(value * 1000.0, "cpu", text);
  if (unit == "m") return checked(value, "cpu", text);
  return fail(ErrorCode::BadRequest, "cpu '{}': unit must be none (cores) or 'm' (millicores)", text);
}

Result<std::int64_t> parse_bytes(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::int64_t{0};
  COLONIES_TRY(parts, split_number(text, "memory"));
  auto& [value, unit] = parts;
  const std::string u = to_lower_ascii(unit);
  double scale = 0;
  if (u.empty() || u == "b") scale = 1;
  else if (u == "k" || u == "kb") scale = 1e3;
  else if (u == "m" || u == "mb") scale = 1e6;
  else if (u == "g" || u == "gb") scale = 1e9;
  else if (u == "t" || u == "tb") scale = 1e12;
  else if (u == "p" || u == "pb") scale = 1e15;
  else if (u == "ki" || u == "kib") scale = 1024.0;
  else if (u == "mi" || u == "mib") scale = 1024.0 * 1024;
  else if (u == "gi" || u == "gib") scale = 1024.0 * 1024 * 1024;
  else if (u == "ti" || u == "tib") scale = 1024.0 * 1024 * 1024 * 1024;
  else if (u == "pi" || u == "pib") scale = 1024.0 * 1024 * 1024 * 1024 * 1024;
  else {
    return fail(ErrorCode::BadRequest,
                "memory '{}': unknown unit '{}' (use K, M, G, T, P or Ki, Mi, Gi, Ti, Pi)", text, unit);
  }
  return checked(value * scale, "memory", text);
}

std::string format_cpu(std::int64_t millicores) {
  if (millicores % 1000 == 0) return std::to_string(millicores / 1000);
  return std::to_string(millicores) + "m";
}

std::string format_bytes(std::int64_t bytes) {
  constexpr std::int64_t kGi = 1024LL * 1024 * 1024;
  constexpr std::int64_t kMi = 1024LL * 1024;
  if (bytes != 0 && bytes % kGi == 0) return std::to_string(bytes / kGi) + "Gi";
  if (bytes != 0 && bytes % kMi == 0) return std::to_string(bytes / kMi) + "Mi";
  return std::to_string(bytes);
}

}  // namespace colonies::model
