// Each typed SDK call sends its message with exactly the payload field names of spec §2.3
// (plus msgtype, nonce and timestamp), and the values it was given.
#include <functional>
#include <set>

#include "tests/unit/client/client_fixture.hpp"

namespace colonies::client {
namespace {

struct MessageCase {
  std::string name;
  std::function<void(Client&)> invoke;
  std::string msgtype;
  std::set<std::string> fields;
};

std::set<std::string> keys_of(const boost::json::object& payload) {
  std::set<std::string> keys;
  for (const auto& kv : payload) {
    if (kv.key() != "msgtype" && kv.key() != "nonce" && kv.key() != "timestamp") keys.insert(std::string(kv.key()));
  }
  return keys;
}

std::vector<MessageCase> cases() {
  model::Colony colony{std::string(64, 'a'), "dev"};
  model::User user{"dev", std::string(64, 'b'), "alice", "a@x", "1"};
  model::Executor executor;
  executor.executorname = "e1";
  executor.colonyname = "dev";
  model::Function function;
  function.funcname = "echo";
  model::FunctionSpec spec;
  spec.funcname = "echo";
  model::Attribute attribute;
  attribute.key = "k";
  model::Location location;
  location.name = "lab";
  return {
      {"version", [](Client& c) { (void)c.version(); }, "versionmsg", {"buildversion", "buildtime"}},
      {"server_info", [](Client& c) { (void)c.server_info(); }, "getserverinfomsg", {}},
      {"statistics", [](Client& c) { (void)c.statistics(); }, "getstatisticsmsg", {}},
      {"cluster_info", [](Client& c) { (void)c.cluster_info(); }, "getclustermsg", {}},
      {"change_server_id", [](Client& c) { (void)c.change_server_id("s"); }, "changeserveridmsg", {"serverid"}},
      {"add_colony", [=](Client& c) { (void)c.add_colony(colony); }, "addcolonymsg", {"colony"}},
      {"remove_colony", [](Client& c) { (void)c.remove_colony("dev"); }, "removecolonymsg", {"colonyname"}},
      {"get_colony", [](Client& c) { (void)c.get_colony("dev"); }, "getcolonymsg", {"colonyname"}},
      {"get_colonies", [](Client& c) { (void)c.get_colonies(); }, "getcoloniesmsg", {}},
      {"colony_statistics", [](Client& c) { (void)c.colony_statistics("dev"); }, "getcolonystatsmsg", {"colonyname"}},
      {"change_colony_id", [](Client& c) { (void)c.change_colony_id("dev", "x"); }, "changecolonyidmsg",
       {"colonyname", "colonyid"}},
      {"add_user", [=](Client& c) { (void)c.add_user(user); }, "addusermsg", {"user"}},
      {"get_users", [](Client& c) { (void)c.get_users("dev"); }, "getusersmsg", {"colonyname"}},
      {"get_user", [](Client& c) { (void)c.get_user("dev", "alice"); }, "getusermsg", {"colonyname", "name"}},
      {"get_user_by_id", [](Client& c) { (void)c.get_user_by_id("dev", "id"); }, "getuserbyidmsg",
       {"colonyname", "userid"}},
      {"remove_user", [](Client& c) { (void)c.remove_user("dev", "alice"); }, "removeusermsg", {"colonyname", "name"}},
      {"change_user_id", [](Client& c) { (void)c.change_user_id("dev", "id"); }, "changeuseridmsg",
       {"colonyname", "userid"}},
      {"add_executor", [=](Client& c) { (void)c.add_executor(executor); }, "addexecutormsg", {"executor"}},
      {"approve_executor", [](Client& c) { (void)c.approve_executor("dev", "e1"); }, "approveexecutormsg",
       {"colonyname", "executorname"}},
      {"reject_executor", [](Client& c) { (void)c.reject_executor("dev", "e1"); }, "rejectexecutormsg",
       {"colonyname", "executorname"}},
      {"remove_executor", [](Client& c) { (void)c.remove_executor("dev", "e1"); }, "removeexecutormsg",
       {"colonyname", "executorname"}},
      {"get_executor", [](Client& c) { (void)c.get_executor("dev", "e1"); }, "getexecutormsg",
       {"colonyname", "executorname"}},
      {"get_executors", [](Client& c) { (void)c.get_executors("dev"); }, "getexecutorsmsg", {"colonyname"}},
      {"get_executor_by_id", [](Client& c) { (void)c.get_executor_by_id("dev", "id"); }, "getexecutorbyidmsg",
       {"colonyname", "executorid"}},
      {"update_executor_capabilities",
       [](Client& c) { (void)c.update_executor_capabilities("dev", "e1", model::Capabilities{}); },
       "updateexecutormsg", {"colonyname", "executorname", "capabilities"}},
      {"report_allocation",
       [](Client& c) { (void)c.report_allocation("dev", "e1", boost::json::object{{"projects", boost::json::object{}}}); },
       "reportallocationmsg", {"colonyname", "executorname", "allocations"}},
      {"change_executor_id", [](Client& c) { (void)c.change_executor_id("dev", "id"); }, "changeexecutoridmsg",
       {"colonyname", "executorid"}},
      {"add_function", [=](Client& c) { (void)c.add_function(function); }, "addfunctionmsg", {"fun"}},
      {"get_functions", [](Client& c) { (void)c.get_functions("dev", "e1"); }, "getfunctionsmsg",
       {"colonyname", "executorname"}},
      {"remove_function", [](Client& c) { (void)c.remove_function("f"); }, "removefunctionmsg", {"functionid"}},
      {"submit", [=](Client& c) { (void)c.submit(spec); }, "submitfuncspecmsg", {"spec"}},
      {"submit_batch", [=](Client& c) { (void)c.submit_batch({spec, spec}); }, "submitfuncspecsmsg", {"specs"}},
      {"submit_batch_ids", [=](Client& c) { (void)c.submit_batch_ids({spec}); }, "submitfuncspecsmsg",
       {"specs", "brief"}},
      {"close_batch", [](Client& c) { (void)c.close_batch({{.processid = "p"}}); }, "closeprocessesmsg", {"closes"}},
      {"close_batch_ids", [](Client& c) { (void)c.close_batch_ids({{.processid = "p"}}); }, "closeprocessesmsg",
       {"closes", "brief"}},
      {"assign", [](Client& c) { (void)c.assign("dev", 5, {"4", "8Gi", 1}); }, "assignprocessmsg",
       {"colonyname", "timeout", "availablecpu", "availablemem", "availablegpu"}},
      {"get_process", [](Client& c) { (void)c.get_process("p"); }, "getprocessmsg", {"processid"}},
      {"get_processes", [](Client& c) { (void)c.get_processes({.colonyname = "dev"}); }, "getprocessesmsg",
       {"colonyname", "count", "state", "executortype", "label", "initiator"}},
      {"get_process_history",
       [](Client& c) { (void)c.get_process_history("dev", "", 60, model::ProcessState::Success); },
       "getprocesshistmsg", {"colonyname", "executorid", "seconds", "state"}},
      {"get_process_history_page",
       [](Client& c) { (void)c.get_process_history({.colonyname = "dev", .seconds = 60, .count = 500, .before = "p"}); },
       "getprocesshistmsg", {"colonyname", "executorid", "seconds", "state", "count", "before"}},
      {"remove_process", [](Client& c) { (void)c.remove_process("p", true); }, "removeprocessmsg",
       {"processid", "all"}},
      {"remove_all_processes", [](Client& c) { (void)c.remove_all_processes("dev", std::nullopt); },
       "removeallprocessesmsg", {"colonyname", "state"}},
      {"close_successful", [](Client& c) { (void)c.close_successful("p", {1, "two"}); }, "closesuccessfulmsg",
       {"processid", "out"}},
      {"close_failed", [](Client& c) { (void)c.close_failed("p", {"boom"}); }, "closefailedmsg",
       {"processid", "errors"}},
      {"set_output", [](Client& c) { (void)c.set_output("p", {"x"}); }, "setoutputmsg", {"processid", "out"}},
      {"cancel_process", [](Client& c) { (void)c.cancel_process("p"); }, "cancelprocessmsg", {"processid"}},
      {"pause_assignments", [](Client& c) { (void)c.pause_assignments("dev"); }, "pauseassignmentsmsg",
       {"colonyname"}},
      {"resume_assignments", [](Client& c) { (void)c.resume_assignments("dev"); }, "resumeassignmentsmsg",
       {"colonyname"}},
      {"pause_status", [](Client& c) { (void)c.pause_status("dev"); }, "getpausestatusmsg", {"colonyname"}},
      {"add_attribute", [=](Client& c) { (void)c.add_attribute(attribute); }, "addattributemsg", {"attribute"}},
      {"get_attribute", [](Client& c) { (void)c.get_attribute("a"); }, "getattributemsg", {"attributeid"}},
      {"add_log", [](Client& c) { (void)c.add_log("p", "hello"); }, "addlogmsg", {"processid", "message"}},
      {"add_executor_log", [](Client& c) { (void)c.add_executor_log("dev", "e1", "hi"); }, "addexecutorlogmsg",
       {"colonyname", "executorname", "message"}},
      {"get_logs", [](Client& c) { (void)c.get_logs({.colonyname = "dev", .processid = "p"}); }, "getlogsmsg",
       {"colonyname", "processid", "executorname", "count", "since", "latest"}},
      {"search_logs", [](Client& c) { (void)c.search_logs("dev", "err", 1, 10); }, "searchlogsmsg",
       {"colonyname", "text", "days", "count"}},
      {"add_location", [=](Client& c) { (void)c.add_location(location); }, "addlocationmsg", {"location"}},
      {"get_locations", [](Client& c) { (void)c.get_locations("dev"); }, "getlocationsmsg", {"colonyname"}},
      {"get_location", [](Client& c) { (void)c.get_location("dev", "lab"); }, "getlocationmsg",
       {"colonyname", "name"}},
      {"remove_location", [](Client& c) { (void)c.remove_location("dev", "lab"); }, "removelocationmsg",
       {"colonyname", "name"}},
  };
}

class ClientMessagesTest : public ClientFixture {};

TEST_F(ClientMessagesTest, EveryCallSendsItsMessageWithTheSpecFieldNames) {
  for (const auto& c : cases()) {
    std::size_t before = sent_->size();
    c.invoke(*client_);
    ASSERT_EQ(sent_->size(), before + 1) << c.name;
    EXPECT_EQ(colonies::testing::sent_type(last_body()), c.msgtype) << c.name;
    EXPECT_EQ(keys_of(last_payload()), c.fields) << c.name;
  }
}

TEST_F(ClientMessagesTest, EverySignedCallVerifies) {
  for (const auto& c : cases()) {
    c.invoke(*client_);
    auto envelope = protocol::decode_envelope(last_body());
    ASSERT_TRUE(envelope) << c.name;
    if (c.msgtype == "versionmsg" || c.msgtype == "getserverinfomsg") continue;
    EXPECT_TRUE(sodium_.verify(envelope->payload, envelope->signature, envelope->signer)) << c.name;
    EXPECT_TRUE(protocol::decode_payload(*envelope)) << c.name;
  }
}

TEST_F(ClientMessagesTest, AssignSendsTheOffer) {
  (void)client_->assign("dev", 5, {"4", "8Gi", 2});
  auto p = last_payload();
  EXPECT_EQ(p.at("colonyname").as_string(), "dev");
  EXPECT_EQ(p.at("timeout").as_int64(), 5);
  EXPECT_EQ(p.at("availablecpu").as_string(), "4");
  EXPECT_EQ(p.at("availablemem").as_string(), "8Gi");
  EXPECT_EQ(p.at("availablegpu").as_int64(), 2);
}

TEST_F(ClientMessagesTest, AssignWithoutOfferSaysGpuNotStated) {
  (void)client_->assign("dev", 5);
  EXPECT_EQ(last_payload().at("availablegpu").as_int64(), -1);
}

TEST_F(ClientMessagesTest, RemoveAllWithoutStateSendsMinusOne) {
  (void)client_->remove_all_processes("dev", std::nullopt);
  EXPECT_EQ(last_payload().at("state").as_int64(), -1);
  (void)client_->remove_all_processes("dev", model::ProcessState::Failed);
  EXPECT_EQ(last_payload().at("state").as_int64(), 3);
}

TEST_F(ClientMessagesTest, SubmitSendsTheSpecAsJson) {
  model::FunctionSpec spec;
  spec.funcname = "echo";
  spec.conditions.colonyname = "dev";
  spec.conditions.executortype = "cli";
  spec.args = {"hello"};
  (void)client_->submit(spec);
  auto sent = model::function_spec_from_json(last_payload().at("spec"));
  ASSERT_TRUE(sent);
  EXPECT_EQ(sent->funcname, "echo");
  EXPECT_EQ(sent->conditions.executortype, "cli");
  EXPECT_EQ(sent->args.at(0).as_string(), "hello");
}

TEST_F(ClientMessagesTest, AddColonySendsTheColonyObject) {
  (void)client_->add_colony({std::string(64, 'a'), "dev"});
  auto payload = last_payload();
  const auto& colony = payload.at("colony").as_object();
  EXPECT_EQ(colony.at("name").as_string(), "dev");
  EXPECT_EQ(colony.at("colonyid").as_string(), std::string(64, 'a'));
}

TEST_F(ClientMessagesTest, GetLogsSendsSinceAsNanoseconds) {
  (void)client_->get_logs({.colonyname = "dev", .processid = "p", .count = 50, .since = 1'700'000'000'000'000'000,
                           .latest = true});
  auto p = last_payload();
  EXPECT_EQ(p.at("since").as_int64(), 1'700'000'000'000'000'000);
  EXPECT_EQ(p.at("count").as_int64(), 50);
  EXPECT_TRUE(p.at("latest").as_bool());
}

}  // namespace
}  // namespace colonies::client
