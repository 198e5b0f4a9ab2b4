// spec.fs as the local executor reads it (pure), and LocalBackend's use of an FsStager: inputs
// in place before the child starts, results synced back only after success, and failures
// (staging in, syncing back, no storage configured) turned into clear process errors.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "executors/local/fs_plan.hpp"
#include "executors/local/local_backend.hpp"

namespace colonies::executors::local {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

model::Process with_fs(const char* fs_json, std::string funcname = "true", boost::json::array args = {}) {
  model::Process p;
  p.processid = "p1";
  p.state = model::ProcessState::Running;
  p.spec.funcname = std::move(funcname);
  p.spec.args = std::move(args);
  p.spec.conditions.colonyname = "lab";
  auto v = model::parse_json(fs_json);
  EXPECT_TRUE(v);
  if (v) p.spec.fs = *v;
  return p;
}

TEST(FsPlanTest, ResolvesMountAndDirsInsideTheWorkDirectory) {
  auto plan = plan_fs(with_fs(R"({"mount": "/cfs", "snapshots": [{"snapshotid": "s1", "dir": "in", "keepsnapshot": false}],
                                  "dirs": [{"label": "/results", "dir": "out/run"}]})"),
                      "/work/p1");
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->colonyname, "lab");
  ASSERT_EQ(plan->snapshots.size(), 1u);
  EXPECT_EQ(plan->snapshots[0].dir, fs::path("/work/p1/cfs/in"));
  EXPECT_FALSE(plan->snapshots[0].keepsnapshot);
  ASSERT_EQ(plan->dirs.size(), 1u);
  EXPECT_EQ(plan->dirs[0].dir, fs::path("/work/p1/cfs/out/run"));
  EXPECT_EQ(plan->dirs[0].label, "/results");
  EXPECT_TRUE(plan->dirs[0].onclose_keeplocal);
}

TEST(FsPlanTest, NoFsIsAnEmptyPlan) {
  model::Process p;
  auto plan = plan_fs(p, "/w");
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->empty());
}

TEST(FsPlanTest, RefusesPathsThatClimbOut) {
  auto plan = plan_fs(with_fs(R"({"dirs": [{"label": "/r", "dir": "../../etc"}]})"), "/work/p1");
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().message.find("spec.fs.dirs[0].dir"), std::string::npos) << plan.error().message;
  EXPECT_FALSE(plan_fs(with_fs(R"({"mount": "a/../../b", "dirs": [{"label": "/r", "dir": "x"}]})"), "/w"));
  EXPECT_FALSE(plan_fs(with_fs(R"({"dirs": [{"label": "/r//x", "dir": "x"}]})"), "/w"));
}

// Writes an input file on stage-in; records stage-out.
struct FakeStager final : FsStager {
  Status stage_in(const FsPlan& plan) override {
    ++ins;
    if (fail_in) return fail(ErrorCode::NotFound, "snapshot s1 not found");
    for (const auto& d : plan.dirs) {
      fs::create_directories(d.dir);
      std::ofstream(d.dir / "input.txt") << "from the label\n";
    }
    return ok();
  }
  Status stage_out(const FsPlan& plan, bool succeeded) override {
    ++outs;
    last_succeeded = succeeded;
    for (const auto& d : plan.dirs) {
      std::ifstream in(d.dir / "result.txt");
      std::getline(in, result);
    }
    if (fail_out) return fail(ErrorCode::Unavailable, "file storage directory is not writable");
    return ok();
  }
  int ins = 0, outs = 0;
  bool fail_in = false, fail_out = false, last_succeeded = false;
  std::string result;
};

struct Sink final : JobSink {
  void line(OutputStream, std::string_view) override {}
  void finished(JobResult r) override { result = std::move(r); }
  std::optional<JobResult> result;
};

class LocalBackendFsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("colonies-fs-test-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  std::unique_ptr<LocalBackend> backend(std::shared_ptr<FsStager> stager) {
    LocalBackendConfig c;
    c.workdir = root_;
    c.stager = std::move(stager);
    auto b = LocalBackend::create(std::move(c));
    EXPECT_TRUE(b) << b.error().message;
    return b ? std::move(*b) : nullptr;
  }

  static std::optional<JobResult> run(LocalBackend& b, const model::Process& p, Sink& sink) {
    auto h = b.submit(p, sink);
    if (!h) return JobResult{false, {}, {h.error().message}, "", true};
    for (int i = 0; i < 400 && !sink.result; ++i) EXPECT_TRUE(b.poll(50ms));
    return sink.result;
  }

  fs::path root_;
  static constexpr const char* kFs = R"({"dirs": [{"label": "/job", "dir": "data"}]})";
};

TEST_F(LocalBackendFsTest, InputsAreInPlaceBeforeTheProcessAndResultsAreSyncedAfter) {
  auto stager = std::make_shared<FakeStager>();
  auto b = backend(stager);
  Sink sink;
  auto p = with_fs(kFs, "sh", {"-c", "cat data/input.txt && echo done > data/result.txt"});
  auto r = run(*b, p, sink);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->success) << (r->errors.empty() ? "" : r->errors[0]);
  ASSERT_FALSE(r->out.empty());
  EXPECT_EQ(r->out[0], "from the label");
  EXPECT_EQ(stager->ins, 1);
  EXPECT_EQ(stager->outs, 1);
  EXPECT_TRUE(stager->last_succeeded);
  EXPECT_EQ(stager->result, "done");
}

TEST_F(LocalBackendFsTest, AFailedStageInIsAClearSubmitError) {
  auto stager = std::make_shared<FakeStager>();
  stager->fail_in = true;
  auto b = backend(stager);
  Sink sink;
  auto h = b->submit(with_fs(kFs), sink);
  ASSERT_FALSE(h);
  EXPECT_NE(h.error().message.find("could not prepare the files of spec.fs: snapshot s1 not found"), std::string::npos)
      << h.error().message;
  EXPECT_FALSE(fs::exists(root_ / "p1"));  // nothing left behind
}

TEST_F(LocalBackendFsTest, AFailedSyncBackFailsTheProcess) {
  auto stager = std::make_shared<FakeStager>();
  stager->fail_out = true;
  auto b = backend(stager);
  Sink sink;
  auto r = run(*b, with_fs(kFs), sink);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->success);
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_NE(r->errors[0].find("could not be synced back: file storage directory is not writable"), std::string::npos)
      << r->errors[0];
}

TEST_F(LocalBackendFsTest, AFailedProcessIsNotSyncedBack) {
  auto stager = std::make_shared<FakeStager>();
  auto b = backend(stager);
  Sink sink;
  auto r = run(*b, with_fs(kFs, "false"), sink);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->success);
  EXPECT_EQ(stager->outs, 1);
  EXPECT_FALSE(stager->last_succeeded);
}

TEST_F(LocalBackendFsTest, FsWithoutConfiguredStorageIsRefused) {
  auto b = backend(nullptr);
  Sink sink;
  auto h = b->submit(with_fs(kFs), sink);
  ASSERT_FALSE(h);
  EXPECT_NE(h.error().message.find("COLONIES_FS_DIR"), std::string::npos) << h.error().message;
  // Without spec.fs the same backend runs processes as before.
  auto plain = with_fs("null");
  EXPECT_TRUE(run(*b, plain, sink)->success);
}

}  // namespace
}  // namespace colonies::executors::local
