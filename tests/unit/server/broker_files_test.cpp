// Broker behaviours of the ColonyFS messages: revisions and sequence numbers, lookups by id or
// label+name, labels, input checks (checksums, credentials, names), snapshots (what they
// freeze, names unique per colony, also across a restart) and removals.
#include <algorithm>

#include "tests/unit/server/broker_fixture.hpp"

namespace colonies::server::api {
namespace {

using testing::describe;

class BrokerFilesTest : public BrokerTest {
 protected:
  static json::object file(const std::string& label, const std::string& name, char content = 'a') {
    const std::string sum(64, content);
    return {{"colonyname", "alpha"}, {"label", label}, {"name", name}, {"size", 3}, {"checksum", sum},
            {"ref", json::object{{"protocol", "dir"}, {"s3object", json::object{{"object", sum}}}}}};
  }
  ApiReply add(json::object f) { return h_.call(user_, msg::kAddFile, {{"file", std::move(f)}}); }
  json::object added(const std::string& label, const std::string& name, char content = 'a') {
    auto r = add(file(label, name, content));
    EXPECT_EQ(r.status, 200) << describe(r);
    return r.payload.is_object() ? r.payload.as_object() : json::object{};
  }
  ApiReply snapshot(const std::string& label, const std::string& name, BrokerHarness* h = nullptr) {
    return (h ? *h : h_).call(user_, msg::kCreateSnapshot, {{"colonyname", "alpha"}, {"label", label}, {"name", name}});
  }
  static std::size_t size_of(const ApiReply& r) { return r.payload.is_array() ? r.payload.as_array().size() : 0; }
};

TEST_F(BrokerFilesTest, EveryAddIsANewRevisionWithAHigherSequenceNumber) {
  auto first = added("/data", "x.txt", 'a');
  auto second = added("/data", "x.txt", 'b');
  EXPECT_NE(first.at("fileid"), second.at("fileid"));
  EXPECT_GT(second.at("sequencenr").as_int64(), first.at("sequencenr").as_int64());
  EXPECT_EQ(second.at("checksumalg"), "SHA256");

  auto all = h_.call(user_, msg::kGetFile, {{"colonyname", "alpha"}, {"label", "/data"}, {"name", "x.txt"}});
  ASSERT_EQ(all.status, 200) << describe(all);
  ASSERT_EQ(size_of(all), 2u);
  EXPECT_EQ(all.payload.as_array()[0].at("fileid"), second.at("fileid"));  // newest first
  auto latest = h_.call(user_, msg::kGetFile,
                        {{"colonyname", "alpha"}, {"label", "/data"}, {"name", "x.txt"}, {"latest", true}});
  ASSERT_EQ(size_of(latest), 1u);
  EXPECT_EQ(latest.payload.as_array()[0].at("fileid"), second.at("fileid"));
  auto by_id = h_.call(executor_, msg::kGetFile, {{"colonyname", "alpha"}, {"fileid", first.at("fileid")}});
  ASSERT_EQ(size_of(by_id), 1u);
  EXPECT_EQ(by_id.payload.as_array()[0].at("checksum"), json::value(std::string(64, 'a')));
}

TEST_F(BrokerFilesTest, LabelsAreNormalised) {
  auto f = added("data/in/", "x.txt");
  EXPECT_EQ(f.at("label"), "/data/in");
  auto files = h_.call(user_, msg::kGetFiles, {{"colonyname", "alpha"}, {"label", "/data/in"}});
  EXPECT_EQ(size_of(files), 1u) << describe(files);
}

TEST_F(BrokerFilesTest, RefusesBadFilesNamingTheProblem) {
  auto bad_sum = file("/d", "x");
  bad_sum["checksum"] = "ABC";
  auto r = add(bad_sum);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(describe(r).find("checksum"), std::string::npos) << describe(r);

  auto secret = file("/d", "x");
  secret["ref"].as_object()["s3object"].as_object()["secretkey"] = "hunter2";
  r = add(secret);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(describe(r).find("credentials"), std::string::npos) << describe(r);

  for (const char* name : {"a/b", "..", ""}) {
    r = add(file("/d", name));
    EXPECT_EQ(r.status, 400) << name << ": " << describe(r);
  }
  for (const char* label : {"/a//b", "/a/../b", ""}) {
    r = add(file(label, "x"));
    EXPECT_EQ(r.status, 400) << label << ": " << describe(r);
  }
  auto other_alg = file("/d", "x");
  other_alg["checksumalg"] = "MD5";
  EXPECT_EQ(add(other_alg).status, 400);
}

TEST_F(BrokerFilesTest, MissingFilesAreNotFound) {
  EXPECT_EQ(h_.call(user_, msg::kGetFile, {{"colonyname", "alpha"}, {"fileid", std::string(64, '0')}}).status, 404);
  EXPECT_EQ(h_.call(user_, msg::kGetFile, {{"colonyname", "alpha"}, {"label", "/x"}, {"name", "y"}}).status, 404);
  EXPECT_EQ(h_.call(user_, msg::kRemoveFile, {{"colonyname", "alpha"}, {"label", "/x"}, {"name", "y"}}).status, 404);
  EXPECT_EQ(h_.call(user_, msg::kGetFile, {{"colonyname", "alpha"}}).status, 400);
}

TEST_F(BrokerFilesTest, RemovesOneRevisionOrAllOfAName) {
  auto first = added("/d", "x", 'a');
  added("/d", "x", 'b');
  auto r = h_.call(user_, msg::kRemoveFile, {{"colonyname", "alpha"}, {"fileid", first.at("fileid")}});
  ASSERT_EQ(r.status, 200) << describe(r);
  EXPECT_EQ(r.payload.at("revisions"), 1);
  added("/d", "x", 'c');
  r = h_.call(user_, msg::kRemoveFile, {{"colonyname", "alpha"}, {"label", "/d"}, {"name", "x"}});
  ASSERT_EQ(r.status, 200) << describe(r);
  EXPECT_EQ(r.payload.at("revisions"), 2);
  EXPECT_EQ(h_.call(user_, msg::kGetFile, {{"colonyname", "alpha"}, {"label", "/d"}, {"name", "x"}}).status, 404);
}

TEST_F(BrokerFilesTest, ListsLabelsExactlyOrWithSubLabels) {
  added("/a", "1");
  added("/a", "2");
  added("/a/b", "3");
  added("/ab", "4");
  auto all = h_.call(user_, msg::kGetFileLabels, {{"colonyname", "alpha"}});
  EXPECT_EQ(size_of(all), 3u) << describe(all);
  auto prefix = h_.call(user_, msg::kGetFileLabels, {{"colonyname", "alpha"}, {"name", "/a"}});
  ASSERT_EQ(size_of(prefix), 2u) << describe(prefix);
  EXPECT_EQ(prefix.payload.as_array()[0].at("files"), 2);
  auto exact = h_.call(user_, msg::kGetFileLabels, {{"colonyname", "alpha"}, {"name", "/a"}, {"exact", true}});
  EXPECT_EQ(size_of(exact), 1u) << describe(exact);
}

TEST_F(BrokerFilesTest, SnapshotFreezesTheLatestRevisionUnderALabelAndItsSubLabels) {
  added("/run", "in.txt", 'a');
  auto newest = added("/run", "in.txt", 'b');
  auto deep = added("/run/sub", "deep.txt", 'c');
  added("/runs", "not-below.txt", 'd');
  auto r = snapshot("/run", "v1");
  ASSERT_EQ(r.status, 200) << describe(r);
  const auto& ids = r.payload.at("fileids").as_array();
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0], newest.at("fileid"));
  EXPECT_EQ(ids[1], deep.at("fileid"));
  EXPECT_EQ(r.payload.at("files").as_array().size(), 2u);

  // Later revisions do not change it.
  added("/run", "in.txt", 'e');
  auto got = h_.call(executor_, msg::kGetSnapshot, {{"colonyname", "alpha"}, {"name", "v1"}});
  ASSERT_EQ(got.status, 200) << describe(got);
  EXPECT_EQ(got.payload.at("fileids").as_array()[0], newest.at("fileid"));
}

TEST_F(BrokerFilesTest, SnapshotOfAnEmptyLabelIsNotFound) {
  EXPECT_EQ(snapshot("/nothing", "s").status, 404);
}

TEST_F(BrokerFilesTest, SnapshotNamesAreUniquePerColonyAlsoAfterARestart) {
  added("/d", "x");
  ASSERT_EQ(snapshot("/d", "s").status, 200);
  EXPECT_EQ(snapshot("/d", "s").status, 409);

  auto restarted = h_.restart();
  EXPECT_EQ(snapshot("/d", "s", restarted.get()).status, 409);
  // Sequence numbers continue after the restart.
  auto r = restarted->call(user_, msg::kAddFile, {{"file", file("/d", "x", 'e')}});
  ASSERT_EQ(r.status, 200) << describe(r);
  EXPECT_EQ(r.payload.at("sequencenr"), 2);

  // Another colony may use the same name.
  auto beta = restarted->add_colony("beta");
  auto beta_user = restarted->add_user(beta, "u");
  auto f = file("/d", "x");
  f["colonyname"] = "beta";
  ASSERT_EQ(restarted->call(beta_user, msg::kAddFile, {{"file", f}}).status, 200);
  auto other = restarted->call(beta_user, msg::kCreateSnapshot, {{"colonyname", "beta"}, {"label", "/d"}, {"name", "s"}});
  EXPECT_EQ(other.status, 200) << describe(other);
}

TEST_F(BrokerFilesTest, TwoCreatesOfTheSameNameInFlightYieldOneSnapshot) {
  added("/d", "x");
  json::object payload{{"colonyname", "alpha"}, {"label", "/d"}, {"name", "race"}};
  auto first = h_.send(user_, msg::kCreateSnapshot, payload);
  auto second = h_.send(executor_, msg::kCreateSnapshot, payload);
  std::vector<int> statuses{first.get().status, second.get().status};
  std::sort(statuses.begin(), statuses.end());
  EXPECT_EQ(statuses, (std::vector<int>{200, 409}));
  EXPECT_EQ(size_of(h_.call(user_, msg::kGetSnapshots, {{"colonyname", "alpha"}})), 1u);
}

TEST_F(BrokerFilesTest, RemovesSnapshotsByIdByNameOrAll) {
  added("/d", "x");
  auto s1 = snapshot("/d", "one");
  ASSERT_EQ(s1.status, 200);
  ASSERT_EQ(snapshot("/d", "two").status, 200);
  ASSERT_EQ(snapshot("/d", "three").status, 200);
  EXPECT_EQ(h_.call(user_, msg::kRemoveSnapshot, {{"colonyname", "alpha"}, {"snapshotid", s1.payload.at("snapshotid")}}).status, 200);
  EXPECT_EQ(h_.call(user_, msg::kRemoveSnapshot, {{"colonyname", "alpha"}, {"name", "two"}}).status, 200);
  EXPECT_EQ(h_.call(user_, msg::kRemoveSnapshot, {{"colonyname", "alpha"}, {"name", "two"}}).status, 404);
  EXPECT_EQ(size_of(h_.call(user_, msg::kGetSnapshots, {{"colonyname", "alpha"}})), 1u);
  auto all = h_.call(user_, msg::kRemoveAllSnapshots, {{"colonyname", "alpha"}});
  ASSERT_EQ(all.status, 200) << describe(all);
  EXPECT_EQ(all.payload.at("removed"), 1);
  EXPECT_EQ(size_of(h_.call(user_, msg::kGetSnapshots, {{"colonyname", "alpha"}})), 0u);
  EXPECT_EQ(snapshot("/d", "one").status, 200);  // the name is free again
}

TEST_F(BrokerFilesTest, RemovingAColonyForgetsItsSnapshotNames) {
  added("/d", "x");
  ASSERT_EQ(snapshot("/d", "s").status, 200);
  ASSERT_EQ(h_.call(h_.server_owner(), msg::kRemoveColony, {{"colonyname", "alpha"}}).status, 200);
  auto again = h_.add_colony("alpha");
  auto u = h_.add_user(again, "user2");
  auto f = file("/d", "x");
  ASSERT_EQ(h_.call(u, msg::kAddFile, {{"file", f}}).status, 200);
  EXPECT_EQ(h_.call(u, msg::kCreateSnapshot, {{"colonyname", "alpha"}, {"label", "/d"}, {"name", "s"}}).status, 200);
}

}  // namespace
}  // namespace colonies::server::api
