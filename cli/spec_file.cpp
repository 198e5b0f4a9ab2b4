// Spec file loading with positioned JSON errors.
#include "cli/spec_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace colonies::cli {

Result<boost::json::value> parse_json_with_position(std::string_view text) {
  boost::json::stream_parser parser;
  boost::system::error_code ec;
  std::size_t consumed = parser.write_some(text.data(), text.size(), ec);
  if (!ec) parser.finish(ec);
  if (!ec) return parser.release();
  // On an error write_some stops at the offending byte; at the end the text was cut short.
  std::size_t offset = std::min(consumed, text.size());
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return fail(ErrorCode::BadRequest, "invalid JSON at line {}, column {}: {}", line, column, ec.message());
}

namespace {

// The file's JSON, or an error naming the file (and the line for syntax errors).
Result<boost::json::value> load_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::BadRequest, "cannot read spec file '{}': {}", path, std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  auto value = parse_json_with_position(text.str());
  if (!value) return fail(ErrorCode::BadRequest, "spec file '{}': {}", path, value.error().message);
  return value;
}

// The file's JSON object.
Result<boost::json::value> load_object(const std::string& path, std::string_view what) {
  COLONIES_TRY(value, load_json(path));
  if (!value.is_object()) return fail(ErrorCode::BadRequest, "spec file '{}': expected a JSON object ({})", path, what);
  return value;
}

}  // namespace

Result<model::WorkflowSpec> load_workflow_file(const std::string& path) {
  COLONIES_TRY(value, load_object(path, "a workflow spec"));
  if (!value.as_object().contains("functionspecs")) {
    return fail(ErrorCode::BadRequest, "spec file '{}': a workflow spec needs \"functionspecs\": [...]", path);
  }
  auto spec = model::workflow_spec_from_json(value, "spec");
  if (!spec) return fail(ErrorCode::BadRequest, "spec file '{}': {}", path, spec.error().message);
  return spec;
}

Result<model::FunctionSpec> load_spec_file(const std::string& path) {
  auto value = load_object(path, "a function spec");
  if (!value) return std::unexpected(value.error());
  auto spec = model::function_spec_from_json(*value, "spec");
  if (!spec) return fail(ErrorCode::BadRequest, "spec file '{}': {}", path, spec.error().message);
  return spec;
}

Result<std::vector<model::FunctionSpec>> load_spec_list(const std::string& path) {
  COLONIES_TRY(value, load_json(path));
  if (value.is_object()) {
    auto spec = model::function_spec_from_json(value, "spec");
    if (!spec) return fail(ErrorCode::BadRequest, "spec file '{}': {}", path, spec.error().message);
    return std::vector<model::FunctionSpec>{std::move(*spec)};
  }
  if (!value.is_array()) {
    return fail(ErrorCode::BadRequest, "spec file '{}': expected a function spec (a JSON object) or an array of them",
                path);
  }
  const auto& items = value.get_array();
  if (items.empty()) return fail(ErrorCode::BadRequest, "spec file '{}': the array holds no function spec", path);
  std::vector<model::FunctionSpec> specs;
  specs.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto spec = model::function_spec_from_json(items[i], fmt::format("[{}]", i));
    if (!spec) return fail(ErrorCode::BadRequest, "spec file '{}': {}", path, spec.error().message);
    specs.push_back(std::move(*spec));
  }
  return specs;
}

}  // namespace colonies::cli
