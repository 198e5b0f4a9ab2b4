// The Kubernetes executor end to end: a real coloniesd over loopback, the real
// colonies-k8s-executor binary (configured through a kubeconfig, flags and environment as an
// operator would), and the scripted fake Kubernetes API server in this test process. Checks what
// users see (state, output, errors, logs) and what the cluster sees (Jobs created once, deleted
// with Background propagation), including a reattach after the executor is killed.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "client/client.hpp"
#include "tests/integration/executors/colony_test.hpp"
#include "tests/support/fake_kube_api.hpp"

namespace colonies::executors {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using testing::FakeKubeApi;

using it::id_of;
using it::sodium;

class K8sExecutorTest : public it::ColonyTest {
 protected:
  void SetUp() override {
    it::ColonyTest::SetUp();
    type_ = it::test_slug("k8s-");
    dir_ = fs::temp_directory_path() / fmt::format("colonies-k8s-it-{}-{}", ::getpid(), type_);
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    fake_ = FakeKubeApi::start({"it-token"});
    ASSERT_TRUE(fake_);
    std::ofstream(dir_ / "kubeconfig") << fmt::format(R"(apiVersion: v1
kind: Config
current-context: fake
clusters:
- name: fake
  cluster:
    server: http://127.0.0.1:{}
contexts:
- name: fake
  context:
    cluster: fake
    user: executor
    namespace: colonies
users:
- name: executor
  user:
    token: it-token
)",
                                                      fake_->port());
    executor_key_ = sodium().generate_private_key();
  }

  void TearDown() override {
    stop_executor(SIGTERM);
    fake_.reset();
    fs::remove_all(dir_);
  }

  // Starts the binary and waits until the executor is registered (it appears in the colony).
  void start_executor() {
    const std::string host_env = "COLONIES_SERVER_HOST=127.0.0.1";
    const std::string port_env = fmt::format("COLONIES_SERVER_HTTP_PORT={}", server_->port());
    const std::string colony_env = fmt::format("COLONIES_COLONY_NAME={}", kColony);
    const std::string key_env = "COLONIES_EXECUTOR_PRVKEY=" + executor_key_;
    const std::string colony_key_env = "COLONIES_COLONY_PRVKEY=" + colony_key_;
    const std::string path_env = std::string("PATH=") + (std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin");
    std::vector<std::string> args{K8S_EXECUTOR_PATH, "--kubeconfig", (dir_ / "kubeconfig").string(),
                                  "--name", type_, "--type", type_, "--default-image", "busybox:1.36",
                                  "--poll-interval", "0.1", "--poll-timeout", "1", "--log-level", "debug",
                                  "--spool-dir", (dir_ / "spool").string()};
    std::vector<std::string> env{host_env, port_env, colony_env, key_env, colony_key_env, path_env};
    pid_ = it::spawn(args, env, (dir_ / "executor.log").string());
    ASSERT_GT(pid_, 0);
    auto until = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < until) {
      auto executors = user_->get_executors(kColony);  // a member's view
      if (executors) {
        for (const auto& e : *executors) {
          if (e.executorname == type_ && e.state == model::ExecutorState::Approved) return;
        }
      }
      std::this_thread::sleep_for(50ms);
    }
    FAIL() << "executor did not register; its log:\n" << executor_log();
  }

  void stop_executor(int sig) {
    if (pid_ <= 0) return;
    ::kill(pid_, sig);
    int status = 0;
    auto until = std::chrono::steady_clock::now() + 20s;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > until) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(20ms);
    }
    pid_ = -1;
  }

  std::string executor_log() {
    std::ifstream in(dir_ / "executor.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  model::Process submit(std::string funcname, std::vector<std::string> args,
                        std::function<void(model::FunctionSpec&)> adjust = {}) {
    model::FunctionSpec spec;
    spec.funcname = std::move(funcname);
    for (auto& a : args) spec.args.push_back(boost::json::string(a));
    spec.conditions.colonyname = kColony;
    spec.conditions.executortype = type_;
    spec.conditions.mem = "128Mi";
    spec.maxexectime = -1;
    if (adjust) adjust(spec);
    auto p = user_->submit(spec);
    EXPECT_TRUE(p) << p.error().message;
    return p.value_or(model::Process{});
  }

  // As the fixture's, and shows the executor's log when the process did not get there.
  model::Process wait_for(const std::string& id, const std::function<bool(const model::Process&)>& done,
                          std::chrono::milliseconds limit = 30s) {
    model::Process last = it::ColonyTest::wait_for(id, done, limit);
    if (!done(last)) ADD_FAILURE() << "executor log:\n" << executor_log();
    return last;
  }

  model::Process wait_final(const std::string& id) {
    return wait_for(id, [](const model::Process& p) { return model::is_final(p.state); });
  }

  bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit = 30s) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      if (condition()) return true;
      std::this_thread::sleep_for(50ms);
    }
    return condition();
  }

  std::string type_;
  std::string executor_key_;
  fs::path dir_;
  std::unique_ptr<FakeKubeApi> fake_;
  pid_t pid_ = -1;
};

TEST_F(K8sExecutorTest, SuccessfulJobClosesTheProcessWithItsLogAsOutput) {
  start_executor();
  auto p = submit("print", {"alpha", "beta gamma"});
  auto done = wait_final(p.processid);
  EXPECT_EQ(done.state, model::ProcessState::Success) << executor_log();
  EXPECT_EQ(done.out, (boost::json::array{"alpha", "beta gamma"}));
  EXPECT_EQ(logs_of(p.processid), "alpha\nbeta gamma\n");
  EXPECT_TRUE(eventually([&] { return fake_->job_names().empty(); })) << "the finished Job is deleted";
  EXPECT_EQ(fake_->count("POST", "/apis/batch/v1/namespaces/colonies/jobs"), 1);
}

TEST_F(K8sExecutorTest, NonZeroExitCodeFailsTheProcess) {
  start_executor();
  auto p = submit("fail", {"7"});
  auto done = wait_final(p.processid);
  EXPECT_EQ(done.state, model::ProcessState::Failed);
  EXPECT_EQ(done.errors, (std::vector<std::string>{"exit code 7", "failing with 7"}));
}

TEST_F(K8sExecutorTest, OomKilledFailsTheProcessWithTheReason) {
  start_executor();
  auto p = submit("oom", {});
  auto done = wait_final(p.processid);
  EXPECT_EQ(done.state, model::ProcessState::Failed);
  ASSERT_FALSE(done.errors.empty());
  EXPECT_EQ(done.errors[0],
            "out of memory: the container used more than its memory limit 128Mi and was killed (OOMKilled, exit code 137)");
}

TEST_F(K8sExecutorTest, WhatAJobCannotExpressFailsWithoutCreatingAJob) {
  start_executor();
  auto p = submit("echo", {"x"}, [](model::FunctionSpec& s) { s.conditions.nodes = 3; });
  auto done = wait_final(p.processid);
  EXPECT_EQ(done.state, model::ProcessState::Failed);
  ASSERT_FALSE(done.errors.empty());
  EXPECT_TRUE(done.errors[0].starts_with("conditions.nodes is 3")) << done.errors[0];
  EXPECT_EQ(fake_->count("POST", "/apis/batch/v1"), 0);
}

TEST_F(K8sExecutorTest, CancellingTheProcessDeletesTheJobWithBackgroundPropagation) {
  start_executor();
  auto p = submit("sleep", {"3600"});
  ASSERT_TRUE(eventually([&] { return logs_of(p.processid).find("tick 1") != std::string::npos; }))
      << executor_log();
  ASSERT_EQ(fake_->job_names().size(), 1u);
  ASSERT_TRUE(user_->cancel_process(p.processid));
  ASSERT_TRUE(eventually([&] { return fake_->job_names().empty(); })) << executor_log();
  EXPECT_TRUE(fake_->pod_names().empty()) << "Background propagation deletes the pod too";
  bool background = false;
  for (const auto& r : fake_->requests()) {
    background |= r.method == "DELETE" && r.target.find("propagationPolicy=Background") != std::string::npos;
  }
  EXPECT_TRUE(background);
  EXPECT_EQ(wait_final(p.processid).state, model::ProcessState::Cancelled);
}

TEST_F(K8sExecutorTest, ARestartedExecutorReattachesToItsRunningJob) {
  fake_->set_script([](const boost::json::object& job) {
    testing::FakePodScript s = testing::default_pod_script(job);
    s.running_steps = 60;  // ~6 s of refreshes at --poll-interval 0.1
    return s;
  });
  start_executor();
  auto p = submit("print", {"first line"});
  ASSERT_TRUE(eventually([&] { return logs_of(p.processid).find("first line") != std::string::npos; }))
      << executor_log();
  stop_executor(SIGKILL);  // a crash: the Job keeps running in the cluster
  ASSERT_EQ(fake_->job_names().size(), 1u);

  start_executor();  // same name and key
  auto done = wait_final(p.processid);
  EXPECT_EQ(done.state, model::ProcessState::Success) << executor_log();
  EXPECT_EQ(done.out, (boost::json::array{"first line"}));
  EXPECT_EQ(fake_->count("POST", "/apis/batch/v1/namespaces/colonies/jobs"), 1) << "the process ran once";
  EXPECT_NE(executor_log().find("found Kubernetes Job"), std::string::npos);
}

// The binary's own start-up: --help, and the example config file of the docs parses (it then
// stops at the kubeconfig, which the example names on a path that does not exist here).
TEST(K8sExecutorBinaryTest, HelpAndTheExampleConfigFile) {
  auto run = [](const std::string& args) {
    std::string command = std::string(K8S_EXECUTOR_PATH) + " " + args + " 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    std::string output;
    char buffer[4096];
    while (pipe && std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
    int status = pipe ? ::pclose(pipe) : -1;
    return std::make_pair(WIFEXITED(status) ? WEXITSTATUS(status) : -1, output);
  };
  auto [help_code, help] = run("--help");
  EXPECT_EQ(help_code, 0);
  EXPECT_NE(help.find("--kubeconfig"), std::string::npos);
  EXPECT_NE(help.find("--in-cluster"), std::string::npos);
  EXPECT_NE(help.find("COLONIES_K8S_NAMESPACE"), std::string::npos);
  const std::string example = std::string(COLONIES_SOURCE_DIR) + "/docs/examples/k8s-executor.toml";
  auto [code, output] = run("--config " + example + " --prvkey " + std::string(64, 'a') +
                            " --kubeconfig /nonexistent/colonies-kubeconfig");
  EXPECT_EQ(code, 2) << output;
  EXPECT_NE(output.find("kubeconfig /nonexistent/colonies-kubeconfig does not exist"), std::string::npos) << output;
  auto [bad_code, bad] = run("--config " + example + " --prvkey " + std::string(64, 'a') + " --job-ttl 5 --kubeconfig /x");
  EXPECT_EQ(bad_code, 2);
  EXPECT_NE(bad.find("job-ttl 5 s is too short"), std::string::npos) << bad;
}

}  // namespace
}  // namespace colonies::executors
