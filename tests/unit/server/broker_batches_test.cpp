// The batched process messages over the harness: submitfuncspecsmsg, assignprocessesmsg and
// closeprocessesmsg. Per-item results, the role rule of the request, limits, resource sharing
// of one assign, long-poll wake-ups taking several processes, and closes of processes that are
// already final (read from the store).
#include "tests/unit/server/broker_fixture.hpp"

namespace colonies::server::api {
namespace {

using testing::describe;

class BrokerBatchTest : public BrokerTest {
 protected:
  ApiReply submit_batch(const Identity& who, json::array specs) {
    return h_.call(who, msg::kSubmitFunctionSpecs, {{"specs", std::move(specs)}});
  }
  ApiReply assign_batch(const Identity& who, int count, std::int64_t timeout = -1, json::object extra = {}) {
    json::object payload{{"colonyname", colony_.name}, {"timeout", timeout}, {"count", count}};
    for (auto& [k, v] : extra) payload[k] = v;
    return h_.call(who, msg::kAssignProcesses, std::move(payload));
  }
  static const json::array& results(const ApiReply& reply) { return reply.payload.at("results").as_array(); }
  static std::int64_t status_of(const json::value& item) { return item.at("status").to_number<std::int64_t>(); }
  static std::string id_in(const json::value& item) { return std::string(item.at("process").at("processid").as_string()); }
  std::vector<std::string> submit_many(int n) {
    json::array specs;
    for (int i = 0; i < n; ++i) specs.push_back(spec());
    auto reply = submit_batch(user_, std::move(specs));
    EXPECT_EQ(reply.status, 200) << describe(reply);
    std::vector<std::string> ids;
    for (const auto& item : results(reply)) ids.push_back(id_in(item));
    return ids;
  }
};

TEST_F(BrokerBatchTest, SubmitQueuesEveryValidSpecAndReportsTheInvalidOnesByIndex) {
  json::object bad = spec();
  bad["priority"] = 1'000'000;
  auto reply = submit_batch(user_, json::array{spec("a"), bad, spec("c")});
  ASSERT_EQ(reply.status, 200) << describe(reply);
  ASSERT_EQ(results(reply).size(), 3u);
  EXPECT_EQ(status_of(results(reply)[0]), 200);
  EXPECT_EQ(status_of(results(reply)[1]), 400);
  EXPECT_NE(std::string(results(reply)[1].at("message").as_string()).find("specs[1]"), std::string::npos)
      << results(reply)[1];
  EXPECT_EQ(status_of(results(reply)[2]), 200);
  EXPECT_EQ(state_of(id_in(results(reply)[0])), 0);
  EXPECT_EQ(process(id_in(results(reply)[2])).at("spec").at("funcname").as_string(), "c");
  EXPECT_EQ(process(id_in(results(reply)[0])).at("initiatorname").as_string(), "user");
  // Submission order is kept: the first item is assigned first.
  EXPECT_EQ(id_of(h_.assign(executor_, colony_.name)), id_in(results(reply)[0]));
}

TEST_F(BrokerBatchTest, SubmitToAColonyTheCallerIsNotAMemberOfSubmitsNothing) {
  auto beta = h_.add_colony("beta");
  auto reply = submit_batch(user_, json::array{spec(), BrokerHarness::spec("beta")});
  EXPECT_EQ(reply.status, 403) << describe(reply);
  h_.flush();
  EXPECT_EQ(h_.assign(executor_, colony_.name).status, 404) << "the allowed spec was not submitted either";
}

TEST_F(BrokerBatchTest, EmptyAndOversizedBatchesAreRefused) {
  EXPECT_EQ(submit_batch(user_, json::array{}).status, 400);
  EXPECT_EQ(h_.call(user_, msg::kSubmitFunctionSpecs, {}).status, 400);
  EXPECT_EQ(h_.call(user_, msg::kSubmitFunctionSpecs, {{"specs", "x"}}).status, 400);

  BrokerHarness::Options options;
  options.broker.batch_limit = 2;
  BrokerHarness small(options);
  auto colony = small.add_colony("alpha");
  auto user = small.add_user(colony, "user");
  auto s = BrokerHarness::spec("alpha");
  auto over = small.call(user, msg::kSubmitFunctionSpecs, {{"specs", json::array{s, s, s}}});
  EXPECT_EQ(over.status, 400);
  EXPECT_NE(testing::error_message(over).find("limit of 2"), std::string::npos) << describe(over);
  auto executor = small.add_executor(colony, "exec");
  auto many = small.call(executor, msg::kAssignProcesses, {{"colonyname", "alpha"}, {"timeout", -1}, {"count", 3}});
  EXPECT_EQ(many.status, 400) << describe(many);
}

TEST_F(BrokerBatchTest, AssignTakesUpToCountInPriorityOrder) {
  auto ids = submit_many(5);
  json::object urgent = spec("urgent");
  urgent["priority"] = 10;
  const std::string first = submit(urgent);
  auto reply = assign_batch(executor_, 3);
  ASSERT_EQ(reply.status, 200) << describe(reply);
  const auto& taken = reply.payload.as_array();
  ASSERT_EQ(taken.size(), 3u);
  EXPECT_EQ(taken[0].at("processid").as_string(), first);
  EXPECT_EQ(taken[1].at("processid").as_string(), ids[0]);
  EXPECT_EQ(taken[2].at("processid").as_string(), ids[1]);
  for (const auto& p : taken) {
    EXPECT_EQ(p.at("state").to_number<int>(), 1);
    EXPECT_EQ(state_of(std::string(p.at("processid").as_string())), 1);
  }
  auto rest = assign_batch(executor_, 10);
  ASSERT_EQ(rest.status, 200) << describe(rest);
  EXPECT_EQ(rest.payload.as_array().size(), 3u);
  EXPECT_EQ(assign_batch(executor_, 10).status, 404);
}

TEST_F(BrokerBatchTest, OneAssignSharesTheOfferedResourcesAmongWhatItTakes) {
  json::object s = spec();
  s["conditions"].as_object()["cpu"] = "2";
  s["conditions"].as_object()["mem"] = "1Gi";
  for (int i = 0; i < 4; ++i) submit(s);
  auto reply = assign_batch(executor_, 10, -1, {{"availablecpu", "5"}, {"availablemem", "8Gi"}});
  ASSERT_EQ(reply.status, 200) << describe(reply);
  EXPECT_EQ(reply.payload.as_array().size(), 2u) << "5 CPUs hold two processes of 2";
  auto by_mem = assign_batch(executor_, 10, -1, {{"availablemem", "1Gi"}});
  ASSERT_EQ(by_mem.status, 200) << describe(by_mem);
  EXPECT_EQ(by_mem.payload.as_array().size(), 1u);
}

TEST_F(BrokerBatchTest, AParkedBatchAssignIsWokenAndTakesWhatASubmitBatchQueued) {
  auto poll = h_.send(executor_, msg::kAssignProcesses, {{"colonyname", colony_.name}, {"timeout", 30}, {"count", 4}});
  h_.flush();
  EXPECT_FALSE(BrokerHarness::ready(poll));
  auto ids = submit_many(6);
  auto reply = h_.wait(poll);
  ASSERT_EQ(reply.status, 200) << describe(reply);
  ASSERT_EQ(reply.payload.as_array().size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(reply.payload.as_array()[i].at("processid").as_string(), ids[i]);
  EXPECT_EQ(state_of(ids[4]), 0);
  EXPECT_EQ(state_of(ids[5]), 0);
}

TEST_F(BrokerBatchTest, AParkedBatchAssignTimesOutLikeASingleOne) {
  auto poll = h_.send(executor_, msg::kAssignProcesses, {{"colonyname", colony_.name}, {"timeout", 5}, {"count", 4}});
  h_.advance_and_tick(6);
  EXPECT_EQ(h_.wait(poll).status, 408);
}

TEST_F(BrokerBatchTest, BatchAssignNeedsAnApprovedExecutorAndAValidCount) {
  submit();
  EXPECT_EQ(assign_batch(user_, 2).status, 403);
  EXPECT_EQ(assign_batch(executor_, 0).status, 400);
  EXPECT_EQ(h_.call(executor_, msg::kAssignProcesses, {{"colonyname", colony_.name}, {"timeout", -1}}).status, 400)
      << "count is required";
}

TEST_F(BrokerBatchTest, CloseClosesEachItemAndReportsWhatCouldNotBeClosed) {
  auto ids = submit_many(4);
  ASSERT_EQ(assign_batch(executor_, 3).status, 200);  // ids[3] stays WAITING
  json::array closes{
      json::object{{"processid", ids[0]}, {"successful", true}, {"out", json::array{"r0"}}},
      json::object{{"processid", ids[1]}, {"successful", false}, {"errors", json::array{"boom"}}},
      json::object{{"processid", ids[3]}, {"successful", true}},
      json::object{{"processid", ids[2]}, {"successful", true}},
      json::object{{"processid", ids[2]}, {"successful", true}},
      json::object{{"processid", std::string(64, 'f')}, {"successful", true}},
      json::object{{"processid", ids[0]}},
  };
  auto reply = h_.call(executor_, msg::kCloseProcesses, {{"closes", closes}});
  ASSERT_EQ(reply.status, 200) << describe(reply);
  const auto& r = results(reply);
  ASSERT_EQ(r.size(), 7u);
  EXPECT_EQ(status_of(r[0]), 200);
  EXPECT_EQ(r[0].at("process").at("state").to_number<int>(), 2);
  EXPECT_EQ(status_of(r[1]), 200);
  EXPECT_EQ(status_of(r[2]), 403) << "a WAITING process is not the executor's to close";
  EXPECT_EQ(status_of(r[3]), 200);
  EXPECT_EQ(status_of(r[4]), 400) << "listed twice";
  EXPECT_EQ(status_of(r[5]), 404);
  EXPECT_EQ(status_of(r[6]), 400) << "successful is required";
  EXPECT_EQ(process(ids[0]).at("out").as_array(), (json::array{"r0"}));
  EXPECT_EQ(process(ids[1]).at("errors").as_array(), (json::array{"boom"}));
  EXPECT_EQ(state_of(ids[1]), 3);
  EXPECT_EQ(state_of(ids[2]), 2);
  EXPECT_EQ(state_of(ids[3]), 0);

  // Closing them again: the store knows them as final, so 409 for the holder.
  auto again = h_.call(executor_, msg::kCloseProcesses,
                       {{"closes", json::array{json::object{{"processid", ids[0]}, {"successful", true}}}}});
  ASSERT_EQ(again.status, 200) << describe(again);
  EXPECT_EQ(status_of(results(again)[0]), 409);
}

TEST_F(BrokerBatchTest, BriefBatchesAnswerEachItemWithItsProcessidOnly) {
  json::object bad = spec();
  bad["priority"] = 1'000'000;
  auto submitted = h_.call(user_, msg::kSubmitFunctionSpecs,
                           {{"specs", json::array{spec("a"), bad, spec("c")}}, {"brief", true}});
  ASSERT_EQ(submitted.status, 200) << describe(submitted);
  const auto& items = results(submitted);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(status_of(items[0]), 200);
  EXPECT_FALSE(items[0].as_object().contains("process"));
  const std::string a(items[0].at("processid").as_string());
  EXPECT_EQ(process(a).at("spec").at("funcname").as_string(), "a");
  EXPECT_EQ(status_of(items[1]), 400) << "errors are the same in the brief form";
  EXPECT_NE(std::string(items[1].at("message").as_string()).find("specs[1]"), std::string::npos);
  const std::string c(items[2].at("processid").as_string());

  ASSERT_EQ(assign_batch(executor_, 2).status, 200);
  auto closed = h_.call(executor_, msg::kCloseProcesses,
                        {{"closes", json::array{json::object{{"processid", a}, {"successful", true}},
                                                json::object{{"processid", c}, {"successful", false}},
                                                json::object{{"processid", std::string(64, 'f')}, {"successful", true}}}},
                         {"brief", true}});
  ASSERT_EQ(closed.status, 200) << describe(closed);
  EXPECT_EQ(results(closed)[0].at("processid").as_string(), a);
  EXPECT_FALSE(results(closed)[0].as_object().contains("process"));
  EXPECT_EQ(results(closed)[1].at("processid").as_string(), c);
  EXPECT_EQ(status_of(results(closed)[2]), 404);
  EXPECT_EQ(state_of(a), 2);
  EXPECT_EQ(state_of(c), 3);
  // "brief" must be a boolean.
  EXPECT_EQ(h_.call(user_, msg::kSubmitFunctionSpecs, {{"specs", json::array{spec()}}, {"brief", "yes"}}).status, 400);
}

TEST_F(BrokerBatchTest, CloseByAnotherExecutorIsRefusedPerItemAndByAStrangerAsAWhole) {
  auto ids = submit_many(1);
  ASSERT_EQ(assign_batch(executor_, 1).status, 200);
  auto other = h_.add_executor(colony_, "other");
  json::array closes{json::object{{"processid", ids[0]}, {"successful", true}}};
  auto reply = h_.call(other, msg::kCloseProcesses, {{"closes", closes}});
  ASSERT_EQ(reply.status, 200) << describe(reply);
  EXPECT_EQ(status_of(results(reply)[0]), 403);
  auto beta = h_.add_colony("beta");
  auto stranger = h_.add_executor(beta, "stranger");
  EXPECT_EQ(h_.call(stranger, msg::kCloseProcesses, {{"closes", closes}}).status, 403);
  EXPECT_EQ(state_of(ids[0]), 1);
}

TEST_F(BrokerBatchTest, ClosingWorkflowNodesInOneBatchReleasesTheirChildren) {
  json::object a = spec("a");
  a["nodename"] = "a";
  json::object b = spec("b");
  b["nodename"] = "b";
  json::object c = spec("c");
  c["nodename"] = "c";
  c["conditions"].as_object()["dependencies"] = json::array{"a", "b"};
  auto graph = h_.call(user_, msg::kSubmitWorkflowSpec,
                       {{"spec", json::object{{"colonyname", colony_.name}, {"functionspecs", json::array{a, b, c}}}}});
  ASSERT_EQ(graph.status, 200) << describe(graph);
  auto roots = assign_batch(executor_, 5);
  ASSERT_EQ(roots.status, 200) << describe(roots);
  ASSERT_EQ(roots.payload.as_array().size(), 2u) << "only the roots are assignable";
  json::array closes;
  for (const auto& p : roots.payload.as_array()) {
    closes.push_back(json::object{{"processid", p.at("processid")}, {"successful", true}, {"out", json::array{p.at("spec").at("funcname")}}});
  }
  auto closed = h_.call(executor_, msg::kCloseProcesses, {{"closes", closes}});
  ASSERT_EQ(closed.status, 200) << describe(closed);
  auto sink = assign_batch(executor_, 5);
  ASSERT_EQ(sink.status, 200) << describe(sink);
  ASSERT_EQ(sink.payload.as_array().size(), 1u);
  EXPECT_EQ(sink.payload.as_array()[0].at("spec").at("funcname").as_string(), "c");
  EXPECT_EQ(sink.payload.as_array()[0].at("in").as_array().size(), 2u);
}

}  // namespace
}  // namespace colonies::server::api
