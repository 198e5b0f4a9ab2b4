// The local executor binary's GET /metrics (--metrics-port): scraped over HTTP while it runs
// processes of a real coloniesd; jobs started and finished by outcome, the assign long-polls and
// the platform calls, every family documented; the bearer token when configured.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "adapters/transport/http/http_client.hpp"
#include "tests/integration/executors/colony_test.hpp"
#include "tests/support/prometheus_scrape.hpp"

namespace colonies::executors {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using colonies::testing::parse_scrape;
using colonies::testing::Scrape;

class ExecutorMetricsTest : public it::ColonyTest {
 protected:
  void SetUp() override {
    it::ColonyTest::SetUp();
    type_ = it::test_slug("m-");
    work_ = fs::temp_directory_path() / ("colonies-metrics-it-" + std::to_string(::getpid()) + "-" + type_);
    fs::create_directories(work_);
  }
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    fs::remove_all(work_);
  }

  void launch(std::vector<std::string> extra) {
    port_ = testing::pick_free_port();
    std::vector<std::string> env{"COLONIES_SERVER_HOST=127.0.0.1",
                                 "COLONIES_SERVER_HTTP_PORT=" + std::to_string(server_->port()),
                                 "COLONIES_COLONY_NAME=" + std::string(kColony),
                                 "COLONIES_EXECUTOR_NAME=" + type_ + "-bin",
                                 "COLONIES_EXECUTOR_TYPE=" + type_,
                                 "COLONIES_PRVKEY=" + it::sodium().generate_private_key(),
                                 "COLONIES_COLONY_PRVKEY=" + colony_key_,
                                 "PATH=/usr/local/bin:/usr/bin:/bin"};
    std::vector<std::string> args{LOCAL_EXECUTOR_PATH, "--poll-timeout", "1", "--workdir", work_.string(),
                                  "--spool-dir", (work_ / "spool").string(), "--log-level", "warn",
                                  "--max-jobs", "2", "--metrics-port", std::to_string(port_)};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv, envp;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::execve(LOCAL_EXECUTOR_PATH, argv.data(), envp.data());
      ::_exit(127);
    }
    ASSERT_GT(pid_, 0);
  }

  Result<transport::HttpResult> get(const transport::HttpHeaders& headers = {}) {
    transport::HttpClientOptions options;
    options.port = port_;
    options.server_name = "colonies-local-executor metrics";
    transport::HttpClient client(options);
    return client.request("GET", "/metrics", "", 5s, headers);
  }
  // Scrapes until `ready` holds (or 15 s pass); the last scrape either way.
  Scrape scrape_until(const std::function<bool(const Scrape&)>& ready, const transport::HttpHeaders& headers = {}) {
    Scrape last;
    const auto until = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < until) {
      auto r = get(headers);
      if (r && r->status == 200) {
        last = parse_scrape(r->body);
        if (ready(last)) break;
      }
      std::this_thread::sleep_for(50ms);
    }
    for (const auto& e : last.errors) ADD_FAILURE() << e;
    return last;
  }
  model::Process submit(const std::string& funcname, boost::json::array args) {
    model::FunctionSpec spec;
    spec.funcname = funcname;
    spec.args = std::move(args);
    spec.conditions.colonyname = kColony;
    spec.conditions.executortype = type_;
    auto p = user_->submit(spec);
    EXPECT_TRUE(p) << p.error().message;
    return p.value_or(model::Process{});
  }

  std::string type_;
  fs::path work_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

TEST_F(ExecutorMetricsTest, ScrapeShowsJobsByOutcomeAssignsAndPlatformCalls) {
  launch({});
  // Up and pulling: its assign long-polls (1 s) come back empty.
  scrape_until([](const Scrape& s) { return s.value("colonies_executor_assign_duration_seconds_count", {{"result", "empty"}}) >= 1.0; });
  auto ok = submit("echo", {"metered"});
  auto bad = submit("sh", {"-c", "exit 4"});
  EXPECT_EQ(wait_final(ok.processid).state, model::ProcessState::Success);
  EXPECT_EQ(wait_final(bad.processid).state, model::ProcessState::Failed);
  const Scrape m = scrape_until([](const Scrape& s) {
    return s.value("colonies_executor_jobs_finished_total", {{"outcome", "succeeded"}}) == 1.0 &&
           s.value("colonies_executor_jobs_finished_total", {{"outcome", "failed"}}) == 1.0 &&
           s.value("colonies_executor_jobs_in_flight") == 0.0;
  });
  EXPECT_EQ(m.value("colonies_executor_jobs_finished_total", {{"outcome", "succeeded"}}), 1.0);
  EXPECT_EQ(m.value("colonies_executor_jobs_finished_total", {{"outcome", "failed"}}), 1.0);
  EXPECT_EQ(m.value("colonies_executor_jobs_finished_total", {{"outcome", "abandoned"}}), 0.0);
  EXPECT_EQ(m.value("colonies_executor_jobs_in_flight"), 0.0);
  EXPECT_EQ(m.value("colonies_executor_jobs_started_total"), 2.0);
  EXPECT_EQ(m.value("colonies_executor_max_jobs"), 2.0);
  EXPECT_EQ(m.value("colonies_executor_assign_duration_seconds_count", {{"result", "assigned"}}), 2.0);
  EXPECT_EQ(m.value("colonies_executor_platform_call_duration_seconds_count", {{"backend", "local"}, {"call", "submit"}}),
            2.0);
  EXPECT_GT(m.value("colonies_executor_platform_call_duration_seconds_count", {{"backend", "local"}, {"call", "poll"}})
                .value_or(0),
            0.0);
  EXPECT_EQ(m.value("colonies_executor_info", {{"colony", kColony},
                                               {"executor", type_ + "-bin"},
                                               {"executortype", type_},
                                               {"backend", "local"}}),
            1.0);
  EXPECT_EQ(m.types.at("colonies_executor_platform_call_duration_seconds"), "histogram");
  EXPECT_EQ(m.types.at("colonies_executor_jobs_finished_total"), "counter");
  const auto documented = testing::documented_metrics(COLONIES_SOURCE_DIR);
  for (const auto& [name, type] : m.types) EXPECT_TRUE(documented.contains(name)) << name << " is not in docs/metrics.md";
}

TEST_F(ExecutorMetricsTest, ATokenFileMakesScrapesSendTheBearerToken) {
  const std::string token = "f0e1d2c3b4a5968778695a4b3c2d1e0f";
  const auto path = work_ / "metrics.token";
  std::ofstream(path) << token << "\n";
  ::chmod(path.c_str(), 0600);
  launch({"--metrics-token-file", path.string()});
  const Scrape m = scrape_until([](const Scrape& s) { return s.value("colonies_executor_jobs_in_flight").has_value(); },
                                {{"Authorization", "Bearer " + token}});
  EXPECT_EQ(m.value("colonies_executor_jobs_in_flight"), 0.0);
  auto anonymous = get();
  ASSERT_TRUE(anonymous.has_value()) << anonymous.error().message;
  EXPECT_EQ(anonymous->status, 401);
  EXPECT_EQ(anonymous->body.find("colonies_executor"), std::string::npos);
}

}  // namespace
}  // namespace colonies::executors
