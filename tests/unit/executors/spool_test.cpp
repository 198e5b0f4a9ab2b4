// The executor spool on a real temporary directory: file formats, atomic replacement, removal,
// and what happens to corrupt, partial and misnamed files (moved aside, never a crash).
#include "executors/common/spool.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>

namespace colonies::executors {
namespace {

namespace fs = std::filesystem;

const std::string kP1 = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1";
const std::string kP2 = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2";

class SpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("colonies-spool-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  Spool open() {
    auto spool = Spool::open(dir_);
    EXPECT_TRUE(spool) << spool.error().message;
    return std::move(*spool);
  }
  void write(const fs::path& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary);
    out << content;
  }
  std::size_t count(const fs::path& dir) {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
  }

  fs::path dir_;
};

SpooledClose sample_close() {
  return SpooledClose{kP1, true, boost::json::array{"done", 42}, {}, {"line 1\nline 2\n", "line 3\n"}, 7};
}

TEST(SpoolFormat, CloseRoundTrips) {
  auto decoded = decode_close(encode_close(sample_close()));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->processid, kP1);
  EXPECT_TRUE(decoded->success);
  EXPECT_EQ(decoded->out, (boost::json::array{"done", 42}));
  EXPECT_TRUE(decoded->errors.empty());
  EXPECT_EQ(decoded->logs, (std::vector<std::string>{"line 1\nline 2\n", "line 3\n"}));
  EXPECT_EQ(decoded->spooled_at, 7);
}

TEST(SpoolFormat, JobRoundTrips) {
  auto decoded = decode_job(encode_job(JournaledJob{kP1, "slurm", "{\"jobid\":17}", 9}));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->processid, kP1);
  EXPECT_EQ(decoded->backend, "slurm");
  EXPECT_EQ(decoded->token, "{\"jobid\":17}");
  EXPECT_EQ(decoded->started_at, 9);
}

TEST(SpoolFormat, BadFilesAreRefusedWithWhatIsWrong) {
  auto message = [](std::string_view text) {
    auto decoded = decode_close(text);
    return decoded ? std::string("accepted") : decoded.error().message;
  };
  EXPECT_NE(message("{\"version\":1,\"processid\":\"").find("JSON"), std::string::npos) << message("{\"version\":1,\"processid\":\"");
  EXPECT_EQ(message("[1]"), "not a JSON object");
  EXPECT_EQ(message("{\"version\":2,\"processid\":\"p\",\"success\":true}"),
            "format version 2 is not 1 (written by another release?)");
  EXPECT_EQ(message("{\"version\":1,\"success\":true}"), "processid is missing");
  EXPECT_EQ(message("{\"version\":1,\"processid\":\"p\"}"), "success is missing");
  EXPECT_EQ(message("{\"version\":1,\"processid\":\"../etc\",\"success\":true}"),
            "process ID '../etc' cannot name a spool file (letters, digits, - and _ only)");
  auto job = decode_job("{\"version\":1,\"processid\":\"p\"}");
  ASSERT_FALSE(job);
  EXPECT_EQ(job.error().message, "backend is missing");
}

TEST_F(SpoolTest, OpenCreatesPrivateDirectories) {
  Spool spool = open();
  for (const char* sub : {"closes", "jobs", "aside"}) {
    ASSERT_TRUE(fs::is_directory(dir_ / sub)) << sub;
    EXPECT_EQ(fs::status(dir_ / sub).permissions() & fs::perms::all, fs::perms::owner_all) << sub;
  }
  EXPECT_EQ(spool.dir(), dir_);
}

TEST_F(SpoolTest, ASpoolInUseCannotBeOpenedTwiceUntilReleased) {
  {
    Spool first = open();
    auto second = Spool::open(dir_);
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().message, "spool directory " + dir_.string() + " is in use by another executor (pid " +
                                          std::to_string(::getpid()) + "); give each executor its own --spool-dir");
    Spool moved = std::move(first);  // the lock moves with the object
    EXPECT_FALSE(Spool::open(dir_));
  }
  EXPECT_TRUE(Spool::open(dir_)) << "the lock outlived the spool";
}

TEST_F(SpoolTest, OpenFailsWithTheDirectoryInTheMessage) {
  write(dir_, "a file, not a directory");
  auto spool = Spool::open(dir_);
  ASSERT_FALSE(spool);
  EXPECT_EQ(spool.error().code, ErrorCode::BadRequest);
  EXPECT_NE(spool.error().message.find(dir_.string()), std::string::npos) << spool.error().message;
  fs::remove(dir_);
}

TEST_F(SpoolTest, ClosesArePutReplacedLoadedAndRemoved) {
  Spool spool = open();
  ASSERT_TRUE(spool.put_close(sample_close()));
  SpooledClose failed{kP2, false, {}, {"exit code 3"}, {}, 0};
  ASSERT_TRUE(spool.put_close(failed));
  EXPECT_TRUE(fs::exists(dir_ / "closes" / (kP1 + ".json")));
  EXPECT_EQ(count(dir_ / "closes"), 2u);  // no temporary file is left behind

  SpooledClose replaced = sample_close();
  replaced.logs.clear();
  ASSERT_TRUE(spool.put_close(replaced));
  auto loaded = spool.load_closes();
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(loaded[0].processid, kP1);  // spooled earlier (spooled_at 7)
  EXPECT_TRUE(loaded[0].logs.empty());
  EXPECT_EQ(loaded[1].processid, kP2);
  EXPECT_GT(loaded[1].spooled_at, 0);  // stamped when it was written
  EXPECT_EQ(loaded[1].errors, (std::vector<std::string>{"exit code 3"}));

  ASSERT_TRUE(spool.remove_close(kP1));
  ASSERT_TRUE(spool.remove_close(kP1));  // removing twice is fine
  EXPECT_EQ(spool.load_closes().size(), 1u);
}

TEST_F(SpoolTest, JournalEntriesArePutLoadedAndRemoved) {
  Spool spool = open();
  ASSERT_TRUE(spool.put_job(JournaledJob{kP1, "fake", "job-1", 0}));
  auto jobs = spool.load_jobs();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].token, "job-1");
  EXPECT_GT(jobs[0].started_at, 0);
  ASSERT_TRUE(spool.remove_job(kP1));
  EXPECT_TRUE(spool.load_jobs().empty());
}

TEST_F(SpoolTest, AProcessIdThatCannotNameAFileIsRefused) {
  Spool spool = open();
  auto put = spool.put_close(SpooledClose{"../../x", true, {}, {}, {}, 0});
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().message, "process ID '../../x' cannot name a spool file (letters, digits, - and _ only)");
  EXPECT_FALSE(spool.put_job(JournaledJob{"", "fake", "", 0}));
}

TEST_F(SpoolTest, CorruptPartialAndMisnamedFilesAreMovedAsideNotLoaded) {
  Spool spool = open();
  ASSERT_TRUE(spool.put_close(sample_close()));
  write(dir_ / "closes" / (kP2 + ".json"), "{\"version\":1,\"processid\":\"" + kP2);  // cut short
  write(dir_ / "closes" / "cccc.json.tmp", "{");                                       // interrupted write
  write(dir_ / "closes" / "dddd.json", encode_close(SpooledClose{"eeee", true, {}, {}, {}, 1}));  // misnamed
  write(dir_ / "closes" / "notes.txt", "hello");
  write(dir_ / "jobs" / (kP1 + ".json"), "");  // empty

  auto loaded = spool.load_closes();
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].processid, kP1);
  EXPECT_TRUE(spool.load_jobs().empty());
  EXPECT_EQ(count(dir_ / "closes"), 1u);
  EXPECT_EQ(count(dir_ / "jobs"), 0u);
  EXPECT_EQ(count(dir_ / "aside"), 5u);
  // A second start finds nothing new to complain about.
  EXPECT_EQ(spool.load_closes().size(), 1u);
  EXPECT_EQ(count(dir_ / "aside"), 5u);
}

TEST_F(SpoolTest, ARefusedCloseCanBeSetAside) {
  Spool spool = open();
  ASSERT_TRUE(spool.put_close(sample_close()));
  spool.set_aside_close(kP1, "the server said 400");
  EXPECT_TRUE(spool.load_closes().empty());
  EXPECT_EQ(count(dir_ / "aside"), 1u);
}

TEST(SpoolDefaults, DefaultDirectoryFollowsXdgStateHome) {
  const char* saved_state = std::getenv("XDG_STATE_HOME");
  const std::string saved = saved_state ? saved_state : "";
  const std::string saved_home = std::getenv("HOME") ? std::getenv("HOME") : "";
  ::setenv("XDG_STATE_HOME", "/var/lib/me", 1);
  EXPECT_EQ(default_spool_dir("hpc-1"), fs::path("/var/lib/me/colonies/hpc-1/spool"));
  ::setenv("XDG_STATE_HOME", "relative/ignored", 1);
  ::setenv("HOME", "/home/me", 1);
  EXPECT_EQ(default_spool_dir("hpc-1"), fs::path("/home/me/.local/state/colonies/hpc-1/spool"));
  if (saved_state) ::setenv("XDG_STATE_HOME", saved.c_str(), 1);
  else ::unsetenv("XDG_STATE_HOME");
  ::setenv("HOME", saved_home.c_str(), 1);
}

}  // namespace
}  // namespace colonies::executors
