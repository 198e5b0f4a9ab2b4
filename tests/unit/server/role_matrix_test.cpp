// The role matrix: every message type the broker registers, sent by every caller role, against
// the role rules of reference/colonies-spec.md §1 and §2.3. Wrong roles must get 403 (401 when
// unsigned); allowed roles must get neither. A message without a rule here fails the suite, so
// a new message cannot ship without deciding who may send it.
#include <functional>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "core/protocol/messages.hpp"
#include "tests/support/broker_harness.hpp"

namespace colonies::server::api {
namespace {

namespace json = boost::json;
using testing::BrokerHarness;
using testing::describe;
using testing::Identity;

enum class Role {
  Unsigned,       // no signature at all
  Unknown,        // a valid signature by a key nobody registered
  ServerOwner,
  ColonyOwner,    // of "alpha", the colony every payload names
  Executor,       // approved executor of alpha (and the one running `running`)
  Pending,        // executor of alpha, added but not approved
  User,           // user of alpha
  OtherExecutor,  // approved executor of colony "beta"
  OtherUser,      // user of beta
};
constexpr Role kAllRoles[] = {Role::Unsigned, Role::Unknown,  Role::ServerOwner,   Role::ColonyOwner, Role::Executor,
                              Role::Pending,  Role::User,     Role::OtherExecutor, Role::OtherUser};

std::string name_of(Role r) {
  switch (r) {
    case Role::Unsigned: return "unsigned";
    case Role::Unknown: return "unknown key";
    case Role::ServerOwner: return "server owner";
    case Role::ColonyOwner: return "colony owner";
    case Role::Executor: return "approved executor";
    case Role::Pending: return "pending executor";
    case Role::User: return "user";
    case Role::OtherExecutor: return "executor of another colony";
    case Role::OtherUser: return "user of another colony";
  }
  return "?";
}

// A fresh server with every role present, a function registered by the executor, a RUNNING
// process held by the executor (with an attribute) and a WAITING one.
struct World {
  World() : alpha(h.add_colony("alpha")), beta(h.add_colony("beta")) {
    unknown = h.new_identity("unknown");
    executor = h.add_executor(alpha, "exec");
    pending = h.add_executor(alpha, "pending", "worker", /*approve=*/false);
    user = h.add_user(alpha, "user");
    other_executor = h.add_executor(beta, "other-exec");
    other_user = h.add_user(beta, "other-user");
    location = "loc";
    expect_ok(h.call(alpha.owner, protocol::msg::kAddLocation,
                     {{"location", json::object{{"name", location}, {"colonyname", "alpha"}}}}));
    auto fun = h.call(executor, protocol::msg::kAddFunction,
                      {{"fun", json::object{{"executorname", "exec"}, {"colonyname", "alpha"}, {"funcname", "fn"}}}});
    expect_ok(fun);
    function_id = string_field(fun, "functionid");
    json::object s = BrokerHarness::spec("alpha");
    s["env"] = json::object{{"K", "V"}};
    s["channels"] = json::array{"chat"};
    running = string_field_of(h.submit(user, s), "processid");
    auto assigned = h.assign(executor, "alpha");
    expect_ok(assigned);
    const auto& attributes = assigned.payload.at("attributes").as_array();
    if (!attributes.empty()) attribute_id = std::string(attributes[0].at("attributeid").as_string());
    // A workflow whose root runs on the executor (for addchildmsg), then a waiting one.
    auto graph = h.call(user, protocol::msg::kSubmitWorkflowSpec, {{"spec", workflow_spec("root")}});
    expect_ok(graph);
    running_graph = string_field(graph, "processgraphid");
    auto root = h.assign(executor, "alpha");
    expect_ok(root);
    graph_node = string_field(root, "processid");
    waiting = string_field_of(h.submit(user, BrokerHarness::spec("alpha")), "processid");
    auto waiting_workflow = h.call(user, protocol::msg::kSubmitWorkflowSpec, {{"spec", workflow_spec("only")}});
    expect_ok(waiting_workflow);
    waiting_graph = string_field(waiting_workflow, "processgraphid");
    expect_ok(h.call(executor, protocol::msg::kAddLog, {{"processid", running}, {"message", "hello log"}}));
    auto cron = h.call(user, protocol::msg::kAddCron, {{"cron", cron_payload("nightly")}});
    expect_ok(cron);
    cron_id = string_field(cron, "cronid");
    auto generator = h.call(user, protocol::msg::kAddGenerator, {{"generator", generator_payload("batcher")}});
    expect_ok(generator);
    generator_id = string_field(generator, "generatorid");
    EXPECT_FALSE(running.empty() || waiting.empty() || function_id.empty() || attribute_id.empty() ||
                 cron_id.empty() || generator_id.empty());
    EXPECT_FALSE(running_graph.empty() || graph_node.empty() || waiting_graph.empty());
  }

  static std::string workflow_text() {
    json::object node = BrokerHarness::spec("alpha");
    node["nodename"] = "only";
    return json::serialize(json::object{{"colonyname", "alpha"}, {"functionspecs", json::array{node}}});
  }
  static json::object cron_payload(const std::string& name) {
    return {{"colonyname", "alpha"}, {"name", name}, {"interval", 3600}, {"workflowspec", workflow_text()}};
  }
  static json::object generator_payload(const std::string& name) {
    return {{"colonyname", "alpha"}, {"name", name}, {"trigger", 5}, {"workflowspec", workflow_text()}};
  }
  static json::object workflow_spec(const std::string& root) {
    json::object child = BrokerHarness::spec("alpha");
    child["nodename"] = root + "-child";
    child["conditions"].as_object()["dependencies"] = json::array{json::value(root)};
    json::object first = BrokerHarness::spec("alpha");
    first["nodename"] = root;
    return json::object{{"colonyname", "alpha"}, {"functionspecs", json::array{first, child}}};
  }

  static void expect_ok(const ApiReply& r) { EXPECT_EQ(r.status, 200) << "world set-up: " << describe(r); }
  static std::string string_field_of(const json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  }
  static std::string string_field(const ApiReply& r, const char* key) {
    return r.payload.is_object() ? string_field_of(r.payload.as_object(), key) : std::string();
  }

  const Identity* identity(Role r) const {
    switch (r) {
      case Role::Unsigned: return nullptr;
      case Role::Unknown: return &unknown;
      case Role::ServerOwner: return &h.server_owner();
      case Role::ColonyOwner: return &alpha.owner;
      case Role::Executor: return &executor;
      case Role::Pending: return &pending;
      case Role::User: return &user;
      case Role::OtherExecutor: return &other_executor;
      case Role::OtherUser: return &other_user;
    }
    return nullptr;
  }

  ApiReply send(Role r, std::string_view type, json::object payload) {
    const Identity* who = identity(r);
    return who ? h.call(*who, type, std::move(payload)) : h.call_unsigned(type, std::move(payload));
  }

  std::string fresh_id() const { return h.new_identity().id; }

  BrokerHarness h;
  BrokerHarness::Colony alpha;
  BrokerHarness::Colony beta;
  Identity unknown, executor, pending, user, other_executor, other_user;
  std::string location, function_id, running, waiting, attribute_id, running_graph, graph_node, waiting_graph, cron_id,
      generator_id;
};

using Payload = std::function<json::object(World&, Role)>;
struct Rule {
  std::set<Role> allowed;
  Payload payload;
};

const std::set<Role> kAnyone(std::begin(kAllRoles), std::end(kAllRoles));
const std::set<Role> kServer{Role::ServerOwner};
const std::set<Role> kOwner{Role::ColonyOwner};
const std::set<Role> kMember{Role::Executor, Role::User};                  // approved members
const std::set<Role> kMemberInclPending{Role::Executor, Role::Pending, Role::User};
const std::set<Role> kExecutor{Role::Executor};                            // the approved / assigned executor
const std::set<Role> kExecutorItself{Role::Executor, Role::Pending};       // membership without approval + self

json::object colony_only(World&, Role) { return {{"colonyname", "alpha"}}; }
json::object nothing(World&, Role) { return {}; }
// For messages an executor sends about itself: it names itself; anyone else names "exec".
std::string self_name(Role r) { return r == Role::Pending ? "pending" : "exec"; }

// ColonyFS fixtures, created inside a payload function (each role gets a fresh World).
json::object file_json() {
  const std::string sum(64, 'a');
  return {{"colonyname", "alpha"}, {"label", "/data"}, {"name", "x.txt"}, {"size", 3}, {"checksum", sum},
          {"checksumalg", "SHA256"}, {"ref", json::object{{"protocol", "dir"}, {"s3object", json::object{{"object", sum}}}}}};
}
std::string add_file(World& w) {
  auto r = w.h.call(w.user, protocol::msg::kAddFile, {{"file", file_json()}});
  World::expect_ok(r);
  return World::string_field(r, "fileid");
}
std::string add_snapshot(World& w) {
  add_file(w);
  auto r = w.h.call(w.user, protocol::msg::kCreateSnapshot, {{"colonyname", "alpha"}, {"label", "/data"}, {"name", "snap"}});
  World::expect_ok(r);
  return World::string_field(r, "snapshotid");
}

// Roles per spec §1/§2.3 ("member" = approved executor or user; the colony owner and the server
// owner are not members).
const std::map<std::string, Rule>& rules() {
  static const std::map<std::string, Rule> table = {
      {"versionmsg", {kAnyone, nothing}},
      {"getserverinfomsg", {kAnyone, nothing}},
      {"getstatisticsmsg", {kServer, nothing}},
      {"getclustermsg", {kServer, nothing}},
      {"changeserveridmsg", {kServer, [](World& w, Role) { return json::object{{"serverid", w.fresh_id()}}; }}},
      {"addcolonymsg",
       {kServer,
        [](World& w, Role) {
          return json::object{{"colony", json::object{{"colonyid", w.fresh_id()}, {"name", "gamma"}}}};
        }}},
      {"removecolonymsg", {kServer, colony_only}},
      {"getcolonymsg", {kMember, colony_only}},
      {"getcoloniesmsg", {kServer, nothing}},
      {"getcolonystatsmsg", {kMember, colony_only}},
      {"changecolonyidmsg",
       {kOwner, [](World& w, Role) { return json::object{{"colonyname", "alpha"}, {"colonyid", w.fresh_id()}}; }}},
      {"addusermsg",
       {kOwner,
        [](World& w, Role) {
          return json::object{
              {"user", json::object{{"colonyname", "alpha"}, {"userid", w.fresh_id()}, {"name", "new-user"}}}};
        }}},
      {"getusersmsg", {kMemberInclPending, colony_only}},
      {"getusermsg", {kMemberInclPending, [](World&, Role) { return json::object{{"colonyname", "alpha"}, {"name", "user"}}; }}},
      {"getuserbyidmsg",
       {kMemberInclPending, [](World& w, Role) { return json::object{{"colonyname", "alpha"}, {"userid", w.user.id}}; }}},
      {"removeusermsg", {kOwner, [](World&, Role) { return json::object{{"colonyname", "alpha"}, {"name", "user"}}; }}},
      {"changeuseridmsg",
       {{Role::User}, [](World& w, Role) { return json::object{{"colonyname", "alpha"}, {"userid", w.fresh_id()}}; }}},
      {"addexecutormsg",
       {kOwner,
        [](World& w, Role) {
          return json::object{{"executor", json::object{{"executorid", w.fresh_id()},
                                                        {"executortype", "worker"},
                                                        {"executorname", "new-exec"},
                                                        {"colonyname", "alpha"}}}};
        }}},
      {"getexecutorsmsg", {kMemberInclPending, colony_only}},
      {"getexecutormsg", {kMember, [](World&, Role) { return json::object{{"colonyname", "alpha"}, {"executorname", "exec"}}; }}},
      {"getexecutorbyidmsg",
       {kMember, [](World& w, Role) { return json::object{{"colonyname", "alpha"}, {"executorid", w.executor.id}}; }}},
      {"approveexecutormsg",
       {kOwner, [](World&, Role) { return json::object{{"colonyname", "alpha"}, {"executorname", "pending"}}; }}},
      {"rejectexecutormsg",
       {kOwner, [](World&, Role) { return json::object{{"colonyname", "alpha"}, {"executorname", "pending"}}; }}},
      {"removeexecutormsg",
       {kOwner, [](World&, Role) { return json::object{{"colonyname", "alpha"}, {"executorname", "pending"}}; }}},
      {"reportallocationmsg",
       {kExecutorItself,
        [](World&, Role r) {
          return json::object{{"colonyname", "alpha"},
                              {"executorname", self_name(r)},
                              {"allocations", json::object{{"projects", json::object{}}}}};
        }}},
      {"updateexecutormsg",
       {kExecutorItself,
        [](World&, Role r) {
          return json::object{{"colonyname", "alpha"},
                              {"executorname", self_name(r)},
                              {"capabilities", json::object{{"hardware", json::array{}}, {"software", json::array{}}}}};
        }}},
      {"changeexecutoridmsg",
       {kExecutorItself,
        [](World& w, Role r) {
          return json::object{{"colonyname", "alpha"}, {"executorname", self_name(r)}, {"executorid", w.fresh_id()}};
        }}},
      {"addfunctionmsg",
       {kExecutor,
        [](World&, Role) {
          return json::object{
              {"fun", json::object{{"executorname", "exec"}, {"colonyname", "alpha"}, {"funcname", "new-fn"}}}};
        }}},
      {"getfunctionsmsg",
       {kMember, [](World&, Role) { return json::object{{"colonyname", "alpha"}, {"executorname", ""}}; }}},
      {"removefunctionmsg", {kExecutor, [](World& w, Role) { return json::object{{"functionid", w.function_id}}; }}},
      {"submitfuncspecmsg", {kMember, [](World&, Role) { return json::object{{"spec", BrokerHarness::spec("alpha")}}; }}},
      {"assignprocessmsg", {kExecutor, [](World&, Role) { return json::object{{"colonyname", "alpha"}, {"timeout", -1}}; }}},
      // Batches: the request's role rule is the single form's membership; holding each process
      // is checked per item (broker_batches_test.cpp), so a user gets a per-item 403, not a 403.
      {"submitfuncspecsmsg",
       {kMember, [](World&, Role) { return json::object{{"specs", json::array{BrokerHarness::spec("alpha")}}}; }}},
      {"assignprocessesmsg",
       {kExecutor, [](World&, Role) { return json::object{{"colonyname", "alpha"}, {"timeout", -1}, {"count", 2}}; }}},
      {"closeprocessesmsg",
       {kMember, [](World& w, Role) {
          return json::object{{"closes", json::array{json::object{{"processid", w.running}, {"successful", true}}}}};
        }}},
      {"getprocessmsg", {kMember, [](World& w, Role) { return json::object{{"processid", w.running}}; }}},
      {"getprocessesmsg",
       {kMember, [](World&, Role) { return json::object{{"colonyname", "alpha"}, {"count", 10}, {"state", 0}}; }}},
      {"getprocesshistmsg",
       {kMember,
        [](World&, Role) {
          return json::object{{"colonyname", "alpha"}, {"executorid", ""}, {"seconds", 3600}, {"state", -1}};
        }}},
      {"removeprocessmsg",
       {kMember, [](World& w, Role) { return json::object{{"processid", w.waiting}, {"all", false}}; }}},
      {"removeallprocessesmsg", {kOwner, [](World&, Role) { return json::object{{"colonyname", "alpha"}, {"state", -1}}; }}},
      {"closesuccessfulmsg",
       {kExecutor, [](World& w, Role) { return json::object{{"processid", w.running}, {"out", json::array{}}}; }}},
      {"closefailedmsg",
       {kExecutor, [](World& w, Role) { return json::object{{"processid", w.running}, {"errors", json::array{"x"}}}; }}},
      {"setoutputmsg",
       {kExecutor, [](World& w, Role) { return json::object{{"processid", w.running}, {"out", json::array{"y"}}}; }}},
      {"cancelprocessmsg", {kMember, [](World& w, Role) { return json::object{{"processid", w.waiting}}; }}},
      {"pauseassignmentsmsg", {kOwner, colony_only}},
      {"resumeassignmentsmsg", {kOwner, colony_only}},
      {"getpausestatusmsg", {kMemberInclPending, colony_only}},
      {"addattributemsg",
       {kExecutor,
        [](World& w, Role) {
          return json::object{{"attribute", json::object{{"targetid", w.running},
                                                         {"attributetype", 1},
                                                         {"key", "k"},
                                                         {"value", "v"}}}};
        }}},
      {"getattributemsg", {kMember, [](World& w, Role) { return json::object{{"attributeid", w.attribute_id}}; }}},
      {"addlogmsg",
       {kExecutor, [](World& w, Role) { return json::object{{"processid", w.running}, {"message", "m"}}; }}},
      {"addexecutorlogmsg",
       {kExecutor,
        [](World&, Role) { return json::object{{"colonyname", "alpha"}, {"executorname", "exec"}, {"message", "m"}}; }}},
      {"getlogsmsg",
       {kMember, [](World& w, Role) { return json::object{{"colonyname", "alpha"}, {"processid", w.running}, {"count", 10}}; }}},
      {"searchlogsmsg",
       {kMember,
        [](World&, Role) {
          return json::object{{"colonyname", "alpha"}, {"text", "hello"}, {"days", 1}, {"count", 10}};
        }}},
      // Channels: only the submitter (the user) and the assigned executor of the process.
      {"channelappendmsg",
       {kMember,
        [](World& w, Role) {
          return json::object{{"processid", w.running}, {"name", "chat"},  {"sequence", 1}, {"inreplyto", 0},
                              {"payload", "aGk="},      {"payloadtype", "data"}};
        }}},
      // The audit ledger: the server owner reads all of it, a colony owner the entries of their
      // colony (docs/audit.md); the head is the server owner's.
      {"getauditmsg", {{Role::ServerOwner, Role::ColonyOwner}, colony_only}},
      {"getauditheadmsg", {kServer, nothing}},
      {"channelreadmsg",
       {kMember,
        [](World& w, Role) {
          return json::object{{"processid", w.running}, {"name", "chat"}, {"afterseq", 0}, {"limit", 10}};
        }}},
      {"addlocationmsg",
       {kOwner,
        [](World&, Role) {
          return json::object{{"location", json::object{{"name", "new-loc"}, {"colonyname", "alpha"}}}};
        }}},
      {"submitworkflowspecmsg", {kMember, [](World&, Role) { return json::object{{"spec", World::workflow_spec("new")}}; }}},
      {"getprocessgraphmsg",
       {kMember, [](World& w, Role) { return json::object{{"processgraphid", w.running_graph}}; }}},
      {"getprocessgraphsmsg",
       {kMember, [](World&, Role) { return json::object{{"colonyname", "alpha"}, {"count", 10}, {"state", -1}}; }}},
      {"removeprocessgraphmsg",
       {kMember, [](World& w, Role) { return json::object{{"processgraphid", w.waiting_graph}, {"all", false}}; }}},
      {"removeallprocessgraphsmsg",
       {kOwner, [](World&, Role) { return json::object{{"colonyname", "alpha"}, {"state", -1}}; }}},
      {"cancelprocessgraphmsg",
       {kMember, [](World& w, Role) { return json::object{{"processgraphid", w.waiting_graph}}; }}},
      {"addchildmsg",
       {kExecutor,
        [](World& w, Role) {
          json::object spec = BrokerHarness::spec("alpha");
          spec["nodename"] = "added";
          return json::object{{"processgraphid", w.running_graph},
                              {"parentprocessid", w.graph_node},
                              {"spec", spec},
                              {"insert", false}};
        }}},
      {"getlocationsmsg", {kMemberInclPending, colony_only}},
      {"getlocationmsg", {kMemberInclPending, [](World& w, Role) { return json::object{{"colonyname", "alpha"}, {"name", w.location}}; }}},
      {"removelocationmsg",
       {kOwner, [](World& w, Role) { return json::object{{"colonyname", "alpha"}, {"name", w.location}}; }}},
      // ColonyFS (spec §2.3: approved members of the named colony).
      {"addfilemsg", {kMember, [](World&, Role) { return json::object{{"file", file_json()}}; }}},
      {"getfilemsg",
       {kMember, [](World& w, Role) { return json::object{{"colonyname", "alpha"}, {"fileid", add_file(w)}}; }}},
      {"getfilesmsg",
       {kMember, [](World& w, Role) {
          add_file(w);
          return json::object{{"colonyname", "alpha"}, {"label", "/data"}};
        }}},
      {"getfilelabelsmsg",
       {kMember, [](World& w, Role) {
          add_file(w);
          return json::object{{"colonyname", "alpha"}, {"name", ""}, {"exact", false}};
        }}},
      {"removefilemsg",
       {kMember, [](World& w, Role) { return json::object{{"colonyname", "alpha"}, {"fileid", add_file(w)}}; }}},
      {"createsnapshotmsg",
       {kMember, [](World& w, Role) {
          add_file(w);
          return json::object{{"colonyname", "alpha"}, {"label", "/data"}, {"name", "new-snap"}};
        }}},
      {"getsnapshotmsg",
       {kMember, [](World& w, Role) { return json::object{{"colonyname", "alpha"}, {"snapshotid", add_snapshot(w)}}; }}},
      {"getsnapshotsmsg",
       {kMember, [](World& w, Role) {
          add_snapshot(w);
          return json::object{{"colonyname", "alpha"}};
        }}},
      {"removesnapshotmsg",
       {kMember, [](World& w, Role) { return json::object{{"colonyname", "alpha"}, {"snapshotid", add_snapshot(w)}}; }}},
      {"removeallsnapshotmsg",
       {kMember, [](World& w, Role) {
          add_snapshot(w);
          return json::object{{"colonyname", "alpha"}};
        }}},
      // Crons and generators: approved members of the colony they belong to.
      {"addcronmsg", {kMember, [](World&, Role r) { return json::object{{"cron", World::cron_payload("c-" + name_of(r))}}; }}},
      {"getcronmsg", {kMember, [](World& w, Role) { return json::object{{"cronid", w.cron_id}}; }}},
      {"getcronsmsg", {kMember, colony_only}},
      {"runcronmsg", {kMember, [](World& w, Role) { return json::object{{"cronid", w.cron_id}}; }}},
      {"removecronmsg", {kMember, [](World& w, Role) { return json::object{{"cronid", w.cron_id}}; }}},
      {"addgeneratormsg",
       {kMember, [](World&, Role r) { return json::object{{"generator", World::generator_payload("g-" + name_of(r))}}; }}},
      {"getgeneratormsg", {kMember, [](World& w, Role) { return json::object{{"generatorid", w.generator_id}}; }}},
      {"resolvegeneratormsg",
       {kMember, [](World&, Role) { return json::object{{"colonyname", "alpha"}, {"generatorname", "batcher"}}; }}},
      {"getgeneratorsmsg", {kMember, colony_only}},
      {"packgeneratormsg",
       {kMember, [](World& w, Role) { return json::object{{"generatorid", w.generator_id}, {"arg", "x"}}; }}},
      {"removegeneratormsg", {kMember, [](World& w, Role) { return json::object{{"generatorid", w.generator_id}}; }}},
  };
  return table;
}

std::vector<std::string> registered_types() {
  BrokerHarness h;
  return h.broker().message_types();
}

int expected_refusal(Role r) { return r == Role::Unsigned ? 401 : 403; }

TEST(RoleMatrixTest, EveryMessageTypeHasARoleRule) {
  const auto types = registered_types();
  EXPECT_GE(types.size(), 60u);
  for (const auto& type : types) {
    EXPECT_TRUE(rules().contains(type)) << "no role rule for '" << type
                                        << "': add it to rules() in role_matrix_test.cpp";
  }
  for (const auto& [type, _] : rules()) {
    EXPECT_NE(std::ranges::find(types, type), types.end()) << "rule for a message the broker does not handle: " << type;
  }
}

TEST(RoleMatrixTest, RefusesEveryWrongRole) {
  int checked = 0;
  for (const auto& type : registered_types()) {
    auto it = rules().find(type);
    if (it == rules().end()) continue;  // reported by EveryMessageTypeHasARoleRule
    for (Role role : kAllRoles) {
      if (it->second.allowed.contains(role)) continue;
      World w;
      auto reply = w.send(role, type, it->second.payload(w, role));
      EXPECT_EQ(reply.status, expected_refusal(role)) << type << " sent by " << name_of(role) << ": " << describe(reply);
      ++checked;
    }
  }
  EXPECT_GT(checked, 300) << "the matrix hardly ran";
}

TEST(RoleMatrixTest, AcceptsEveryAllowedRole) {
  int checked = 0;
  for (const auto& type : registered_types()) {
    auto it = rules().find(type);
    if (it == rules().end()) continue;
    for (Role role : it->second.allowed) {
      World w;
      auto reply = w.send(role, type, it->second.payload(w, role));
      EXPECT_NE(reply.status, 401) << type << " sent by " << name_of(role) << ": " << describe(reply);
      EXPECT_NE(reply.status, 403) << type << " sent by " << name_of(role) << ": " << describe(reply);
      // The payloads are valid, so an allowed role should succeed outright.
      EXPECT_EQ(reply.status, 200) << type << " sent by " << name_of(role) << ": " << describe(reply);
      ++checked;
    }
  }
  EXPECT_GT(checked, 80) << "the matrix hardly ran";
}

TEST(RoleMatrixTest, AnotherApprovedExecutorMayNotActOnAProcessItDoesNotHold) {
  for (const char* type : {"closesuccessfulmsg", "closefailedmsg", "setoutputmsg", "addlogmsg", "addattributemsg",
                           "addchildmsg", "channelappendmsg", "channelreadmsg"}) {
    World w;
    Identity second = w.h.add_executor(w.alpha, "exec-2");
    auto payload = rules().at(type).payload(w, Role::Executor);
    auto reply = w.h.call(second, type, payload);
    EXPECT_EQ(reply.status, 403) << type << ": " << describe(reply);
  }
}

// Messages a member may send without approval, and those an executor sends about itself: an
// executor that was rejected or removed (UNREGISTERED) is no longer a member (spec §1;
// server/auth/roles.hpp: "never REJECTED or UNREGISTERED").
const char* const kMessagesWithoutApproval[] = {
    "getusersmsg",       "getusermsg",     "getuserbyidmsg",    "getexecutorsmsg",   "getpausestatusmsg",
    "getlocationsmsg",   "getlocationmsg", "reportallocationmsg", "updateexecutormsg", "changeexecutoridmsg"};

void expect_former_executor_refused(const char* removal) {
  for (const char* type : kMessagesWithoutApproval) {
    World w;
    auto removed = w.h.call(w.alpha.owner, removal, {{"colonyname", "alpha"}, {"executorname", "pending"}});
    ASSERT_EQ(removed.status, 200) << removal << ": " << describe(removed);
    auto reply = w.send(Role::Pending, type, rules().at(type).payload(w, Role::Pending));
    EXPECT_EQ(reply.status, 403) << type << " sent by an executor after " << removal << ": " << describe(reply);
  }
}

TEST(RoleMatrixTest, RejectedExecutorIsNoLongerAMember) { expect_former_executor_refused("rejectexecutormsg"); }

TEST(RoleMatrixTest, RemovedExecutorIsNoLongerAMember) { expect_former_executor_refused("removeexecutormsg"); }

}  // namespace
}  // namespace colonies::server::api
