// The Store conformance suite for channels: appended entries come back in position order after a
// position, with every field (binary payloads too); channel heads of active processes are in the
// snapshot; entries go with their process. Run against every Store implementation.
#include <gtest/gtest.h>

#include "tests/unit/adapters/storage/store_test_fixture.hpp"

namespace colonies::storage::test {
namespace {

namespace m = ports::mutation;
using model::ProcessState;

model::ChannelEntry entry(const std::string& process, const std::string& name, std::int64_t position,
                          std::int64_t sequence, const std::string& sender = "sender-a") {
  model::ChannelEntry e;
  e.processid = process;
  e.name = name;
  e.position = position;
  e.sequence = sequence;
  e.senderid = sender;
  e.timestamp = kT0 + position;
  e.payload = std::string("bytes\0\xff", 7) + std::to_string(position);
  return e;
}

class StoreChannelTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    // Standalone processes (no workflow), so RemoveProcesses may remove them.
    auto standalone = [](const std::string& colony, const std::string& id, ProcessState state) {
      auto p = make_process(colony, id, state);
      p.processgraphid.clear();
      return p;
    };
    apply({m::PutProcess{standalone("c1", "p1", ProcessState::Running)},
           m::PutProcess{standalone("c1", "p2", ProcessState::Success)},
           m::PutProcess{standalone("c2", "p3", ProcessState::Waiting)}});
    apply({m::AppendChannelEntry{entry("p1", "chat", 1, 1, "a")}, m::AppendChannelEntry{entry("p1", "chat", 2, 1, "b")},
           m::AppendChannelEntry{entry("p1", "chat", 3, 7, "a")}, m::AppendChannelEntry{entry("p1", "other", 1, 1, "a")},
           m::AppendChannelEntry{entry("p2", "chat", 1, 1, "a")}, m::AppendChannelEntry{entry("p3", "chat", 1, 1, "a")}});
  }
  std::vector<std::int64_t> positions(const std::string& process, const std::string& name, std::int64_t after = 0,
                                      int limit = 100) {
    auto entries = store().list_channel_entries({process, name, after, limit});
    EXPECT_TRUE(entries) << entries.error().message;
    std::vector<std::int64_t> out;
    if (entries) for (const auto& e : *entries) out.push_back(e.position);
    return out;
  }
  using V = std::vector<std::int64_t>;
};

TEST_P(StoreChannelTest, ListsEntriesAfterAPositionInOrder) {
  EXPECT_EQ(positions("p1", "chat"), (V{1, 2, 3}));
  EXPECT_EQ(positions("p1", "chat", 1), (V{2, 3}));
  EXPECT_EQ(positions("p1", "chat", 3), V{});
  EXPECT_EQ(positions("p1", "chat", 0, 2), (V{1, 2}));
  EXPECT_EQ(positions("p1", "other"), (V{1}));
  EXPECT_EQ(positions("p1", "missing"), V{});
}

TEST_P(StoreChannelTest, RoundTripsEveryFieldIncludingBinaryPayloads) {
  auto entries = store().list_channel_entries({"p1", "chat", 2, 1});
  ASSERT_TRUE(entries);
  ASSERT_EQ(entries->size(), 1u);
  auto expected = entry("p1", "chat", 3, 7, "a");
  EXPECT_EQ(model::to_json((*entries)[0]), model::to_json(expected));
  EXPECT_EQ((*entries)[0].payload, expected.payload);
}

TEST_P(StoreChannelTest, SnapshotHoldsHeadsOfActiveProcessesOnly) {
  auto snapshot = store().load();
  ASSERT_TRUE(snapshot);
  std::map<std::pair<std::string, std::string>, ports::ChannelHead> heads;
  for (const auto& h : snapshot->channel_heads) heads[{h.processid, h.name}] = h;
  ASSERT_EQ(heads.size(), 3u);  // p1/chat, p1/other, p3/chat; not p2 (finished)
  const auto& chat = heads.at({"p1", "chat"});
  EXPECT_EQ(chat.last_position, 3);
  EXPECT_EQ(chat.entries, 3);
  EXPECT_EQ(chat.last_sequence, (std::map<std::string, std::int64_t>{{"a", 7}, {"b", 1}}));
  EXPECT_TRUE(heads.contains({"p3", "chat"}));
}

TEST_P(StoreChannelTest, EntriesGoWithTheirProcess) {
  apply({m::RemoveProcess{"p1"}});
  EXPECT_EQ(positions("p1", "chat"), V{});
  EXPECT_EQ(positions("p2", "chat"), (V{1}));
  apply({m::RemoveProcesses{"c1", ProcessState::Success}});
  EXPECT_EQ(positions("p2", "chat"), V{});
  apply({m::RemoveColony{"c2"}});
  EXPECT_EQ(positions("p3", "chat"), V{});
}

TEST_P(StoreChannelTest, SurvivesAReopen) {
  if (!persistent()) GTEST_SKIP() << "only a database outlives its store object";
  reopen();
  EXPECT_EQ(positions("p1", "chat"), (V{1, 2, 3}));
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreChannelTest, ::testing::ValuesIn(store_kinds()),
                         store_kind_name);

}  // namespace
}  // namespace colonies::storage::test
