// ColonyFS end to end over loopback with a real coloniesd: a directory synced up, snapshotted,
// changed, and the snapshot downloaded elsewhere with the snapshot-time contents; and a local
// executor run whose spec.fs provides input files from a snapshot and whose result directory is
// synced back to a label. Bytes go through a DirectoryBlobStore in a temporary directory.
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "adapters/blob/directory_blob_store.hpp"
#include "client/file_sync.hpp"
#include "executors/common/runtime.hpp"
#include "executors/local/local_backend.hpp"
#include "tests/integration/executors/colony_test.hpp"

namespace colonies::executors {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

using it::id_of;
using it::sodium;

void write(const fs::path& p, const std::string& content) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every regular file below `dir` with its content, by relative path.
std::map<std::string, std::string> tree(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out[fs::relative(e.path(), dir).generic_string()] = read(e.path());
  }
  return out;
}

class FilesIntegrationTest : public it::ColonyTest {
 protected:
  void SetUp() override {
    it::ColonyTest::SetUp();
    root_ = fs::temp_directory_path() / ("colonies-files-it-" + std::to_string(::getpid()) + "-" + it::test_slug(""));
    fs::remove_all(root_);
    auto blobs = blob::DirectoryBlobStore::open(blob::DirectoryBlobStore::colony_root(root_ / "storage", kColony));
    ASSERT_TRUE(blobs) << blobs.error().message;
    blobs_ = std::move(*blobs);
    sync_ = std::make_unique<client::FileSync>(*user_, *blobs_, kColony);
  }

  void TearDown() override {
    if (runtime_) {
      runtime_->request_stop(true);
      if (runner_.joinable()) runner_.join();
    }
    fs::remove_all(root_);
  }

  client::SyncPlan sync(const std::string& label, const fs::path& dir, bool keeplocal = false) {
    auto plan = sync_->plan(label, dir, keeplocal);
    EXPECT_TRUE(plan) << plan.error().message;
    if (!plan) return {};
    auto done = sync_->execute(*plan);
    EXPECT_TRUE(done) << done.error().message;
    return *plan;
  }

  fs::path root_;
  std::unique_ptr<blob::DirectoryBlobStore> blobs_;
  std::unique_ptr<client::FileSync> sync_;
  std::unique_ptr<Runtime> runtime_;
  std::thread runner_;
};

TEST_F(FilesIntegrationTest, SyncUpSnapshotAndDownloadTheSnapshotElsewhere) {
  const fs::path src = root_ / "src";
  write(src / "a.txt", "alpha\n");
  write(src / "sub" / "b.bin", std::string("\0\1\2binary", 9));
  write(src / "sub" / "deeper" / "c.csv", "x,y\n1,2\n");

  auto first = sync("/exp/run1", src);
  EXPECT_EQ(first.upload.size(), 3u);
  auto again = sync_->plan("/exp/run1", src, false);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->in_sync()) << "a second sync should find nothing to do";

  auto labels = user_->get_file_labels(kColony, "/exp", false);
  ASSERT_TRUE(labels) << labels.error().message;
  EXPECT_EQ(labels->size(), 3u);  // /exp/run1, /exp/run1/sub, /exp/run1/sub/deeper

  const auto at_snapshot = tree(src);
  auto snapshot = user_->create_snapshot(kColony, "/exp/run1", "run1-v1");
  ASSERT_TRUE(snapshot) << snapshot.error().message;
  EXPECT_EQ(snapshot->fileids.size(), 3u);

  // A later change is a new revision and does not touch the snapshot.
  write(src / "a.txt", "alpha, edited\n");
  auto edited = sync("/exp/run1", src, /*keeplocal=*/true);
  EXPECT_EQ(edited.conflicts.size(), 1u);
  auto revisions = user_->get_file_revisions(kColony, "/exp/run1", "a.txt");
  ASSERT_TRUE(revisions);
  EXPECT_EQ(revisions->size(), 2u);

  const fs::path elsewhere = root_ / "elsewhere";
  auto fetched = user_->get_snapshot_by_name(kColony, "run1-v1");
  ASSERT_TRUE(fetched) << fetched.error().message;
  auto n = sync_->download_snapshot(*fetched, elsewhere);
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(*n, 3);
  EXPECT_EQ(tree(elsewhere), at_snapshot);

  // A fresh directory synced down gets the latest revisions.
  const fs::path latest = root_ / "latest";
  auto down = sync("/exp/run1", latest);
  EXPECT_EQ(down.download.size(), 3u);
  EXPECT_EQ(tree(latest), tree(src));

  // Names are unique per colony.
  auto dup = user_->create_snapshot(kColony, "/exp/run1", "run1-v1");
  ASSERT_FALSE(dup);
  EXPECT_EQ(user_->last_reply_status(), 409);
}

TEST_F(FilesIntegrationTest, ACorruptedBlobIsReportedAndNotDelivered) {
  const fs::path src = root_ / "src";
  write(src / "data.txt", "precious");
  sync("/corrupt", src);
  auto files = user_->get_files(kColony, "/corrupt");
  ASSERT_TRUE(files && files->size() == 1u);
  write(blobs_->path_of(files->front().checksum), "garbage!");
  auto got = sync_->download(files->front(), root_ / "out" / "data.txt");
  ASSERT_FALSE(got);
  EXPECT_NE(got.error().message.find("corrupted"), std::string::npos) << got.error().message;
  EXPECT_FALSE(fs::exists(root_ / "out" / "data.txt"));
}

TEST_F(FilesIntegrationTest, LocalExecutorMountsInputsAndSyncsResultsBack) {
  // Inputs: a snapshot of /inputs.
  const fs::path inputs = root_ / "inputs";
  write(inputs / "numbers.txt", "3\n4\n");
  sync("/inputs", inputs);
  auto snapshot = user_->create_snapshot(kColony, "/inputs", "inputs-v1");
  ASSERT_TRUE(snapshot) << snapshot.error().message;

  // An executor with file storage under the same root.
  const std::string type = "fs-worker";
  const std::string executor_key = sodium().generate_private_key();
  RuntimeConfig rc;
  rc.server = server_->client_config();
  rc.colony_name = kColony;
  rc.executor_name = "fs-exec";
  rc.executor_type = type;
  rc.executor_prvkey = executor_key;
  rc.colony_prvkey = colony_key_;
  model::Hardware hw;
  hw.cpu = "2";
  hw.mem = "1Gi";
  rc.capabilities.hardware = {hw};
  rc.poll_timeout_s = 1;
  rc.spool_dir = root_ / "spool";
  local::LocalBackendConfig lc;
  lc.workdir = root_ / "work";
  auto stager_client = client::Client::connect(server_->client_config(), executor_key);
  ASSERT_TRUE(stager_client);
  lc.stager = std::make_shared<local::ColonyFsStager>(std::make_unique<client::Client>(std::move(*stager_client)),
                                                      root_ / "storage");
  auto backend = local::LocalBackend::create(lc);
  ASSERT_TRUE(backend) << backend.error().message;
  runtime_ = std::make_unique<Runtime>(rc, std::move(*backend));
  runner_ = std::thread([this] { (void)runtime_->run(); });

  model::FunctionSpec spec;
  spec.funcname = "sh";
  spec.conditions.colonyname = kColony;
  spec.conditions.executortype = type;
  spec.maxexectime = 60;
  auto fs_json = model::parse_json(fmt::format(
      R"({{"mount": "/cfs", "snapshots": [{{"snapshotid": "{}", "dir": "in"}}],
          "dirs": [{{"label": "/results/run1", "dir": "out", "onconflicts": {{"onclose": {{"keeplocal": true}}}}}}]}})",
      snapshot->snapshotid));
  ASSERT_TRUE(fs_json) << fs_json.error().message;
  spec.fs = *fs_json;
  spec.args = {"-c", "cd cfs && awk '{s+=$1} END {print s}' in/numbers.txt > out/sum.txt && cat out/sum.txt"};
  auto submitted = user_->submit(spec);
  ASSERT_TRUE(submitted) << submitted.error().message;

  model::Process done;
  auto until = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < until) {
    auto p = user_->get_process(submitted->processid);
    ASSERT_TRUE(p) << p.error().message;
    done = *p;
    if (model::is_final(done.state)) break;
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(done.state, model::ProcessState::Success)
      << (done.errors.empty() ? std::string("still ") + std::string(model::to_string(done.state)) : done.errors[0]);
  EXPECT_EQ(done.out, (boost::json::array{"7"}));

  // The result came back to its label.
  auto result = user_->get_file_revisions(kColony, "/results/run1", "sum.txt", true);
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->size(), 1u);
  ASSERT_TRUE(sync_->download(result->front(), root_ / "check" / "sum.txt"));
  EXPECT_EQ(read(root_ / "check" / "sum.txt"), "7\n");
}

}  // namespace
}  // namespace colonies::executors
