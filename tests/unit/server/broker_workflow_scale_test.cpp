// A 10,000-node fan-out/fan-in workflow (1 root -> 9,998 parallel nodes -> 1 sink) submitted in
// one request and driven to the end through the broker: every node is assigned and closed, and
// the sink receives the 9,998 outputs in its dependency order. Labelled slow (20,000 signed
// requests); it measures nothing.
#include <gtest/gtest.h>

#include "tests/unit/server/broker_fixture.hpp"

namespace colonies::server::api {
namespace {

using testing::describe;

constexpr int kMiddle = 9998;

json::object node(const std::string& name, json::array deps) {
  return json::object{{"nodename", name},
                      {"funcname", "fn"},
                      {"conditions", json::object{{"executortype", "worker"}, {"dependencies", std::move(deps)}}}};
}

TEST_F(BrokerTest, TenThousandNodeFanOutFanInWorkflowCompletes) {
  json::array specs{node("root", {})};
  json::array middle;
  for (int i = 0; i < kMiddle; ++i) {
    middle.emplace_back("m" + std::to_string(i));
    specs.emplace_back(node("m" + std::to_string(i), json::array{"root"}));
  }
  specs.emplace_back(node("sink", middle));
  json::object payload{{"spec", json::object{{"colonyname", colony_.name}, {"functionspecs", std::move(specs)}}}};
  EXPECT_LT(json::serialize(payload).size(), 16u * 1024 * 1024) << "fits the default HTTP body limit";
  auto submitted = h_.call(user_, msg::kSubmitWorkflowSpec, std::move(payload));
  ASSERT_EQ(submitted.status, 200) << describe(submitted);
  const std::string graph(submitted.payload.at("processgraphid").as_string());
  ASSERT_EQ(submitted.payload.at("processids").as_array().size(), 10000u);

  auto root = h_.assign(executor_, colony_.name);
  ASSERT_EQ(root.status, 200);
  ASSERT_EQ(root.payload.at("spec").at("nodename").as_string(), "root");
  ASSERT_EQ(h_.call(executor_, msg::kCloseSuccessful, {{"processid", root.payload.at("processid")}, {"out", json::array{"r"}}})
                .status,
            200);
  for (int i = 0; i < kMiddle; ++i) {
    auto p = h_.assign(executor_, colony_.name);
    ASSERT_EQ(p.status, 200) << "node " << i << ": " << describe(p);
    const auto& name = p.payload.at("spec").at("nodename").as_string();
    ASSERT_NE(name, "sink") << "the sink ran before all its parents succeeded";
    ASSERT_EQ(p.payload.at("in"), (json::array{"r"}));
    auto closed = h_.call(executor_, msg::kCloseSuccessful,
                          {{"processid", p.payload.at("processid")}, {"out", json::array{json::value(name)}}});
    ASSERT_EQ(closed.status, 200) << describe(closed);
  }
  auto sink = h_.assign(executor_, colony_.name);
  ASSERT_EQ(sink.status, 200);
  ASSERT_EQ(sink.payload.at("spec").at("nodename").as_string(), "sink");
  const auto& in = sink.payload.at("in").as_array();
  ASSERT_EQ(in.size(), static_cast<std::size_t>(kMiddle));
  EXPECT_EQ(in.front().as_string(), "m0");
  EXPECT_EQ(in.back().as_string(), "m" + std::to_string(kMiddle - 1));
  ASSERT_EQ(h_.call(executor_, msg::kCloseSuccessful, {{"processid", sink.payload.at("processid")}, {"out", json::array{}}})
                .status,
            200);
  auto g = h_.call(user_, msg::kGetProcessGraph, {{"processgraphid", graph}});
  ASSERT_EQ(g.status, 200);
  EXPECT_EQ(g.payload.at("state").to_number<int>(), 2);
  EXPECT_EQ(g.payload.at("progress").at("successful").to_number<int>(), 10000);
  EXPECT_EQ(h_.broker().counters().active_processes, 0u);
}

}  // namespace
}  // namespace colonies::server::api
