// The Store conformance suite for crons, generators and generator args, run against every Store
// implementation. See store_conformance_test.cpp for the rest of the port.
#include <gtest/gtest.h>

#include "tests/unit/adapters/storage/store_test_fixture.hpp"

namespace colonies::storage::test {
namespace {

namespace m = ports::mutation;

model::Cron make_cron(const std::string& colony, const std::string& id) {
  return {.cronid = id,
          .initiatorid = hex_id(2000),
          .initiatorname = "alice",
          .colonyname = colony,
          .name = "nightly-" + id,
          .cronexpression = "0 0 3 * * *",
          .interval = -1,
          .random = false,
          .nextrun = kT0 + 1,
          .lastrun = kT0,
          .workflowspec = R"({"colonyname":")" + colony + R"(","functionspecs":[]})",
          .prevprocessgraphid = hex_id(5000),
          .waitforprevprocessgraph = true,
          .checkerperiod = 0};
}

model::Generator make_generator(const std::string& colony, const std::string& id) {
  return {.generatorid = id,
          .initiatorid = hex_id(2000),
          .initiatorname = "alice",
          .colonyname = colony,
          .name = "batcher-" + id,
          .workflowspec = R"({"colonyname":")" + colony + R"(","functionspecs":[]})",
          .trigger = 10,
          .timeout = 60,
          .firstpack = kT0 + 2,
          .lastrun = kT0 + 3,
          .queuesize = 0,
          .checkerperiod = 0};
}

model::GeneratorArg make_arg(const std::string& colony, const std::string& generatorid, std::int64_t seq) {
  return {.seq = seq, .generatorid = generatorid, .colonyname = colony, .arg = "arg-" + std::to_string(seq),
          .packed = kT0 + seq};
}

std::vector<std::int64_t> seqs_of(const ports::Snapshot& s, const std::string& generatorid) {
  std::vector<std::int64_t> out;
  for (const auto& a : s.generator_args) {
    if (a.generatorid == generatorid) out.push_back(a.seq);
  }
  return out;
}

class StoreTriggerTest : public StoreTest {};

TEST_P(StoreTriggerTest, RoundTripsEveryFieldOfCronsGeneratorsAndArgs) {
  auto cron = make_cron("c1", hex_id(1));
  auto generator = make_generator("c1", hex_id(2));
  auto arg = make_arg("c1", hex_id(2), 7);
  apply({m::PutCron{cron}, m::PutGenerator{generator}, m::AppendGeneratorArg{arg}});
  auto s = load();
  ASSERT_EQ(s.crons.size(), 1u);
  EXPECT_EQ(as_json(s.crons[0]), as_json(cron));
  ASSERT_EQ(s.generators.size(), 1u);
  EXPECT_EQ(as_json(s.generators[0]), as_json(generator));
  ASSERT_EQ(s.generator_args.size(), 1u);
  EXPECT_EQ(as_json(s.generator_args[0]), as_json(arg));
}

TEST_P(StoreTriggerTest, PutReplacesCronsAndGeneratorsById) {
  auto cron = make_cron("c1", hex_id(1));
  auto generator = make_generator("c1", hex_id(2));
  apply({m::PutCron{cron}, m::PutGenerator{generator}});
  cron.lastrun = kT0 + 100;
  cron.prevprocessgraphid = hex_id(6000);
  generator.lastrun = kT0 + 200;
  apply({m::PutCron{cron}, m::PutGenerator{generator}});
  auto s = load();
  ASSERT_EQ(s.crons.size(), 1u);
  EXPECT_EQ(as_json(s.crons[0]), as_json(cron));
  ASSERT_EQ(s.generators.size(), 1u);
  EXPECT_EQ(as_json(s.generators[0]), as_json(generator));
}

TEST_P(StoreTriggerTest, LoadsGeneratorArgsInPackOrderPerGenerator) {
  apply({m::AppendGeneratorArg{make_arg("c1", hex_id(2), 3)}, m::AppendGeneratorArg{make_arg("c1", hex_id(1), 2)},
         m::AppendGeneratorArg{make_arg("c1", hex_id(2), 1)}, m::AppendGeneratorArg{make_arg("c1", hex_id(2), 2)}});
  auto s = load();
  EXPECT_EQ(seqs_of(s, hex_id(2)), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(seqs_of(s, hex_id(1)), (std::vector<std::int64_t>{2}));
}

TEST_P(StoreTriggerTest, ConsumeRemovesOnlyThePrefixOfOneGenerator) {
  for (std::int64_t seq = 1; seq <= 5; ++seq) {
    apply({m::AppendGeneratorArg{make_arg("c1", hex_id(2), seq)}, m::AppendGeneratorArg{make_arg("c1", hex_id(3), seq)}});
  }
  apply({m::ConsumeGeneratorArgs{hex_id(2), 3}});
  auto s = load();
  EXPECT_EQ(seqs_of(s, hex_id(2)), (std::vector<std::int64_t>{4, 5}));
  EXPECT_EQ(seqs_of(s, hex_id(3)), (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
}

TEST_P(StoreTriggerTest, RemoveGeneratorRemovesItsQueuedArgs) {
  apply({m::PutGenerator{make_generator("c1", hex_id(2))}, m::PutGenerator{make_generator("c1", hex_id(3))},
         m::AppendGeneratorArg{make_arg("c1", hex_id(2), 1)}, m::AppendGeneratorArg{make_arg("c1", hex_id(3), 1)}});
  apply({m::RemoveGenerator{hex_id(2)}, m::RemoveCron{hex_id(99)}});
  auto s = load();
  ASSERT_EQ(s.generators.size(), 1u);
  EXPECT_EQ(s.generators[0].generatorid, hex_id(3));
  EXPECT_TRUE(seqs_of(s, hex_id(2)).empty());
  EXPECT_EQ(seqs_of(s, hex_id(3)), (std::vector<std::int64_t>{1}));
}

TEST_P(StoreTriggerTest, RemoveColonyRemovesItsCronsGeneratorsAndArgs) {
  apply({m::PutCron{make_cron("doomed", hex_id(1))}, m::PutCron{make_cron("kept", hex_id(2))},
         m::PutGenerator{make_generator("doomed", hex_id(3))}, m::PutGenerator{make_generator("kept", hex_id(4))},
         m::AppendGeneratorArg{make_arg("doomed", hex_id(3), 1)}, m::AppendGeneratorArg{make_arg("kept", hex_id(4), 1)}});
  apply({m::RemoveColony{"doomed"}});
  auto s = load();
  ASSERT_EQ(s.crons.size(), 1u);
  EXPECT_EQ(s.crons[0].colonyname, "kept");
  ASSERT_EQ(s.generators.size(), 1u);
  EXPECT_EQ(s.generators[0].colonyname, "kept");
  ASSERT_EQ(s.generator_args.size(), 1u);
  EXPECT_EQ(s.generator_args[0].colonyname, "kept");
}

TEST_P(StoreTriggerTest, RejectsTriggerMutationsWithEmptyKeys) {
  for (const ports::Mutation& bad : std::vector<ports::Mutation>{
           m::PutCron{make_cron("c1", "")}, m::PutCron{make_cron("", hex_id(1))}, m::RemoveCron{""},
           m::PutGenerator{make_generator("c1", "")}, m::RemoveGenerator{""},
           m::AppendGeneratorArg{make_arg("c1", "", 1)}, m::ConsumeGeneratorArgs{"", 1}}) {
    auto applied = store().apply(std::span<const ports::Mutation>(&bad, 1));
    ASSERT_FALSE(applied);
    EXPECT_EQ(applied.error().code, ErrorCode::BadRequest);
  }
  auto s = load();
  EXPECT_TRUE(s.crons.empty());
  EXPECT_TRUE(s.generators.empty());
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreTriggerTest, ::testing::ValuesIn(store_kinds()),
                         store_kind_name);

}  // namespace
}  // namespace colonies::storage::test
