// The sync plan, a pure function: uploads (local only), downloads (remote only), conflicts
// (both, different) resolved by keeplocal, unchanged files, sub-directories as sub-labels, and
// paths that cannot become labels.
#include <gtest/gtest.h>

#include "client/file_sync.hpp"

namespace colonies::client {
namespace {

model::File remote(const std::string& label, const std::string& name, char content, std::int64_t seq = 1) {
  model::File f;
  f.fileid = std::string(63, '0') + std::to_string(seq % 10);
  f.label = label;
  f.name = name;
  f.checksum = std::string(64, content);
  f.size = 5;
  f.sequencenr = seq;
  f.ref = {"dir", "", f.checksum};
  return f;
}

LocalFile local(const std::string& path, char content) { return LocalFile{path, std::string(64, content), 3}; }

std::vector<std::string> paths(const std::vector<SyncItem>& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i.path);
  return out;
}

using V = std::vector<std::string>;

TEST(FileSyncPlanTest, UploadsLocalOnlyDownloadsRemoteOnlyAndSkipsEqualFiles) {
  auto plan = compute_sync_plan("/data", {local("a.txt", 'a'), local("same.txt", 's')},
                                {remote("/data", "b.txt", 'b'), remote("/data", "same.txt", 's')}, false);
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(paths(plan->upload), V{"a.txt"});
  EXPECT_EQ(plan->upload[0].label, "/data");
  EXPECT_EQ(paths(plan->download), V{"b.txt"});
  EXPECT_TRUE(plan->conflicts.empty());
  EXPECT_EQ(plan->unchanged, 1);
}

TEST(FileSyncPlanTest, SubDirectoriesAreSubLabels) {
  auto plan = compute_sync_plan("/data", {local("in/deep/x.csv", 'x')}, {remote("/data/out", "y.csv", 'y')}, false);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->upload.size(), 1u);
  EXPECT_EQ(plan->upload[0].label, "/data/in/deep");
  EXPECT_EQ(plan->upload[0].name, "x.csv");
  EXPECT_EQ(paths(plan->download), V{"out/y.csv"});
}

TEST(FileSyncPlanTest, ConflictsFollowTheKeeplocalRule) {
  auto keep_remote = compute_sync_plan("/d", {local("f", 'l')}, {remote("/d", "f", 'r')}, false);
  ASSERT_TRUE(keep_remote);
  ASSERT_EQ(keep_remote->conflicts.size(), 1u);
  EXPECT_FALSE(keep_remote->keeplocal);
  EXPECT_EQ(keep_remote->conflicts[0].local_checksum, std::string(64, 'l'));
  EXPECT_EQ(keep_remote->conflicts[0].remote_checksum, std::string(64, 'r'));
  EXPECT_TRUE(keep_remote->upload.empty() && keep_remote->download.empty());
  auto keep_local = compute_sync_plan("/d", {local("f", 'l')}, {remote("/d", "f", 'r')}, true);
  ASSERT_TRUE(keep_local);
  EXPECT_TRUE(keep_local->keeplocal);
  EXPECT_EQ(keep_local->conflicts.size(), 1u);
  auto lines = describe(*keep_local);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("keeping local"), std::string::npos) << lines[0];
}

TEST(FileSyncPlanTest, ComparesAgainstTheLatestRevision) {
  auto plan = compute_sync_plan("/d", {local("f", 'n')}, {remote("/d", "f", 'n', 2), remote("/d", "f", 'o', 1)}, false);
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->in_sync());
}

TEST(FileSyncPlanTest, IgnoresRemoteFilesOutsideTheLabel) {
  auto plan = compute_sync_plan("/d", {}, {remote("/dd", "f", 'x'), remote("/d/e", "g", 'y')}, false);
  ASSERT_TRUE(plan);
  EXPECT_EQ(paths(plan->download), V{"e/g"});
}

TEST(FileSyncPlanTest, RootLabelMapsTheWholeTree) {
  auto plan = compute_sync_plan("/", {local("top.txt", 't'), local("a/b.txt", 'b')}, {}, false);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->upload.size(), 2u);
  EXPECT_EQ(plan->upload[0].label, "/");
  EXPECT_EQ(plan->upload[1].label, "/a");
}

TEST(FileSyncPlanTest, RefusesPathsThatCannotBeLabelsAndBadLabels) {
  auto plan = compute_sync_plan("/d", {local("bad\nname", 'x')}, {}, false);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().code, ErrorCode::BadRequest);
  EXPECT_FALSE(compute_sync_plan("/a//b", {}, {}, false));
}

TEST(FileSyncPlanTest, RefusesRemoteFilesWhosePathsWouldClimbOut) {
  EXPECT_FALSE(compute_sync_plan("/d", {}, {remote("/d", "..", 'x')}, false));
  EXPECT_FALSE(compute_sync_plan("/d", {}, {remote("/d/../..", "x", 'x')}, false));
}

TEST(FileSyncPlanTest, MapsPathsAndLabelsBothWays) {
  auto ln = label_and_name("/r", "x/y/z.txt");
  ASSERT_TRUE(ln);
  EXPECT_EQ(ln->first, "/r/x/y");
  EXPECT_EQ(ln->second, "z.txt");
  EXPECT_EQ(path_under("/r", remote("/r/x/y", "z.txt", 'a')), "x/y/z.txt");
  EXPECT_EQ(path_under("/r", remote("/r", "z.txt", 'a')), "z.txt");
}

}  // namespace
}  // namespace colonies::client
