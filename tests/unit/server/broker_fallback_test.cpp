// Cloud bursting through the broker, on the fake clock: a process may also be taken by executors
// of a fallback type once it has waited the fallback's `after` seconds. Covers eligibility time,
// waking a parked fallback executor, the process's own type staying eligible, locations, the
// clock restarting on a re-queue and on a workflow node's release, the clock surviving a restart,
// the wait reason, and validation.
#include <gtest/gtest.h>

#include "tests/unit/server/broker_fixture.hpp"

namespace colonies::server::api {
namespace {

using testing::describe;
using testing::error_message;

json::object fallback(const std::string& type, std::int64_t after) {
  return json::object{{"executortype", type}, {"after", after}};
}

class BrokerFallbackTest : public BrokerTest {
 protected:
  BrokerFallbackTest() { cloud_ = h_.add_executor(colony_, "cloud-1", "cloud"); }

  // A spec for the "worker" type (the HPC side, executor_) falling back to "cloud".
  json::object bursting(std::int64_t after, json::array more = {}) {
    json::object s = spec();
    json::array list{fallback("cloud", after)};
    for (auto& m : more) list.push_back(m);
    s["conditions"].as_object()["fallback"] = std::move(list);
    return s;
  }
  Identity cloud_;
};

TEST_F(BrokerFallbackTest, AFallbackTypeMayTakeTheProcessOnlyAfterItsWait) {
  const std::string id = submit(bursting(600));
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(h_.assign(cloud_, colony_.name).status, 404) << "not eligible yet";
  h_.advance_and_tick(599);
  EXPECT_EQ(h_.assign(cloud_, colony_.name).status, 404) << "one second early";
  h_.advance_and_tick(1);
  auto r = h_.assign(cloud_, colony_.name);
  ASSERT_EQ(r.status, 200) << describe(r);
  EXPECT_EQ(id_of(r), id);
  EXPECT_EQ(state_of(id), 1);
}

TEST_F(BrokerFallbackTest, TheProcessStaysEligibleForItsOwnTypeBeforeAndAfter) {
  const std::string first = submit(bursting(60));
  const std::string second = submit(bursting(60));
  EXPECT_EQ(id_of(h_.assign(executor_, colony_.name)), first);
  h_.advance_and_tick(60);
  EXPECT_EQ(id_of(h_.assign(executor_, colony_.name)), second) << "its own type still takes it after the burst";
  EXPECT_EQ(h_.assign(cloud_, colony_.name).status, 404) << "assigned once, not twice";
}

TEST_F(BrokerFallbackTest, AParkedFallbackExecutorIsWokenWhenTheProcessBecomesEligible) {
  const std::string id = submit(bursting(30));
  auto poll = h_.send(cloud_, msg::kAssignProcess, {{"colonyname", colony_.name}, {"timeout", 120}});
  h_.advance_and_tick(29);
  h_.advance_and_tick(1);
  auto r = h_.wait(poll);
  ASSERT_EQ(r.status, 200) << describe(r);
  EXPECT_EQ(id_of(r), id);
}

TEST_F(BrokerFallbackTest, ZeroAfterMakesTheFallbackEligibleAtTheNextTick) {
  const std::string id = submit(bursting(0));
  h_.advance_and_tick(0);
  EXPECT_EQ(id_of(h_.assign(cloud_, colony_.name)), id);
}

TEST_F(BrokerFallbackTest, FallbacksBecomeEligibleOneAfterAnother) {
  Identity gpu_cloud = h_.add_executor(colony_, "gpu-cloud-1", "gpu-cloud");
  const std::string id = submit(bursting(60, {fallback("gpu-cloud", 120)}));
  h_.advance_and_tick(60);
  EXPECT_EQ(h_.assign(gpu_cloud, colony_.name).status, 404) << "second fallback not yet";
  h_.advance_and_tick(60);
  EXPECT_EQ(id_of(h_.assign(gpu_cloud, colony_.name)), id);
}

TEST_F(BrokerFallbackTest, AFallbackInheritsTheLocationUnlessItNamesOne) {
  Identity cloud_far = h_.add_executor(colony_, "cloud-far", "cloud", true, {}, "aws-eu");
  json::object inherit = bursting(10);
  inherit["conditions"].as_object()["locationname"] = "hpc-centre";
  const std::string stays = submit(inherit);
  h_.advance_and_tick(10);
  EXPECT_EQ(h_.assign(cloud_far, colony_.name).status, 404) << "the fallback inherits location hpc-centre";

  json::object anywhere = bursting(10);
  anywhere["conditions"].as_object()["locationname"] = "hpc-centre";
  anywhere["conditions"].as_object()["fallback"].as_array()[0].as_object()["locationname"] = "";
  const std::string moves = submit(anywhere);
  h_.advance_and_tick(10);
  EXPECT_EQ(id_of(h_.assign(cloud_far, colony_.name)), moves);
  EXPECT_EQ(state_of(stays), 0);

  json::object named = bursting(10);
  named["conditions"].as_object()["fallback"].as_array()[0].as_object()["locationname"] = "AWS-EU";
  const std::string located = submit(named);
  h_.advance_and_tick(10);
  EXPECT_EQ(h_.assign(cloud_, colony_.name).status, 404) << "cloud-1 has no location";
  EXPECT_EQ(id_of(h_.assign(cloud_far, colony_.name)), located) << "locations compare case-insensitively";
}

TEST_F(BrokerFallbackTest, AReQueueRestartsTheFallbackClock) {
  json::object s = bursting(100);
  s["maxexectime"] = 50;
  s["maxretries"] = 3;
  const std::string id = submit(s);
  ASSERT_EQ(id_of(h_.assign(executor_, colony_.name)), id);
  h_.advance_and_tick(50);  // maxexectime: back to WAITING at t = 50
  ASSERT_EQ(state_of(id), 0);
  h_.advance_and_tick(60);  // t = 110: past 100 s since submission, 60 s since the re-queue
  EXPECT_EQ(h_.assign(cloud_, colony_.name).status, 404) << "the clock restarted at the re-queue";
  h_.advance_and_tick(40);
  EXPECT_EQ(id_of(h_.assign(cloud_, colony_.name)), id);
}

TEST_F(BrokerFallbackTest, TheClockSurvivesARestart) {
  const std::string id = submit(bursting(100));
  h_.advance_and_tick(60);
  h_.flush();
  auto restarted = h_.restart();
  restarted->advance_and_tick(39);
  EXPECT_EQ(restarted->assign(cloud_, colony_.name).status, 404);
  restarted->advance_and_tick(1);
  auto r = restarted->assign(cloud_, colony_.name);
  ASSERT_EQ(r.status, 200) << describe(r) << ": 100 s after submission, not 100 s after the restart";
  EXPECT_EQ(id_of(r), id);
}

TEST_F(BrokerFallbackTest, TheWaitReasonNamesTheComingFallback) {
  json::object s = bursting(300);
  s["conditions"].as_object()["executortype"] = "hpc";  // nobody of this type is registered
  const std::string id = submit(s);
  h_.advance_and_tick(100);
  auto p = process(id);
  ASSERT_TRUE(p.contains("waitreason")) << json::serialize(p);
  const std::string why(p.at("waitreason").as_string());
  EXPECT_NE(why.find("no executor of type 'hpc'"), std::string::npos) << why;
  EXPECT_NE(why.find("executor type 'cloud' becomes eligible in 200 s"), std::string::npos) << why;
}

TEST_F(BrokerFallbackTest, AWorkflowNodeWaitsFromItsReleaseNotFromTheGraphSubmission) {
  json::object first{{"nodename", "first"}, {"funcname", "a"}, {"conditions", json::object{{"executortype", "worker"}}}};
  json::object second{{"nodename", "second"},
                      {"funcname", "b"},
                      {"conditions", json::object{{"executortype", "worker"},
                                                  {"dependencies", json::array{"first"}},
                                                  {"fallback", json::array{fallback("cloud", 100)}}}}};
  auto reply = h_.call(user_, msg::kSubmitWorkflowSpec,
                       {{"spec", json::object{{"colonyname", colony_.name},
                                              {"functionspecs", json::array{first, second}}}}});
  ASSERT_EQ(reply.status, 200) << describe(reply);
  const std::string first_id(reply.payload.at("processids").as_array()[0].as_string());
  const std::string second_id(reply.payload.at("processids").as_array()[1].as_string());
  h_.advance_and_tick(500);
  ASSERT_EQ(id_of(h_.assign(executor_, colony_.name)), first_id);
  ASSERT_EQ(h_.close_successful(executor_, first_id).status, 200);
  h_.advance_and_tick(99);
  EXPECT_EQ(h_.assign(cloud_, colony_.name).status, 404) << "99 s after its release";
  h_.advance_and_tick(1);
  EXPECT_EQ(id_of(h_.assign(cloud_, colony_.name)), second_id);
}

TEST_F(BrokerFallbackTest, InvalidFallbacksAreRefusedWithTheReason) {
  struct Case {
    const char* what;
    json::value fallback;
    json::value executornames;
    const char* message;
  };
  const Case cases[] = {
      {"no type", json::array{json::object{{"after", 5}}}, nullptr, "fallback[0].executortype is required"},
      {"own type", json::array{fallback("worker", 5)}, nullptr, "is the process's own executor type"},
      {"twice", json::array{fallback("cloud", 5), fallback("cloud", 9)}, nullptr, "names executor type 'cloud' twice"},
      {"negative", json::array{fallback("cloud", -1)}, nullptr, "fallback[0].after is -1 s"},
      {"order", json::array{fallback("cloud", 50), fallback("gpu", 10)}, nullptr, "increasing order of `after`"},
      {"names", json::array{fallback("cloud", 5)}, json::array{"exec"}, "cannot be combined with"},
      {"not an array", json::object{}, nullptr, "fallback must be an array"},
      {"bad after", json::array{json::object{{"executortype", "cloud"}, {"after", "10m"}}}, nullptr, "after"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    json::object s = spec();
    s["conditions"].as_object()["fallback"] = c.fallback;
    if (!c.executornames.is_null()) s["conditions"].as_object()["executornames"] = c.executornames;
    auto r = h_.call(user_, msg::kSubmitFunctionSpec, {{"spec", s}});
    EXPECT_EQ(r.status, 400) << describe(r);
    EXPECT_NE(error_message(r).find(c.message), std::string::npos) << error_message(r);
  }
  json::object many = spec();
  json::array list;
  for (int i = 0; i < 9; ++i) list.push_back(fallback("type-" + std::to_string(i), i));
  many["conditions"].as_object()["fallback"] = list;
  auto r = h_.call(user_, msg::kSubmitFunctionSpec, {{"spec", many}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(error_message(r).find("at most 8"), std::string::npos) << error_message(r);
}

TEST_F(BrokerFallbackTest, TheFallbackListIsStoredAndReturnedAsGiven) {
  json::object s = bursting(60);
  s["conditions"].as_object()["fallback"].as_array().push_back(
      json::object{{"executortype", "far"}, {"locationname", ""}, {"after", 120}});
  const std::string id = submit(s);
  const auto p = process(id);
  EXPECT_EQ(json::serialize(p.at("spec").at("conditions").at("fallback")),
            R"([{"executortype":"cloud","after":60},{"executortype":"far","after":120,"locationname":""}])");
}

}  // namespace
}  // namespace colonies::server::api
