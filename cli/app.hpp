// Entry point of the `colonies` command-line tool as a library function, so tests run whole
// command lines against a fake transport. main.cpp only supplies the real environment.
#pragma once

#include <string>
#include <vector>

#include "cli/cli_environment.hpp"

namespace colonies::cli {

// Parses `args` (without the program name) and runs the command. Returns the exit code:
// 0 ok, 1 the operation failed, 2 usage or configuration error.
int run(const std::vector<std::string>& args, CliEnvironment& env);

}  // namespace colonies::cli
