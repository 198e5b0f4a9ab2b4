// Golden-file tests for the pure translations of the executors (FunctionSpec + site config ->
// SlurmJobRequest, Kubernetes Job JSON, mpirun argv). Each case is a directory under
// tests/golden/<backend>/<case>/ (expected to translate) or tests/golden/<backend>/invalid/<case>/
// (expected to be refused, with the exact error text in a file). A test lists the cases, runs the
// translation on the case's input files and compares its rendering with the expected file.
//
// To accept a deliberate change of output, run the test binary with COLONIES_UPDATE_GOLDEN=1: the
// expected files are then rewritten from the actual output (review the diff before committing).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace colonies::testing {

// The source tree's tests/golden directory (compiled in, so tests run from any directory).
std::filesystem::path golden_root();

// The case directories directly under `dir`, sorted by name, skipping a directory named
// "invalid" (its cases are listed with golden_cases(dir / "invalid")). Empty if `dir` is missing.
std::vector<std::filesystem::path> golden_cases(const std::filesystem::path& dir);

// The whole file; fails the current test (ADD_FAILURE) and returns "" when it cannot be read.
std::string read_golden(const std::filesystem::path& file);

// Compares `actual` with the file's content, failing the current test with both texts on a
// difference. With COLONIES_UPDATE_GOLDEN=1 in the environment the file is (re)written instead.
void expect_golden(const std::filesystem::path& file, std::string_view actual);

}  // namespace colonies::testing
