// The broker's metrics move with the requests it handles: replies per message type and status,
// their latency, unauthenticated refusals, the wake-up of parked long-polls, queue waits, the
// scrape-time gauges (queue depths, parked polls, executors alive) and the commit queue's batches.
#include "tests/unit/server/broker_fixture.hpp"

#include <algorithm>

namespace colonies::server::api {
namespace {

using Metrics = RequestMetrics;

std::size_t code_index(int status) {
  const auto codes = RequestMetrics::codes();
  return static_cast<std::size_t>(std::find(codes.begin(), codes.end(), status) - codes.begin());
}

class BrokerMetricsTest : public BrokerTest {
 protected:
  const RequestMetrics::Type& type(std::string_view msgtype) {
    return *const_cast<RequestMetrics&>(h_.broker().request_metrics()).type(msgtype);
  }
  std::uint64_t replies(std::string_view msgtype, int status) { return type(msgtype).replies(code_index(status)); }
};

TEST_F(BrokerMetricsTest, CountsRepliesByMessageTypeAndStatusWithTheirLatency) {
  const auto before = type(msg::kSubmitFunctionSpec).total();
  const std::string id = submit();
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(type(msg::kSubmitFunctionSpec).total(), before + 1);
  EXPECT_EQ(replies(msg::kSubmitFunctionSpec, 200), before + 1);
  const auto latency = type(msg::kSubmitFunctionSpec).latency();
  EXPECT_EQ(latency.count, before + 1);
  EXPECT_GT(latency.sum, 0);  // measured on the steady clock, whatever the fake clock says

  // The user may not assign: a 403 under assignprocessmsg.
  EXPECT_EQ(h_.assign(user_, colony_.name).status, 403);
  EXPECT_EQ(replies(msg::kAssignProcess, 403), 1u);
  ASSERT_EQ(h_.assign(executor_, colony_.name).status, 200);
  EXPECT_EQ(replies(msg::kAssignProcess, 200), 1u);
  EXPECT_EQ(h_.close_successful(executor_, id).status, 200);
  EXPECT_EQ(replies(msg::kCloseSuccessful, 200), 1u);
  EXPECT_EQ(type(msg::kAssignProcess).latency().count, 2u);
}

TEST_F(BrokerMetricsTest, CountsRequestsRefusedBeforeAuthenticationUnderUnauthenticated) {
  auto* unauthenticated = const_cast<RequestMetrics&>(h_.broker().request_metrics()).unauthenticated();
  const auto before = unauthenticated->total();
  EXPECT_EQ(h_.call_body("not json").status, 400);
  // A signature that does not verify: 401, and its claimed type is not trusted as a label.
  auto envelope = json::parse(h_.signed_request(user_, msg::kGetProcesses, {{"colonyname", colony_.name}})).as_object();
  std::string signature(envelope.at("signature").as_string());
  signature[0] = signature[0] == '0' ? '1' : '0';
  envelope["signature"] = signature;
  EXPECT_EQ(h_.call_body(json::serialize(envelope)).status, 401);
  EXPECT_EQ(unauthenticated->total(), before + 2);
  EXPECT_EQ(unauthenticated->replies(code_index(400)), 1u);
  EXPECT_EQ(unauthenticated->replies(code_index(401)), 1u);
  EXPECT_EQ(type(msg::kGetProcesses).total(), 0u);
}

TEST_F(BrokerMetricsTest, MeasuresTheWakeUpOfAParkedAssignAndTheQueueWait) {
  auto parked = h_.send(executor_, msg::kAssignProcess,
                        {{"colonyname", colony_.name}, {"timeout", 10}, {"availablecpu", ""}, {"availablemem", ""}});
  h_.flush();
  EXPECT_EQ(h_.broker().gauges().parked.size(), 1u);
  EXPECT_EQ(h_.broker().request_metrics().assign_wakeup().snapshot().count, 0u);
  h_.clock().advance_s(1);
  const std::string id = submit();
  auto reply = h_.wait(parked);
  ASSERT_EQ(reply.status, 200) << testing::describe(reply);
  EXPECT_EQ(id_of(reply), id);
  EXPECT_EQ(h_.broker().request_metrics().assign_wakeup().snapshot().count, 1u);
  EXPECT_EQ(replies(msg::kAssignProcess, 200), 1u);

  // Queued for 7 s (fake clock) before an executor took it.
  const std::string waiting = submit();
  h_.clock().advance_s(7);
  ASSERT_EQ(h_.assign(executor_, colony_.name).status, 200);
  const auto wait = h_.broker().request_metrics().queue_wait().snapshot();
  EXPECT_EQ(wait.count, 2u);
  EXPECT_GE(wait.sum, std::int64_t{7'000'000'000});
}

TEST_F(BrokerMetricsTest, GaugesShowQueueDepthsParkedPollsAndLiveExecutorsPerType) {
  h_.add_executor(colony_, "gpu-box", "gpu");
  submit();
  submit();
  submit(BrokerHarness::spec(colony_.name, "gpu"));
  auto g = h_.broker().gauges();
  ASSERT_EQ(g.queued.size(), 2u);
  EXPECT_EQ(g.queued[0].colony, colony_.name);
  EXPECT_EQ(g.queued[0].type, "gpu");
  EXPECT_EQ(g.queued[0].count, 1u);
  EXPECT_EQ(g.queued[1].type, "worker");
  EXPECT_EQ(g.queued[1].count, 2u);
  EXPECT_EQ(g.active_processes, 3u);
  EXPECT_EQ(g.colonies, 1u);
  ASSERT_EQ(g.executors.size(), 2u);  // gpu, worker
  EXPECT_EQ(g.executors[1].type, "worker");
  EXPECT_EQ(g.executors[1].approved, 1u);

  // The worker executor calls in: alive; the gpu one stays silent past the window.
  h_.clock().advance_s(Broker::kAliveWindowS + 1);
  ASSERT_EQ(h_.assign(executor_, colony_.name).status, 200);
  g = h_.broker().gauges();
  EXPECT_EQ(g.executors[0].alive, 0u);
  EXPECT_EQ(g.executors[1].alive, 1u);
  EXPECT_EQ(g.queued[1].count, 1u);
}

TEST_F(BrokerMetricsTest, TheCommitQueueMeasuresItsBatchesAndTransactions) {
  const auto before = h_.commits().metrics().batch_mutations.snapshot().count;
  submit();
  h_.flush();
  const auto& m = h_.commits().metrics();
  EXPECT_GT(m.batch_mutations.snapshot().count, before);
  EXPECT_GT(m.batch_requests.snapshot().count, 0u);
  EXPECT_GT(m.apply_ns.snapshot().count, 0u);
  EXPECT_EQ(h_.commits().queued(), 0u);
}

}  // namespace
}  // namespace colonies::server::api
