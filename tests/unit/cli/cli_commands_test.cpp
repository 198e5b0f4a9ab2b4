// Command lines become the right messages with the right fields, and replies are printed as
// tables or, with --json, as JSON.
#include <sys/stat.h>

#include <filesystem>
#include <random>

#include "cli/commands/function.hpp"
#include "tests/unit/cli/cli_harness.hpp"

namespace colonies::cli {
namespace {

class CliCommandsTest : public CliHarness {};

boost::json::object process_json(const std::string& id, model::ProcessState state) {
  model::Process p;
  p.processid = id;
  p.state = state;
  p.spec.funcname = "echo";
  p.spec.args = {"hello", 42};
  p.spec.conditions.executortype = "cli";
  p.initiatorname = "alice";
  return model::to_json(p);
}

TEST_F(CliCommandsTest, PsListsRunningProcessesAsATable) {
  member_env();
  script_ok(boost::json::array{process_json("p1", model::ProcessState::Running)});
  ASSERT_EQ(run({"process", "ps"}), 0) << err_.str();
  auto payload = payload_of_last();
  EXPECT_EQ(type_of_last(), "getprocessesmsg");
  EXPECT_EQ(payload.at("state").as_int64(), 1);
  EXPECT_EQ(payload.at("count").as_int64(), 20);
  EXPECT_NE(out_.str().find("PROCESSID"), std::string::npos);
  EXPECT_NE(out_.str().find("p1"), std::string::npos);
  EXPECT_NE(out_.str().find("RUNNING"), std::string::npos);
  EXPECT_NE(out_.str().find("hello 42"), std::string::npos) << out_.str();
}

TEST_F(CliCommandsTest, ListingsMapToTheirStates) {
  member_env();
  const std::pair<const char*, int> listings[] = {{"ps", 1}, {"psw", 0}, {"pss", 2}, {"psf", 3}, {"psc", 4}};
  for (const auto& [name, state] : listings) {
    ASSERT_EQ(run({"process", name, "--count", "5", "--executortype", "cli"}), 0) << name;
    auto payload = payload_of_last();
    EXPECT_EQ(payload.at("state").as_int64(), state) << name;
    EXPECT_EQ(payload.at("count").as_int64(), 5);
    EXPECT_EQ(payload.at("executortype").as_string(), "cli");
  }
}

TEST_F(CliCommandsTest, JsonFlagPrintsJsonInsteadOfATable) {
  member_env();
  script_ok(boost::json::array{process_json("p1", model::ProcessState::Waiting)});
  ASSERT_EQ(run({"process", "psw", "--json"}), 0) << err_.str();
  auto printed = boost::json::parse(out_.str());
  ASSERT_TRUE(printed.is_array());
  EXPECT_EQ(printed.as_array().at(0).at("processid").as_string(), "p1");
}

TEST_F(CliCommandsTest, EmptyListSaysSo) {
  member_env();
  script_ok(nullptr);
  ASSERT_EQ(run({"process", "psf"}), 0);
  EXPECT_EQ(out_.str(), "no FAILED processes in colony dev\n");
}

TEST_F(CliCommandsTest, ExecSubmitsASpecBuiltFromFlags) {
  member_env();
  script_ok(process_json("p9", model::ProcessState::Waiting));
  ASSERT_EQ(run({"function", "exec", "--func", "train", "--args", "a", "b", "--kwargs", "lr=0.1", "--env", "OMP=4",
                 "--targettype", "slurm", "--cpu", "4", "--mem", "8Gi", "--gpus", "2", "--nodes", "3", "--walltime",
                 "600", "--priority", "5"}),
            0)
      << err_.str();
  EXPECT_EQ(type_of_last(), "submitfuncspecmsg");
  auto spec = model::function_spec_from_json(payload_of_last().at("spec"));
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->funcname, "train");
  EXPECT_EQ(spec->args.size(), 2u);
  EXPECT_EQ(spec->kwargs.at("lr").as_string(), "0.1");
  EXPECT_EQ(spec->env.at("OMP"), "4");
  EXPECT_EQ(spec->conditions.colonyname, "dev");
  EXPECT_EQ(spec->conditions.executortype, "slurm");
  EXPECT_EQ(spec->conditions.cpu, "4");
  EXPECT_EQ(spec->conditions.mem, "8Gi");
  EXPECT_EQ(spec->conditions.gpu.count, 2);
  EXPECT_EQ(spec->conditions.nodes, 3);
  EXPECT_EQ(spec->conditions.walltime, 600);
  EXPECT_EQ(spec->priority, 5);
  EXPECT_EQ(spec->maxwaittime, -1);
  EXPECT_EQ(out_.str(), "p9\n");
}

TEST_F(CliCommandsTest, ExecTakesTheTargetTypeFromTheEnvironment) {
  member_env();
  set_env("COLONIES_EXECUTOR_TYPE", "local");
  ASSERT_EQ(run({"function", "exec", "--func", "echo"}), 0) << err_.str();
  auto spec = model::function_spec_from_json(payload_of_last().at("spec"));
  EXPECT_EQ(spec->conditions.executortype, "local");
}

TEST_F(CliCommandsTest, ExecWithoutTargetTypeSaysWhatToSet) {
  member_env();
  EXPECT_EQ(run({"function", "exec", "--func", "echo"}), 2);
  EXPECT_NE(err_.str().find("--targettype or set COLONIES_EXECUTOR_TYPE"), std::string::npos) << err_.str();
}

TEST(BuildExecSpecTest, KwargWithoutEqualsIsRejected) {
  ExecOptions options;
  options.funcname = "f";
  options.targettype = "t";
  options.kwargs = {"oops"};
  auto spec = build_exec_spec(options, "dev");
  ASSERT_FALSE(spec);
  EXPECT_EQ(spec.error().message, "--kwargs 'oops' must look like key=value");
}

TEST(BuildExecSpecTest, FallbacksAreParsedInTheGivenOrder) {
  ExecOptions options;
  options.funcname = "f";
  options.targettype = "hpc";
  options.location = "hpc-centre";
  options.fallback = {"k8s:600", "gcp:1h30m@", "aws:90s@aws-eu"};
  auto spec = build_exec_spec(options, "dev");
  ASSERT_TRUE(spec) << spec.error().message;
  ASSERT_EQ(spec->conditions.fallback.size(), 3u);
  EXPECT_EQ(spec->conditions.fallback[0], (model::Fallback{"k8s", std::nullopt, 600}));
  EXPECT_EQ(spec->conditions.fallback[1], (model::Fallback{"gcp", "", 5400}));
  EXPECT_EQ(spec->conditions.fallback[2], (model::Fallback{"aws", "aws-eu", 90}));
  EXPECT_EQ(spec->conditions.locationname, "hpc-centre");
}

TEST(BuildExecSpecTest, MalformedFallbacksSayWhatIsWrong) {
  const std::pair<const char*, const char*> cases[] = {
      {"k8s", "--fallback 'k8s' has no ':AFTER'"},
      {":600", "--fallback ':600' names no executor type"},
      {"k8s:", "--fallback 'k8s:' has no waiting time"},
      {"k8s:@far", "--fallback 'k8s:@far' has no waiting time"},
      {"k8s:ten", "--fallback 'k8s:ten' "},
      {"k8s:-5m", "--fallback 'k8s:-5m' has a negative waiting time"},
      {"k8s:9999999999999", "--fallback 'k8s:9999999999999' waits too long"},
  };
  for (const auto& [text, message] : cases) {
    SCOPED_TRACE(text);
    auto f = parse_fallback_flag(text);
    ASSERT_FALSE(f);
    EXPECT_NE(f.error().message.find(message), std::string::npos) << f.error().message;
    EXPECT_NE(f.error().message.find("use TYPE:AFTER[@LOCATION]"), std::string::npos) << f.error().message;
  }
}

TEST_F(CliCommandsTest, ColonyAddDefaultsTheIdToTheColonyOwnerKey) {
  set_env("COLONIES_SERVER_PRVKEY", server_key_);
  set_env("COLONIES_COLONY_PRVKEY", colony_key_);
  script_ok(boost::json::object{{"colonyid", id_of(colony_key_)}, {"name", "dev"}});
  ASSERT_EQ(run({"colony", "add", "--name", "dev"}), 0) << err_.str();
  auto colony = payload_of_last().at("colony").as_object();
  EXPECT_EQ(colony.at("colonyid").as_string(), id_of(colony_key_));
  EXPECT_EQ(colony.at("name").as_string(), "dev");
  EXPECT_EQ(signer_of_last(), id_of(server_key_));
}

TEST_F(CliCommandsTest, ExecutorAddWithApproveAddsThenApproves) {
  member_env();
  set_env("COLONIES_COLONY_PRVKEY", colony_key_);
  model::Executor e;
  e.executorname = "e1";
  script_ok(model::to_json(e));
  std::string id = id_of(user_key_);
  ASSERT_EQ(run({"executor", "add", "--name", "e1", "--type", "cli", "--id", id, "--approve"}), 0) << err_.str();
  ASSERT_EQ(sent_->size(), 2u);
  auto added = colonies::testing::sent_payload((*sent_)[0].body).at("executor").as_object();
  EXPECT_EQ(added.at("executorid").as_string(), id);
  EXPECT_EQ(added.at("executortype").as_string(), "cli");
  EXPECT_EQ(added.at("colonyname").as_string(), "dev");
  EXPECT_EQ(type_of_last(), "approveexecutormsg");
  EXPECT_NE(out_.str().find("APPROVED"), std::string::npos) << out_.str();
}

TEST_F(CliCommandsTest, RemoveAllMapsItsFlagToAState) {
  set_env("COLONIES_COLONY_NAME", "dev");
  set_env("COLONIES_COLONY_PRVKEY", colony_key_);
  ASSERT_EQ(run({"process", "removeall", "--failed"}), 0) << err_.str();
  EXPECT_EQ(payload_of_last().at("state").as_int64(), 3);
  ASSERT_EQ(run({"process", "removeall"}), 0);
  EXPECT_EQ(payload_of_last().at("state").as_int64(), -1);
  EXPECT_EQ(run({"process", "removeall", "--failed", "--waiting"}), 2);
}

TEST_F(CliCommandsTest, CloseSendsOutputValues) {
  member_env();
  ASSERT_EQ(run({"process", "close", "-p", "p1", "--out", "x", "y"}), 0) << err_.str();
  auto payload = payload_of_last();
  EXPECT_EQ(type_of_last(), "closesuccessfulmsg");
  EXPECT_EQ(payload.at("out").as_array().size(), 2u);
}

TEST_F(CliCommandsTest, AssignTimeoutIsReportedAsNoProcess) {
  member_env();
  script_error(408, "no process within 1 s");
  EXPECT_EQ(run({"process", "assign", "--timeout", "1"}), 1);
  EXPECT_NE(err_.str().find("no process assigned within 1s"), std::string::npos) << err_.str();
  EXPECT_EQ(payload_of_last().at("timeout").as_int64(), 1);
}

TEST_F(CliCommandsTest, SecurityGenerateKeyMatchesItsId) {
  ASSERT_EQ(run({"security", "generate", "--json"}), 0);
  auto printed = boost::json::parse(out_.str()).as_object();
  std::string key(printed.at("prvkey").as_string());
  EXPECT_EQ(printed.at("id").as_string(), id_of(key));
  set_env("COLONIES_PRVKEY", key);
  ASSERT_EQ(run({"security", "id"}), 0);
  EXPECT_NE(out_.str().find(id_of(key)), std::string::npos);
}

TEST_F(CliCommandsTest, SecurityGenerateOutWritesAnOwnerOnlyFileAndPrintsOnlyTheId) {
  const auto dir = std::filesystem::temp_directory_path() / ("cli-generate-" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / "user.key").string();
  ASSERT_EQ(run({"security", "generate", "--out", path, "--json"}), 0) << err_.str();
  auto printed = boost::json::parse(out_.str()).as_object();
  EXPECT_FALSE(printed.contains("prvkey"));
  EXPECT_EQ(printed.at("prvkeyfile").as_string(), path);
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  // The file is what --prvkey-file and COLONIES_PRVKEY_FILE read: its ID is the one printed.
  set_env("COLONIES_PRVKEY_FILE", path);
  out_.str("");
  ASSERT_EQ(run({"security", "id", "--json"}), 0) << err_.str();
  EXPECT_EQ(boost::json::parse(out_.str()).at("id"), printed.at("id"));
  // A second generate never overwrites the key.
  EXPECT_EQ(run({"security", "generate", "--out", path}), 2);
  EXPECT_NE(err_.str().find("already exists"), std::string::npos) << err_.str();
  std::filesystem::remove_all(dir);
}

TEST_F(CliCommandsTest, LogGetNeedsProcessOrExecutor) {
  member_env();
  EXPECT_EQ(run({"log", "get"}), 2);
  EXPECT_EQ(run({"log", "get", "-p", "x", "-e", "y"}), 2);
  ASSERT_EQ(run({"log", "get", "-e", "worker-1", "--count", "7"}), 0) << err_.str();
  auto payload = payload_of_last();
  EXPECT_EQ(payload.at("executorname").as_string(), "worker-1");
  EXPECT_EQ(payload.at("count").as_int64(), 7);
}

TEST_F(CliCommandsTest, LogSearchSendsTextDaysAndCount) {
  member_env();
  ASSERT_EQ(run({"log", "search", "-t", "oom"}), 0) << err_.str();
  auto payload = payload_of_last();
  EXPECT_EQ(type_of_last(), "searchlogsmsg");
  EXPECT_EQ(payload.at("text").as_string(), "oom");
  EXPECT_EQ(payload.at("days").as_int64(), 1);
  EXPECT_EQ(payload.at("count").as_int64(), 10);
}

TEST_F(CliCommandsTest, ServerStartExplainsWhenColoniesdIsMissing) {
  env_.self_path = "/nonexistent/dir/colonies";
  bool executed = false;
  env_.exec = [&](const std::string&, const std::vector<std::string>&) {
    executed = true;
    return -1;
  };
  EXPECT_EQ(run({"server", "start"}), 2);
  EXPECT_FALSE(executed);
  EXPECT_NE(err_.str().find("/nonexistent/dir/coloniesd"), std::string::npos) << err_.str();
}

}  // namespace
}  // namespace colonies::cli
