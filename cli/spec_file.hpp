// Loading a FunctionSpec from a JSON file for `colonies function submit --spec`. Errors name the
// file and, for syntax errors, the line and column, so they can be fixed without guessing.
// Checks only what the file says; the server validates the spec on submit.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error/error.hpp"
#include "core/model/function_spec.hpp"
#include "core/model/workflow.hpp"

namespace colonies::cli {

// Parses JSON text; on a syntax error the message says "line L, column C".
Result<boost::json::value> parse_json_with_position(std::string_view text);

// Reads and decodes the spec in `path` (a FunctionSpec object). BadRequest with a message that
// starts with the file name when the file is missing, unreadable, not JSON, or not a spec.
Result<model::FunctionSpec> load_spec_file(const std::string& path);

// A file of one FunctionSpec (an object) or of several (an array of them, for a batched submit).
// Errors as load_spec_file; an array item's error names its index ("[3].conditions...").
Result<std::vector<model::FunctionSpec>> load_spec_list(const std::string& path);

// The same for `colonies workflow submit --spec`: a WorkflowSpec object
// ({"colonyname": ..., "functionspecs": [...]}).
Result<model::WorkflowSpec> load_workflow_file(const std::string& path);

}  // namespace colonies::cli
