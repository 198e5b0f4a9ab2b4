// Golden-file helpers: see golden.hpp.
#include "tests/support/golden.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace colonies::testing {

namespace fs = std::filesystem;

fs::path golden_root() { return fs::path(COLONIES_SOURCE_DIR) / "tests" / "golden"; }

std::vector<fs::path> golden_cases(const fs::path& dir) {
  std::vector<fs::path> cases;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return cases;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_directory() && entry.path().filename() != "invalid") cases.push_back(entry.path());
  }
  std::sort(cases.begin(), cases.end());
  return cases;
}

std::string read_golden(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read golden file " << file;
    return {};
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void expect_golden(const fs::path& file, std::string_view actual) {
  const char* update = std::getenv("COLONIES_UPDATE_GOLDEN");
  if (update && std::string_view(update) == "1") {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << actual;
    if (!out) ADD_FAILURE() << "cannot write golden file " << file;
    return;
  }
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    ADD_FAILURE() << "golden file " << file << " is missing; the actual output is:\n"
                  << actual << "\n(run with COLONIES_UPDATE_GOLDEN=1 to create it)";
    return;
  }
  const std::string expected = read_golden(file);
  EXPECT_EQ(expected, actual) << "golden file " << file
                              << " differs (run with COLONIES_UPDATE_GOLDEN=1 to accept the new output)";
}

}  // namespace colonies::testing
