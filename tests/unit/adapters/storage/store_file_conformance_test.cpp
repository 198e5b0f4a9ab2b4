// The Store conformance suite for ColonyFS metadata: file revisions (sequence numbers, latest,
// newest first), label listings (exact, sub-labels without matching "/ab" under "/a"),
// snapshots (per-colony names, removal), the RemoveColony cascade and what load() reports.
#include <gtest/gtest.h>

#include "tests/unit/adapters/storage/store_test_fixture.hpp"

namespace colonies::storage::test {
namespace {

namespace m = ports::mutation;

model::File make_file(const std::string& colony, const std::string& label, const std::string& name,
                      std::int64_t seq, char content = 'a') {
  model::File f;
  f.fileid = hex_id(static_cast<int>(5000 + seq));
  f.colonyname = colony;
  f.label = label;
  f.name = name;
  f.size = 10 + seq;
  f.sequencenr = seq;
  f.checksum = std::string(64, content);
  f.ref = model::FileRef{"dir", "", f.checksum};
  f.added = kT0 + seq;
  return f;
}

class StoreFileTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    apply({m::AddFile{make_file("c1", "/a", "x.txt", 1, 'a')}, m::AddFile{make_file("c1", "/a", "x.txt", 2, 'b')},
           m::AddFile{make_file("c1", "/a", "y.txt", 3)}, m::AddFile{make_file("c1", "/a/sub", "z.txt", 4)},
           m::AddFile{make_file("c1", "/ab", "w.txt", 5)}, m::AddFile{make_file("c2", "/a", "x.txt", 6)}});
  }

  std::vector<std::string> files(ports::FileQuery q) {
    auto listed = store().list_files(q);
    EXPECT_TRUE(listed) << listed.error().message;
    std::vector<std::string> out;
    if (listed) {
      for (const auto& f : *listed) out.push_back(fmt::format("{}/{}#{}", f.label, f.name, f.sequencenr));
    }
    return out;
  }

  std::vector<std::string> labels(const std::string& colony, const std::string& label, bool exact) {
    auto listed = store().list_labels(colony, label, exact);
    EXPECT_TRUE(listed) << listed.error().message;
    std::vector<std::string> out;
    if (listed) {
      for (const auto& l : *listed) out.push_back(fmt::format("{}:{}", l.name, l.files));
    }
    return out;
  }

  model::Snapshot make_snapshot(const std::string& colony, const std::string& name, int id, model::TimeNs added) {
    model::Snapshot s{hex_id(9000 + id), colony, "/a", name, {}, {make_file(colony, "/a", "x.txt", 2, 'b')}, added};
    s.fileids.push_back(s.files[0].fileid);
    return s;
  }
  using V = std::vector<std::string>;
};

TEST_P(StoreFileTest, RoundTripsEveryFileField) {
  auto f = store().get_file("c1", hex_id(5002));
  ASSERT_TRUE(f && *f);
  EXPECT_EQ(as_json(**f), as_json(make_file("c1", "/a", "x.txt", 2, 'b')));
}

TEST_P(StoreFileTest, FileOfAnotherColonyIsNotFound) {
  auto f = store().get_file("c2", hex_id(5002));
  ASSERT_TRUE(f);
  EXPECT_FALSE(*f);
}

TEST_P(StoreFileTest, RevisionsComeNewestFirst) {
  auto r = store().get_file_revisions("c1", "/a", "x.txt");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].sequencenr, 2);
  EXPECT_EQ((*r)[1].sequencenr, 1);
}

TEST_P(StoreFileTest, ListsTheLatestRevisionOfEachNameOfALabel) {
  EXPECT_EQ(files({.colonyname = "c1", .label = "/a"}), (V{"/a/x.txt#2", "/a/y.txt#3"}));
}

TEST_P(StoreFileTest, RecursiveListingIncludesSubLabelsButNotSiblingsWithTheSamePrefix) {
  EXPECT_EQ(files({.colonyname = "c1", .label = "/a", .recursive = true}), (V{"/a/x.txt#2", "/a/y.txt#3", "/a/sub/z.txt#4"}));
  EXPECT_EQ(files({.colonyname = "c1", .label = "/", .recursive = true}).size(), 4u);
}

TEST_P(StoreFileTest, ListsEveryRevisionWhenAsked) {
  EXPECT_EQ(files({.colonyname = "c1", .label = "/a", .all_revisions = true}), (V{"/a/x.txt#2", "/a/x.txt#1", "/a/y.txt#3"}));
}

TEST_P(StoreFileTest, ListsLabelsWithTheirFileCounts) {
  EXPECT_EQ(labels("c1", "", false), (V{"/a:2", "/a/sub:1", "/ab:1"}));
  EXPECT_EQ(labels("c1", "/a", true), (V{"/a:2"}));
  EXPECT_EQ(labels("c1", "/a", false), (V{"/a:2", "/a/sub:1"}));
  EXPECT_EQ(labels("c2", "", false), (V{"/a:1"}));
  EXPECT_TRUE(labels("c3", "", false).empty());
}

TEST_P(StoreFileTest, RemovesOneRevisionOrAllRevisionsOfAName) {
  apply({m::RemoveFile{"c1", hex_id(5002)}});
  EXPECT_EQ(files({.colonyname = "c1", .label = "/a"}), (V{"/a/x.txt#1", "/a/y.txt#3"}));
  apply({m::RemoveFileRevisions{"c1", "/a", "x.txt"}});
  EXPECT_EQ(files({.colonyname = "c1", .label = "/a"}), (V{"/a/y.txt#3"}));
  EXPECT_EQ(files({.colonyname = "c2", .label = "/a"}), (V{"/a/x.txt#6"}));  // other colony untouched
}

TEST_P(StoreFileTest, RemoveFileOfAnotherColonyRemovesNothing) {
  apply({m::RemoveFile{"c2", hex_id(5002)}});
  auto f = store().get_file("c1", hex_id(5002));
  ASSERT_TRUE(f && *f);
}

TEST_P(StoreFileTest, SnapshotsRoundTripAndAreFoundByIdOrNameWithinTheirColony) {
  auto s = make_snapshot("c1", "snap", 1, kT0);
  apply({m::PutSnapshot{s}});
  auto by_id = store().get_snapshot("c1", s.snapshotid);
  ASSERT_TRUE(by_id && *by_id);
  EXPECT_EQ(as_json(**by_id), as_json(s));
  auto by_name = store().get_snapshot_by_name("c1", "snap");
  ASSERT_TRUE(by_name && *by_name);
  EXPECT_EQ((*by_name)->snapshotid, s.snapshotid);
  auto elsewhere = store().get_snapshot("c2", s.snapshotid);
  ASSERT_TRUE(elsewhere);
  EXPECT_FALSE(*elsewhere);
}

TEST_P(StoreFileTest, SnapshotNamesAreUniquePerColonyNotGlobally) {
  apply({m::PutSnapshot{make_snapshot("c1", "same", 1, kT0)}, m::PutSnapshot{make_snapshot("c2", "same", 2, kT0)}});
  auto c1 = store().list_snapshots("c1");
  auto c2 = store().list_snapshots("c2");
  ASSERT_TRUE(c1 && c2);
  EXPECT_EQ(c1->size(), 1u);
  EXPECT_EQ(c2->size(), 1u);
}

TEST_P(StoreFileTest, SnapshotKeepsItsFilesAfterTheyAreRemoved) {
  auto s = make_snapshot("c1", "snap", 1, kT0);
  apply({m::PutSnapshot{s}, m::RemoveFileRevisions{"c1", "/a", "x.txt"}});
  auto got = store().get_snapshot("c1", s.snapshotid);
  ASSERT_TRUE(got && *got);
  ASSERT_EQ((*got)->files.size(), 1u);
  EXPECT_EQ((*got)->files[0].checksum, std::string(64, 'b'));
}

TEST_P(StoreFileTest, ListsSnapshotsOldestFirstAndRemovesThem) {
  auto s1 = make_snapshot("c1", "one", 1, kT0 + 2);
  auto s2 = make_snapshot("c1", "two", 2, kT0 + 1);
  apply({m::PutSnapshot{s1}, m::PutSnapshot{s2}, m::PutSnapshot{make_snapshot("c2", "other", 3, kT0)}});
  auto listed = store().list_snapshots("c1");
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].name, "two");
  apply({m::RemoveSnapshot{"c1", s2.snapshotid}});
  listed = store().list_snapshots("c1");
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].name, "one");
  apply({m::RemoveSnapshots{"c1"}});
  listed = store().list_snapshots("c1");
  ASSERT_TRUE(listed);
  EXPECT_TRUE(listed->empty());
  auto other = store().list_snapshots("c2");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->size(), 1u);
}

TEST_P(StoreFileTest, LoadReportsTheLastSequenceNumberAndSnapshotNames) {
  apply({m::PutSnapshot{make_snapshot("c1", "snap", 1, kT0)}});
  auto s = load();
  EXPECT_EQ(s.last_file_sequencenr, 6);
  ASSERT_EQ(s.snapshots.size(), 1u);
  EXPECT_EQ(s.snapshots[0].colonyname, "c1");
  EXPECT_EQ(s.snapshots[0].name, "snap");
  EXPECT_EQ(s.snapshots[0].snapshotid, hex_id(9001));
}

TEST_P(StoreFileTest, RemoveColonyCascadesToFilesAndSnapshots) {
  apply({m::PutColony{make_colony("c1")}, m::PutSnapshot{make_snapshot("c1", "snap", 1, kT0)}});
  apply({m::RemoveColony{"c1"}});
  EXPECT_TRUE(files({.colonyname = "c1", .label = "/", .recursive = true}).empty());
  EXPECT_TRUE(labels("c1", "", false).empty());
  auto snaps = store().list_snapshots("c1");
  ASSERT_TRUE(snaps);
  EXPECT_TRUE(snaps->empty());
  EXPECT_EQ(files({.colonyname = "c2", .label = "/a"}), (V{"/a/x.txt#6"}));
}

TEST_P(StoreFileTest, RefusesFileMutationsWithoutKeys) {
  model::File no_label = make_file("c1", "", "n", 7);
  for (const ports::Mutation& bad : std::vector<ports::Mutation>{
           m::AddFile{no_label}, m::RemoveFile{"", hex_id(1)}, m::RemoveFileRevisions{"c1", "/a", ""},
           m::PutSnapshot{model::Snapshot{}}, m::RemoveSnapshot{"c1", ""}, m::RemoveSnapshots{""}}) {
    auto applied = store().apply(std::vector<ports::Mutation>{bad});
    ASSERT_FALSE(applied);
    EXPECT_EQ(applied.error().code, ErrorCode::BadRequest);
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreFileTest, ::testing::ValuesIn(store_kinds()), store_kind_name);

}  // namespace
}  // namespace colonies::storage::test
