// Slow and oversized clients against the real coloniesd (short --header-timeout/--body-timeout,
// a 64 KiB --body-limit): connections that send nothing, that trickle a header a byte at a time
// (plain and as a WebSocket upgrade), that trickle a body, that announce or stream a body over the
// limit, that trickle the HTTP/2 preface to the gRPC port, and WebSockets that never subscribe. Meanwhile a normal client keeps completing signed
// requests, on its kept-alive connection and on new ones. Asserts that every attacker is cut off
// the documented way (413 for oversized bodies, closed without a reply after a timeout otherwise)
// and that the normal client's calls all succeed; prints the latencies, asserts no speed.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "adapters/transport/http/ws_client.hpp"
#include "tests/integration/server/colony_server_test.hpp"

namespace colonies::testing {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr int kHeaderTimeoutS = 2;
constexpr int kBodyTimeoutS = 3;
constexpr std::size_t kBodyLimit = 64 * 1024;

enum class Kind {
  Silent,         // connects and sends nothing
  SlowHeader,     // "POST /api ..." a byte at a time, never finished
  SlowUpgrade,    // a WebSocket upgrade request a byte at a time
  SlowBody,       // a complete header announcing 60,000 bytes, then the body a byte at a time
  HugeLength,     // Content-Length: 1 GiB, then the body a byte at a time
  ChunkedFlood,   // a chunked body streamed fast past the limit
  SlowGrpc,       // all but the last byte of the HTTP/2 client preface to the gRPC port, a byte at a time
};

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::Silent: return "silent";
    case Kind::SlowHeader: return "slow header";
    case Kind::SlowUpgrade: return "slow WebSocket upgrade";
    case Kind::SlowBody: return "slow body";
    case Kind::HugeLength: return "1 GiB Content-Length";
    case Kind::ChunkedFlood: return "chunked body over the limit";
    case Kind::SlowGrpc: return "slow gRPC preface";
  }
  return "?";
}

// One attacking connection: `head` is sent at once, then `trickle` one byte per round (cycling),
// or, for the flood, a chunk per round.
struct Attacker {
  Kind kind;
  tcp::socket socket;
  std::string head;
  std::string trickle;
  std::size_t next = 0;
  std::string received;
  bool closed = false;
  Clock::time_point opened{};
  Clock::time_point closed_at{};
};

std::string header_trickle() { return "POST /api HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + std::string(4000, 'a'); }

std::string upgrade_trickle() {
  return "GET /api/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nX-Slow: " +
         std::string(4000, 'a');
}

std::string post_head(const std::string& length_or_chunked) {
  return "POST /api HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" + length_or_chunked + "\r\n";
}

std::string chunk(std::size_t n) { return fmt::format("{:x}\r\n{}\r\n", n, std::string(n, 'x')); }

class SlowClientsTest : public ColonyServerTest<> {
 protected:
  void SetUp() override {
    start_server("exec", "worker", [](ServerProcess::Options& options) {
      options.grpc = true;
      options.extra_args = {"--header-timeout", std::to_string(kHeaderTimeoutS), "--body-timeout",
                            std::to_string(kBodyTimeoutS), "--body-limit", std::to_string(kBodyLimit)};
    });
  }

  void open(Kind kind, int count, std::vector<std::unique_ptr<Attacker>>& out) {
    for (int i = 0; i < count; ++i) {
      auto a = std::make_unique<Attacker>(Attacker{kind, tcp::socket(io_), {}, {}});
      const auto port = kind == Kind::SlowGrpc ? server_->grpc_port() : server_->port();
      a->socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
      a->socket.non_blocking(true);
      switch (kind) {
        case Kind::Silent: break;
        case Kind::SlowHeader: a->trickle = header_trickle(); break;
        case Kind::SlowUpgrade: a->trickle = upgrade_trickle(); break;
        case Kind::SlowBody:
          a->head = post_head("Content-Length: 60000\r\n");
          a->trickle = std::string(60000, 'x');
          break;
        case Kind::HugeLength:
          a->head = post_head("Content-Length: 1073741824\r\n");
          a->trickle = std::string(4096, 'x');
          break;
        case Kind::ChunkedFlood:
          a->head = post_head("Transfer-Encoding: chunked\r\n");
          a->trickle = chunk(8192);
          break;
        case Kind::SlowGrpc: a->trickle = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r"; break;  // never completed
      }
      a->opened = Clock::now();
      if (!a->head.empty()) net::write(a->socket, net::buffer(a->head));  // small: fits the socket buffer
      out.push_back(std::move(a));
    }
  }

  // One round: each open attacker sends its next byte (a chunk for the flood) and reads what
  // came back; a read of end-of-stream or a reset, or a refused write, means the server closed it.
  static void round(std::vector<std::unique_ptr<Attacker>>& attackers) {
    for (auto& a : attackers) {
      if (a->closed) continue;
      boost::system::error_code ec;
      // The flood cycles through its chunk (the rest of it per round, so that a partial write
      // never breaks the chunked framing); the others send their text once, a byte per round.
      const bool flood = a->kind == Kind::ChunkedFlood;
      if (!a->trickle.empty() && (flood || a->next < a->trickle.size())) {
        const std::size_t at = a->next % a->trickle.size();
        const std::size_t n = flood ? a->trickle.size() - at : 1;
        a->next += a->socket.write_some(net::buffer(a->trickle.data() + at, n), ec);
      }
      if (!ec || ec == net::error::would_block) {
        char buffer[4096];
        for (;;) {
          const std::size_t got = a->socket.read_some(net::buffer(buffer), ec);
          if (ec) break;
          a->received.append(buffer, got);
        }
      }
      if (ec && ec != net::error::would_block && ec != net::error::try_again) {
        a->closed = true;
        a->closed_at = Clock::now();
      }
    }
  }

  net::io_context io_;
};

struct Latencies {
  std::vector<double> ms;
  int failures = 0;
  std::string first_failure;
  std::string summary() {
    if (ms.empty()) return "no calls";
    std::sort(ms.begin(), ms.end());
    auto at = [&](double q) { return ms[static_cast<std::size_t>(q * static_cast<double>(ms.size() - 1))]; };
    return fmt::format("{} calls, p50 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms", ms.size(), at(0.5), at(0.99), ms.back());
  }
};

TEST_F(SlowClientsTest, AttackersAreCutOffWhileANormalClientKeepsBeingServed) {
  std::vector<std::unique_ptr<Attacker>> attackers;
  open(Kind::Silent, 50, attackers);
  open(Kind::SlowHeader, 200, attackers);
  open(Kind::SlowUpgrade, 20, attackers);
  open(Kind::SlowBody, 50, attackers);
  open(Kind::HugeLength, 50, attackers);
  open(Kind::ChunkedFlood, 20, attackers);
  open(Kind::SlowGrpc, 20, attackers);
  const auto started = Clock::now();

  // The normal client: a submit/assign/close lifecycle per round on its kept-alive connection,
  // and every tenth round a call on a new connection (the listener is not starved either).
  std::atomic<bool> stop{false};
  Latencies latencies;
  std::thread normal([&] {
    auto config = server_at(server_->port());
    auto user = connect(config, setup_.user);
    auto executor = connect(config, executor_);
    auto timed = [&](auto&& call) {
      const auto t0 = Clock::now();
      auto result = call();
      latencies.ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      if (!result) {
        if (latencies.failures++ == 0) latencies.first_failure = result.error().message;
      }
      return result;
    };
    for (int i = 0; !stop.load(); ++i) {
      auto submitted = timed([&] { return user.submit(make_spec(setup_.colony, "worker", "work")); });
      auto assigned = timed([&] { return executor.assign(setup_.colony, 5); });
      if (assigned) timed([&] { return executor.close_successful(assigned->processid, {"ok"}); });
      if (i % 10 == 0) {
        timed([&] {
          auto fresh = connect(config, setup_.user);
          return fresh.get_colony(setup_.colony);
        });
      }
      std::this_thread::sleep_for(20ms);
    }
  });

  const auto deadline = started + 30s;
  while (Clock::now() < deadline &&
         std::any_of(attackers.begin(), attackers.end(), [](const auto& a) { return !a->closed; })) {
    round(attackers);
    std::this_thread::sleep_for(50ms);
  }
  stop = true;
  normal.join();

  struct Tally {
    int count = 0, closed = 0, got_413 = 0, got_other = 0;
    double max_s = 0;
  };
  std::map<Kind, Tally> tally;
  for (const auto& a : attackers) {
    Tally& t = tally[a->kind];
    ++t.count;
    if (a->closed) {
      ++t.closed;
      t.max_s = std::max(t.max_s, std::chrono::duration<double>(a->closed_at - a->opened).count());
    }
    if (a->received.starts_with("HTTP/1.1 413 ")) ++t.got_413;
    else if (!a->received.empty()) ++t.got_other;
  }
  for (const auto& [kind, t] : tally) {
    std::printf("%-28s %3d connections: %3d closed by the server (the last after %.1f s), %d got 413, %d got another reply\n",
                kind_name(kind), t.count, t.closed, t.max_s, t.got_413, t.got_other);
  }
  std::printf("normal client during the attack: %s\n", latencies.summary().c_str());

  for (const auto& [kind, t] : tally) {
    EXPECT_EQ(t.closed, t.count) << kind_name(kind) << ": every attacker must be cut off";
    const bool oversized = kind == Kind::HugeLength || kind == Kind::ChunkedFlood;
    if (oversized) {
      EXPECT_EQ(t.got_413, t.count) << kind_name(kind) << ": a body over --body-limit gets 413";
    } else if (kind != Kind::SlowGrpc) {  // gRPC may say goodbye with a GOAWAY frame
      EXPECT_EQ(t.got_413 + t.got_other, 0) << kind_name(kind) << ": a timeout closes without a reply";
    }
  }
  EXPECT_EQ(latencies.failures, 0) << latencies.first_failure;
  EXPECT_GT(latencies.ms.size(), 10u);
}

TEST_F(SlowClientsTest, WebSocketsThatNeverSubscribeAreClosedAfterTheHeaderTimeout) {
  transport::HttpClientOptions options;
  options.port = server_->port();
  std::vector<std::unique_ptr<transport::WsClient>> silent;
  for (int i = 0; i < 20; ++i) {
    auto ws = transport::WsClient::connect(options, "/api/ws", 5s);
    ASSERT_TRUE(ws.has_value()) << ws.error().message;
    silent.push_back(std::move(*ws));
  }
  const auto t0 = Clock::now();
  for (auto& ws : silent) {
    for (;;) {
      auto frame = ws->read(30s);
      ASSERT_TRUE(frame.has_value()) << frame.error().message;
      if (!frame->has_value()) break;  // closed
    }
    EXPECT_EQ(ws->closed().code, 1008);
    EXPECT_EQ(ws->closed().reason, fmt::format("no message within {} s of the upgrade", kHeaderTimeoutS));
  }
  std::printf("20 silent WebSockets closed by the server within %.1f s\n",
              std::chrono::duration<double>(Clock::now() - t0).count());
  // A subscriber that subscribes at once is not affected: its subscription outlives the limit.
  auto user = connect(server_at(server_->port()), setup_.user);
  auto subscription = user.open_processes_subscription(setup_.colony, "worker", model::ProcessState::Waiting, 30);
  ASSERT_TRUE(subscription.has_value()) << subscription.error().message;
  std::this_thread::sleep_for(std::chrono::seconds(kHeaderTimeoutS + 1));
  auto submitted = user.submit(make_spec(setup_.colony, "worker", "work"));
  ASSERT_TRUE(submitted.has_value()) << submitted.error().message;
  auto event = (*subscription)->next(10s);
  ASSERT_TRUE(event.has_value()) << event.error().message;
  ASSERT_TRUE(event->has_value()) << "the subscription ended instead of delivering the event";
  EXPECT_EQ((*event)->processid, submitted->processid);
}

// --idle-timeout also ends gRPC connections without a call in progress (GOAWAY); the SDK's next
// call reconnects, and a long-poll in progress is a call, so it is not cut.
TEST(GrpcIdleTest, ClientsCallAgainAfterTheServerEndedTheirIdleConnection) {
  TempDir dir;
  Key owner = new_key();
  ServerProcess::Options options;
  options.binary = COLONIESD_BINARY;
  options.data_dir = dir.path() / "data";
  options.server_id = owner.id;
  options.grpc = true;
  options.extra_args = {"--idle-timeout", "1"};
  ServerProcess server(options);
  ASSERT_TRUE(server.start()) << server.error();
  ColonySetup setup;
  create_colony(server.port(), owner, setup);
  Key executor_key = add_executor(server.port(), setup, "exec", "worker");
  auto config = server_at(server.grpc_port(), client::TransportKind::Grpc);
  auto user = connect(config, setup.user);
  auto executor = connect(config, executor_key);
  ASSERT_TRUE(user.get_colony(setup.colony).has_value());
  std::this_thread::sleep_for(2500ms);  // past the idle timeout: the server ended the connections
  auto again = user.get_colony(setup.colony);
  ASSERT_TRUE(again.has_value()) << again.error().message;
  // A long-poll longer than the idle timeout is a call in progress: it gets its process.
  std::thread submitter([&] {
    std::this_thread::sleep_for(2500ms);
    auto submitted = connect(config, setup.user).submit(make_spec(setup.colony, "worker", "late"));
    EXPECT_TRUE(submitted.has_value()) << submitted.error().message;
  });
  auto assigned = executor.assign(setup.colony, 10);
  submitter.join();
  ASSERT_TRUE(assigned.has_value()) << assigned.error().message;
  EXPECT_EQ(assigned->spec.funcname, "late");
}

}  // namespace
}  // namespace colonies::testing
