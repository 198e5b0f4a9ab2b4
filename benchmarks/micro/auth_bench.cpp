// Envelope verification: libsodium Ed25519 sign and verify of typical payloads (a small assign,
// a submit carrying a realistic spec), the replay cache's check with 10^3..10^6 nonces remembered,
// and the server's whole check of a signed request (Authenticator: envelope, signature, payload,
// nonce and timestamp, replay), and the per-identity rate limit's take() that follows it.
// Measures and prints; never asserts.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "adapters/crypto/sodium_crypto.hpp"
#include "benchmarks/micro/sample_spec.hpp"
#include "core/ports/clock.hpp"
#include "core/protocol/envelope.hpp"
#include "core/protocol/messages.hpp"
#include "server/auth/authenticator.hpp"
#include "server/auth/replay_guard.hpp"
#include "server/limits/rate_limiter.hpp"

namespace {

using namespace colonies;
namespace json = model::json;
namespace msg = protocol::msg;

constexpr std::int64_t kNowS = 1'789'948'800;  // 2026-09-21T00:00:00Z
constexpr std::int64_t kWindowS = 300;          // the server's default replay window

// A clock the benchmark sets, so that timestamps stay inside the window however long it runs.
class SetClock final : public ports::Clock {
 public:
  model::TimeNs now() const override { return now_s * 1'000'000'000LL; }
  std::int64_t now_s = kNowS;
};

const crypto::SodiumCrypto& sodium() {
  static const crypto::SodiumCrypto c;
  return c;
}

const ports::Signer& user() {
  static const auto s = std::move(*sodium().signer(std::string(64, '1')));
  return *s;
}

// splitmix64: 64 well-mixed bits per input, standing in for the client's random nonce bits.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// 32 random-looking hex digits, distinct for every i; cheap, so that the replay benchmarks
// measure the guard, not the nonce's formatting.
std::string nonce_hex(std::uint64_t i) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(32, '0');
  std::uint64_t halves[2] = {mix(2 * i), mix(2 * i + 1)};
  for (int h = 0; h < 2; ++h) {
    for (int d = 15; d >= 0; --d) {
      out[static_cast<std::size_t>(h * 16 + d)] = kDigits[halves[h] & 0xf];
      halves[h] >>= 4;
    }
  }
  return out;
}

// The base64 payloads that get signed: range(0) = 0 is an assign, 1 a submit with the sample spec.
std::string payload_b64(int kind, std::uint64_t i = 0) {
  const std::string body =
      kind == 0 ? protocol::build_request(msg::kAssignProcess, json::object{{"colonyname", "lab"}, {"timeout", 10}},
                                          user(), nonce_hex(i), kNowS)
                : protocol::build_request(msg::kSubmitFunctionSpec,
                                          json::object{{"spec", model::to_json(bench::sample_spec())}}, user(),
                                          nonce_hex(i), kNowS);
  return protocol::decode_envelope(body)->payload;
}

void BM_Ed25519Sign(benchmark::State& state) {
  const std::string message = payload_b64(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(user().sign(message));
  state.SetItemsProcessed(state.iterations());
  state.counters["message_bytes"] = static_cast<double>(message.size());
}
BENCHMARK(BM_Ed25519Sign)->ArgName("submit")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

// SodiumCrypto::verify: hex checks and decoding, then crypto_sign_verify_detached.
void BM_Ed25519Verify(benchmark::State& state) {
  const std::string message = payload_b64(static_cast<int>(state.range(0)));
  const std::string signature = user().sign(message);
  for (auto _ : state) benchmark::DoNotOptimize(sodium().verify(message, signature, user().id()));
  state.SetItemsProcessed(state.iterations());
  state.counters["message_bytes"] = static_cast<double>(message.size());
}
BENCHMARK(BM_Ed25519Verify)->ArgName("submit")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

// ReplayGuard::check of a fresh nonce with range(0) nonces remembered, in steady state: the clock
// advances one second every n/100 requests and the window is 98 s, so each check also forgets
// about one old nonce and the cache stays at n (+1 %), as under a constant request rate.
void BM_ReplayCheck(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  const std::int64_t per_second = std::max<std::int64_t>(n / 100, 1);
  server::auth::ReplayGuard guard(98);
  const std::string signer = user().id();
  std::uint64_t i = 0;
  std::int64_t now = kNowS;
  auto one = [&] {
    const std::string nonce = nonce_hex(i);
    if (++i % per_second == 0) ++now;
    return guard.check(signer, nonce, now, now);
  };
  for (std::int64_t k = 0; k < n + 2 * per_second; ++k) (void)one();
  std::uint64_t refused = 0;
  for (auto _ : state) {
    if (!one()) ++refused;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["remembered"] = static_cast<double>(n);
  state.counters["refused"] = static_cast<double>(refused);
}
BENCHMARK(BM_ReplayCheck)->Arg(1'000)->Arg(10'000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kNanosecond);

// A replayed request against n remembered nonces: the refusal path (lookup hit + error text).
void BM_ReplayRefused(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  server::auth::ReplayGuard guard(kWindowS);
  const std::string signer = user().id();
  for (std::int64_t k = 0; k < n; ++k) (void)guard.check(signer, nonce_hex(k), kNowS, kNowS);
  std::int64_t k = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(guard.check(signer, nonce_hex(k), kNowS, kNowS));
    if (++k == n) k = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReplayRefused)->Arg(1'000)->Arg(1'000'000)->Unit(benchmark::kNanosecond);

// Authenticator::authenticate of signed requests, each with its own nonce. The requests are
// signed before timing (signing is the client's cost); when the pool is used up a fresh
// Authenticator (empty replay cache) takes over outside the timing, so its replay cache holds
// 0..kPool nonces: BM_ReplayCheck shows what a fuller one adds.
constexpr std::size_t kPool = 4096;

const std::vector<std::string>& signed_requests(int kind) {
  static std::vector<std::string> pools[2];
  auto& pool = pools[kind];
  if (pool.empty()) {
    for (std::size_t i = 0; i < kPool; ++i) {
      const std::string nonce = nonce_hex(i);
      pool.push_back(kind == 0 ? protocol::build_request(msg::kAssignProcess,
                                                         json::object{{"colonyname", "lab"}, {"timeout", 10}},
                                                         user(), nonce, kNowS)
                               : protocol::build_request(msg::kSubmitFunctionSpec,
                                                         json::object{{"spec", model::to_json(bench::sample_spec())}},
                                                         user(), nonce, kNowS));
    }
  }
  return pool;
}

void BM_Authenticate(benchmark::State& state) {
  const auto& pool = signed_requests(static_cast<int>(state.range(0)));
  SetClock clock;
  const std::unordered_set<std::string> types{std::string(msg::kAssignProcess), std::string(msg::kSubmitFunctionSpec)};
  auto authenticator = std::make_unique<server::auth::Authenticator>(sodium(), clock, kWindowS, types);
  std::size_t next = 0;
  std::uint64_t refused = 0;
  for (auto _ : state) {
    if (next == pool.size()) {
      state.PauseTiming();
      authenticator = std::make_unique<server::auth::Authenticator>(sodium(), clock, kWindowS, types);
      next = 0;
      state.ResumeTiming();
    }
    auto request = authenticator->authenticate(pool[next++]);
    if (!request) ++refused;
    benchmark::DoNotOptimize(request);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * pool.front().size());
  state.counters["refused"] = static_cast<double>(refused);
}
BENCHMARK(BM_Authenticate)->ArgName("submit")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

}  // namespace

// The per-identity rate limit charged after authentication: one admitted take() per request,
// cycling over `identities` signers (a limit no run reaches, so every take is admitted; the
// amortised sweep of idle buckets is not in it).
void BM_RateLimiterTake(benchmark::State& state) {
  static SetClock clock;
  static std::unique_ptr<server::limits::RateLimiter> limiter;
  static std::vector<std::string> ids;
  if (state.thread_index() == 0) {
    limiter = std::make_unique<server::limits::RateLimiter>(server::limits::RateLimit{1e12, 1e12}, clock);
    ids.clear();
    for (std::int64_t i = 0; i < state.range(0); ++i) ids.push_back(sodium().random_hex(32));
  }
  std::size_t i = static_cast<std::size_t>(state.thread_index());
  for (auto _ : state) {
    benchmark::DoNotOptimize(limiter->take(ids[i++ % ids.size()]));
  }
}
BENCHMARK(BM_RateLimiterTake)->ArgName("identities")->Arg(1)->Arg(1'000)->Arg(100'000)->Threads(1)->Threads(2)
    ->Unit(benchmark::kNanosecond);

BENCHMARK_MAIN();
