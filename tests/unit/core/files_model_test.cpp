// ColonyFS model: JSON codecs under the spec's names, refusal of credentials in refs, the label
// and file-name rules, and the FunctionSpec `fs` section as executors read it.
#include <gtest/gtest.h>

#include "core/model/files.hpp"

namespace colonies::model {
namespace {

File sample_file() {
  File f;
  f.fileid = std::string(64, '1');
  f.colonyname = "alpha";
  f.label = "/data/in";
  f.name = "x.csv";
  f.size = 42;
  f.sequencenr = 7;
  f.checksum = std::string(64, 'a');
  f.ref = FileRef{"dir", "", f.checksum};
  f.added = 1'700'000'000'123'456'789;
  return f;
}

TEST(FilesModelTest, FileRoundTripsUnderTheSpecNames) {
  File f = sample_file();
  json::object o = to_json(f);
  for (const char* key : {"fileid", "colonyname", "label", "name", "size", "sequencenr", "checksum", "checksumalg", "ref", "added"}) {
    EXPECT_TRUE(o.contains(key)) << key;
  }
  EXPECT_EQ(o.at("ref").at("protocol"), "dir");
  EXPECT_EQ(o.at("ref").at("s3object").at("object"), json::value(f.checksum));
  auto back = file_from_json(o);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(json::serialize(to_json(*back)), json::serialize(o));
}

TEST(FilesModelTest, SnapshotAndLabelRoundTrip) {
  Snapshot s{std::string(64, '2'), "alpha", "/data", "v1", {std::string(64, '1')}, {sample_file()}, 5};
  auto back = snapshot_from_json(to_json(s));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(json::serialize(to_json(*back)), json::serialize(to_json(s)));
  auto label = label_from_json(to_json(Label{"/data", 3}));
  ASSERT_TRUE(label);
  EXPECT_EQ(label->files, 3);
}

TEST(FilesModelTest, RefusesCredentialsInARef) {
  json::object o = to_json(sample_file());
  o["ref"].as_object()["s3object"].as_object()["accesskey"] = "AKIA";
  auto f = file_from_json(o);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, ErrorCode::BadRequest);
  EXPECT_NE(f.error().message.find("file.ref.s3object.accesskey"), std::string::npos) << f.error().message;
  // Empty credential fields (as the original's clients send them) are fine.
  o["ref"].as_object()["s3object"].as_object()["accesskey"] = "";
  EXPECT_TRUE(file_from_json(o));
}

TEST(FilesModelTest, NormalisesLabels) {
  const std::pair<const char*, const char*> cases[] = {
      {"/a/b", "/a/b"}, {"a/b", "/a/b"}, {"/a/b/", "/a/b"}, {"/", "/"}, {"a", "/a"}, {"/a b/c.d", "/a b/c.d"}};
  for (auto [in, out] : cases) {
    auto n = normalize_label(in);
    ASSERT_TRUE(n) << in << ": " << n.error().message;
    EXPECT_EQ(*n, out) << in;
  }
  for (const char* bad : {"", "/a//b", "/a/./b", "/a/..", "..", "/a\n"}) {
    auto n = normalize_label(bad);
    EXPECT_FALSE(n) << "'" << bad << "' was accepted as " << (n ? *n : "");
  }
  EXPECT_FALSE(normalize_label(std::string(1025, 'a')));
}

TEST(FilesModelTest, SubLabelsAreWholeSegments) {
  EXPECT_TRUE(label_within("/a", "/a"));
  EXPECT_TRUE(label_within("/a/b/c", "/a"));
  EXPECT_FALSE(label_within("/ab", "/a"));
  EXPECT_FALSE(label_within("/a", "/a/b"));
  EXPECT_TRUE(label_within("/anything", "/"));
  EXPECT_EQ(label_relative("/a/b/c", "/a"), "b/c");
  EXPECT_EQ(label_relative("/a", "/a"), "");
  EXPECT_EQ(label_relative("/x/y", "/"), "x/y");
}

TEST(FilesModelTest, FileNamesArePlainNames) {
  EXPECT_TRUE(valid_file_name("data.csv"));
  EXPECT_TRUE(valid_file_name(".hidden"));
  for (const char* bad : {"", ".", "..", "a/b", "tab\there"}) EXPECT_FALSE(valid_file_name(bad)) << bad;
  EXPECT_FALSE(valid_file_name(std::string(256, 'x')));
}

TEST(FilesModelTest, ReadsTheFunctionSpecFsSection) {
  auto v = parse_json(R"({"mount": "job", "snapshots": [{"snapshotid": "s1", "dir": "in"}],
    "dirs": [{"label": "results/run1/", "dir": "out", "keepfiles": true,
              "onconflicts": {"onstart": {"keeplocal": true}, "onclose": {"keeplocal": false}}}]})");
  ASSERT_TRUE(v);
  auto fs = filesystem_from_json(*v);
  ASSERT_TRUE(fs) << fs.error().message;
  EXPECT_EQ(fs->mount, "job");
  ASSERT_EQ(fs->snapshots.size(), 1u);
  EXPECT_TRUE(fs->snapshots[0].keepsnapshot);  // absent: kept (the safe default)
  ASSERT_EQ(fs->dirs.size(), 1u);
  EXPECT_EQ(fs->dirs[0].label, "/results/run1");
  EXPECT_TRUE(fs->dirs[0].keepfiles);
  EXPECT_TRUE(fs->dirs[0].onstart_keeplocal);
  EXPECT_FALSE(fs->dirs[0].onclose_keeplocal);
  auto back = filesystem_from_json(to_json(*fs));
  ASSERT_TRUE(back);
  EXPECT_EQ(json::serialize(to_json(*back)), json::serialize(to_json(*fs)));
}

TEST(FilesModelTest, EmptyOrMissingFsIsEmpty) {
  auto none = filesystem_from_json(json::value(nullptr));
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  auto bad = parse_json(R"({"snapshots": [{"dir": "in"}]})");
  ASSERT_TRUE(bad);
  auto fs = filesystem_from_json(*bad);
  ASSERT_FALSE(fs);
  EXPECT_NE(fs.error().message.find("spec.fs.snapshots[0].snapshotid"), std::string::npos) << fs.error().message;
}

}  // namespace
}  // namespace colonies::model
