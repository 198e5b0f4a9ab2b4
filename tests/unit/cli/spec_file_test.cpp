// Spec files: errors name the file, and JSON syntax errors name the line and column.
#include "cli/spec_file.hpp"

#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/support/temp_path.hpp"

namespace colonies::cli {
namespace {

class SpecFileTest : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& text) {
    std::string path = colonies::testing::unique_temp_path(name);
    std::ofstream(path) << text;
    paths_.push_back(path);
    return path;
  }
  ~SpecFileTest() override {
    for (const auto& p : paths_) std::remove(p.c_str());
  }
  std::vector<std::string> paths_;
};

TEST_F(SpecFileTest, LoadsAValidSpec) {
  auto path = write("valid.json", R"({"funcname": "train", "args": [1, "x"],
    "conditions": {"colonyname": "dev", "executortype": "slurm", "nodes": 2}})");
  auto spec = load_spec_file(path);
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(spec->funcname, "train");
  EXPECT_EQ(spec->conditions.nodes, 2);
}

TEST_F(SpecFileTest, MissingFileNamesTheFileAndTheReason) {
  auto spec = load_spec_file("/nonexistent/spec.json");
  ASSERT_FALSE(spec);
  EXPECT_EQ(spec.error().message, "cannot read spec file '/nonexistent/spec.json': No such file or directory");
}

TEST_F(SpecFileTest, SyntaxErrorNamesFileLineAndColumn) {
  auto path = write("broken.json", "{\n  \"funcname\": \"train\",\n  \"args\": [1, 2,,]\n}\n");
  auto spec = load_spec_file(path);
  ASSERT_FALSE(spec);
  EXPECT_EQ(spec.error().message.rfind("spec file '" + path + "': invalid JSON at line 3, column 17", 0), 0u)
      << spec.error().message;
}

TEST_F(SpecFileTest, TruncatedFileIsReportedAtItsEnd) {
  auto path = write("truncated.json", "{\"funcname\": \"train\"");
  auto spec = load_spec_file(path);
  ASSERT_FALSE(spec);
  EXPECT_NE(spec.error().message.find("line 1, column 21"), std::string::npos) << spec.error().message;
}

TEST_F(SpecFileTest, NonObjectIsRejected) {
  auto path = write("array.json", "[1, 2]");
  auto spec = load_spec_file(path);
  ASSERT_FALSE(spec);
  EXPECT_NE(spec.error().message.find("expected a JSON object"), std::string::npos);
}

TEST_F(SpecFileTest, WrongFieldTypeNamesTheField) {
  auto path = write("wrongtype.json", R"({"funcname": "train", "conditions": {"nodes": "two"}})");
  auto spec = load_spec_file(path);
  ASSERT_FALSE(spec);
  EXPECT_NE(spec.error().message.find(path), std::string::npos);
  EXPECT_NE(spec.error().message.find("nodes"), std::string::npos) << spec.error().message;
}

}  // namespace
}  // namespace colonies::cli
