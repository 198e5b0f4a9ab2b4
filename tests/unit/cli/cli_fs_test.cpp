// `colonies fs` and `colonies snapshot` in-process against a FakeTransport: the storage directory
// must be configured for commands that move bytes, a dry sync prints the plan and changes
// nothing, and snapshot commands send the right messages.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/unit/cli/cli_harness.hpp"

namespace colonies::cli {
namespace {

namespace fs = std::filesystem;

class CliFsTest : public CliHarness {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("colonies-cli-fs-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data");
    std::ofstream(dir_ / "data" / "a.txt") << "hello";
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(CliFsTest, SyncWithoutStorageSaysHowToConfigureIt) {
  member_env();
  EXPECT_EQ(run({"fs", "sync", "-l", "/d", "-d", (dir_ / "data").string()}), 2);
  EXPECT_NE(err_.str().find("set COLONIES_FS_DIR or pass --fs-dir"), std::string::npos) << err_.str();
}

TEST_F(CliFsTest, StorageThatIsAFileIsRefused) {
  member_env();
  set_env("COLONIES_FS_DIR", (dir_ / "data" / "a.txt").string());
  EXPECT_EQ(run({"fs", "sync", "-l", "/d", "-d", (dir_ / "data").string()}), 2);
  EXPECT_NE(err_.str().find("not a directory"), std::string::npos) << err_.str();
}

TEST_F(CliFsTest, DrySyncPrintsThePlanAndOnlyLists) {
  member_env();
  set_env("COLONIES_FS_DIR", (dir_ / "storage").string());
  script_ok(boost::json::array{});  // getfilesmsg: nothing remote yet
  EXPECT_EQ(run({"fs", "sync", "-l", "/d", "-d", (dir_ / "data").string(), "--dry"}), 0) << err_.str();
  EXPECT_NE(out_.str().find("would upload    a.txt -> /d"), std::string::npos) << out_.str();
  ASSERT_EQ(sent_->size(), 1u);
  auto payload = colonies::testing::sent_payload((*sent_)[0].body);
  EXPECT_EQ(payload.at("msgtype"), "getfilesmsg");
  EXPECT_EQ(payload.at("recursive"), true);
  // Nothing stored either.
  EXPECT_FALSE(fs::exists(dir_ / "storage" / "dev") && !fs::is_empty(dir_ / "storage" / "dev"));
}

TEST_F(CliFsTest, SnapshotCreateSendsLabelAndName) {
  member_env();
  model::Snapshot s{std::string(64, '5'), "dev", "/d", "v1", {std::string(64, '1')}, {}, 0};
  model::File f;
  f.fileid = std::string(64, '1');
  f.label = "/d";
  f.name = "a.txt";
  s.files.push_back(f);
  script_ok(model::to_json(s));
  EXPECT_EQ(run({"snapshot", "create", "-l", "/d", "-n", "v1"}), 0) << err_.str();
  EXPECT_NE(out_.str().find("snapshot v1"), std::string::npos) << out_.str();
  auto payload = colonies::testing::sent_payload((*sent_)[0].body);
  EXPECT_EQ(payload.at("msgtype"), "createsnapshotmsg");
  EXPECT_EQ(payload.at("label"), "/d");
  EXPECT_EQ(payload.at("name"), "v1");
}

TEST_F(CliFsTest, SnapshotRemoveNeedsANameOrAnId) {
  member_env();
  EXPECT_EQ(run({"snapshot", "remove"}), 2);
  EXPECT_NE(err_.str().find("--name or --snapshotid"), std::string::npos) << err_.str();
}

}  // namespace
}  // namespace colonies::cli
