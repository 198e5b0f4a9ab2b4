// 10,000 concurrent long-polls held by the real coloniesd: 10,000 parked assignprocessmsg
// requests, each on its own TCP connection (the benchmarks' ConnectionPool: Beast on one Asio
// thread in this process), from 100 executors. Checks that the server holds all of them (GET
// /health's parkedassigns), hands submitted processes to parked polls, and still serves a normal
// request; prints the time to open them and the server's memory. Raises RLIMIT_NOFILE for itself
// and for the server it starts. Label slow: it measures nothing it asserts on.
#include <sys/resource.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "adapters/transport/http/http_client.hpp"
#include "benchmarks/executors/connection_pool.hpp"
#include "tests/integration/server/colony_setup.hpp"
#include "tests/integration/server/server_process.hpp"

namespace colonies::testing {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr int kLongPolls = 10'000;
constexpr int kExecutors = 100;
constexpr int kProcesses = 1'000;
// Each side holds one descriptor per connection, plus the server's store, listeners and pipes.
constexpr rlim_t kFilesNeeded = kLongPolls + 512;

// Resident memory of a process in MiB, from /proc (0 if unreadable).
double rss_mib(pid_t pid) {
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

class ManyLongPollsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rlimit files{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &files), 0);
    if (files.rlim_max != RLIM_INFINITY && files.rlim_max < kFilesNeeded) {
      GTEST_SKIP() << "the hard open-file limit is " << files.rlim_max << "; this test needs " << kFilesNeeded
                   << " (raise it with ulimit -Hn or LimitNOFILE)";
    }
    // The child server inherits the raised soft limit.
    if (files.rlim_cur == RLIM_INFINITY || files.rlim_cur < kFilesNeeded) {
      files.rlim_cur = files.rlim_max == RLIM_INFINITY ? kFilesNeeded : files.rlim_max;
      ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &files), 0) << "cannot raise the open-file limit";
    }
    ServerProcess::Options options;
    options.binary = COLONIESD_BINARY;
    options.data_dir = dir_.path() / "data";
    options.server_id = server_owner_.id;
    // Normal sync: the test is about connections, not fsync latency of the submissions.
    options.extra_args = {"--max-connections", std::to_string(kLongPolls + 100), "--db-sync", "normal"};
    server_ = std::make_unique<ServerProcess>(options);
    ASSERT_TRUE(server_->start()) << server_->error();
    create_colony(server_->port(), server_owner_, setup_);
  }
  void TearDown() override {
    if (server_ && server_->running()) server_->kill9();
  }

  json::object health() {
    transport::HttpClientOptions options;
    options.port = server_->port();
    transport::HttpClient client(options);
    auto r = client.request("GET", "/health", "", 10s);
    if (!r || r->status != 200) return {};
    return json::parse(r->body).as_object();
  }
  // Polls /health until `parkedassigns` reaches `n` or `timeout` passes; returns the last value.
  std::int64_t wait_for_parked(std::int64_t n, std::chrono::seconds timeout) {
    std::int64_t parked = -1;
    const auto until = Clock::now() + timeout;
    while (Clock::now() < until) {
      auto h = health();
      if (const auto* p = h.if_contains("parkedassigns")) parked = p->to_number<std::int64_t>();
      if (parked >= n) break;
      std::this_thread::sleep_for(100ms);
    }
    return parked;
  }

  TempDir dir_;
  Key server_owner_ = new_key();
  ColonySetup setup_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(ManyLongPollsTest, HoldsTenThousandParkedAssignsAndHandsOutWorkToThem) {
  std::vector<std::string> executor_keys;
  for (int i = 0; i < kExecutors; ++i) {
    executor_keys.push_back(add_executor(server_->port(), setup_, fmt::format("exec-{}", i), "worker").private_key);
  }
  std::vector<std::string> poll_keys;  // 100 long-polls per executor, each on its own connection
  for (int i = 0; i < kLongPolls; ++i) poll_keys.push_back(executor_keys[static_cast<std::size_t>(i % kExecutors)]);
  const double rss_before = rss_mib(server_->pid());

  bench::ConnectionPool pool("127.0.0.1", server_->port());
  const auto t0 = Clock::now();
  pool.park_executors(poll_keys, setup_.colony, /*timeout_s=*/600, /*window=*/256);
  const double written_s = seconds_since(t0);
  ASSERT_EQ(pool.parked_failed(), 0) << pool.first_error();
  const std::int64_t parked = wait_for_parked(kLongPolls, 120s);
  const double held_s = seconds_since(t0);
  const double rss_held = rss_mib(server_->pid());
  ASSERT_EQ(parked, kLongPolls) << "the server holds " << parked << " of " << kLongPolls << " long-polls; "
                                << pool.first_error();
  std::printf("%d long-polls on %d connections: written after %.2f s, all parked after %.2f s\n", kLongPolls,
              kLongPolls, written_s, held_s);
  std::printf("server RSS: %.1f MiB before, %.1f MiB holding them (%.1f KiB per long-poll)\n", rss_before, rss_held,
              (rss_held - rss_before) * 1024.0 / kLongPolls);

  // Work for the parked polls: each process goes to one of them, which parks again afterwards.
  auto user = connect(server_->port(), setup_.user);
  std::vector<model::FunctionSpec> specs(kProcesses, make_spec(setup_.colony, "worker", "work"));
  const auto t1 = Clock::now();
  auto submitted = user.submit_batch(specs);
  ASSERT_TRUE(submitted.has_value()) << submitted.error().message;
  std::vector<std::string> ids;
  for (const auto& r : *submitted) {
    ASSERT_TRUE(r.has_value()) << r.error().message;
    ids.push_back(r->processid);
  }
  const auto until = Clock::now() + 60s;
  while (pool.assignments() < kProcesses && Clock::now() < until) std::this_thread::sleep_for(20ms);
  const double handed_s = seconds_since(t1);
  EXPECT_EQ(pool.assignments(), kProcesses);
  int reached = 0;
  for (const auto& id : ids) reached += pool.assigned_at(id).has_value() ? 1 : 0;
  EXPECT_EQ(reached, kProcesses) << "every submitted process reaches a parked long-poll";
  std::printf("%d processes submitted in one batch reached parked long-polls within %.2f s\n", kProcesses, handed_s);

  // A normal client is still served, and the long-polls that took work are parked again.
  const auto t2 = Clock::now();
  auto colony = user.get_colony(setup_.colony);
  const double normal_ms = seconds_since(t2) * 1000;
  ASSERT_TRUE(colony.has_value()) << colony.error().message;
  auto stats = user.colony_statistics(setup_.colony);
  ASSERT_TRUE(stats.has_value()) << stats.error().message;
  EXPECT_EQ(stats->runningprocesses, kProcesses);
  EXPECT_EQ(wait_for_parked(kLongPolls, 60s), kLongPolls);
  EXPECT_EQ(pool.long_poll_ends(), 0) << "no long-poll may end early";
  std::printf("a normal signed request with %d long-polls parked: %.2f ms; server RSS %.1f MiB\n", kLongPolls,
              normal_ms, rss_mib(server_->pid()));
}

}  // namespace
}  // namespace colonies::testing
