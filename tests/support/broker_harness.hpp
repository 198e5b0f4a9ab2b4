// BrokerHarness: a Broker wired as coloniesd wires it, but over fakes — MemoryStore, a FakeClock,
// SequentialIds, inline blocking work — with real Ed25519 (SodiumCrypto) and the real group
// commit. Tests send signed requests and wait for the reply; helpers build identities and a
// colony with its members. Not an HTTP server: integration tests start coloniesd for that.
#pragma once

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/crypto/sodium_crypto.hpp"
#include "server/api/broker.hpp"
#include "server/commit/commit_queue.hpp"
#include "tests/support/fake_clock.hpp"
#include "tests/support/fake_leadership.hpp"
#include "tests/support/fake_random.hpp"
#include "tests/support/memory_store.hpp"
#include "tests/support/sequential_ids.hpp"

namespace colonies::testing {

namespace json = boost::json;
using server::api::ApiReply;

// One actor's key pair: the private key (64 hex), its ID (the public key) and a ready signer.
struct Identity {
  std::string private_key;
  std::string id;
  std::shared_ptr<const ports::Signer> signer;
  std::string name;  // executor or user name, when it is one
};

class BrokerHarness {
 public:
  struct Options {
    server::api::BrokerOptions broker;
    // Shared with another harness to "restart" over the same state; fresh ones when null.
    std::shared_ptr<MemoryStore> store;
    std::shared_ptr<FakeClock> clock;
    // The server owner; a fresh identity when unset.
    std::optional<Identity> server_owner;
    // How long call() waits for a reply before failing the test.
    std::chrono::milliseconds reply_timeout{10'000};
  };

  BrokerHarness() : BrokerHarness(Options{}) {}
  explicit BrokerHarness(Options options);
  ~BrokerHarness();
  BrokerHarness(const BrokerHarness&) = delete;
  BrokerHarness& operator=(const BrokerHarness&) = delete;

  // A second harness (a restarted server): new Broker and CommitQueue over the same store,
  // clock and server owner; load() rebuilds memory from the store.
  std::unique_ptr<BrokerHarness> restart() const;

  server::api::Broker& broker() { return *broker_; }
  FakeClock& clock() { return *clock_; }
  FakeLeadership& leadership() { return *leadership_; }
  ScriptedRandom& random() { return *random_; }
  MemoryStore& store() { return *store_; }
  server::commit::CommitQueue& commits() { return *commits_; }
  const crypto::SodiumCrypto& crypto() const { return crypto_; }
  const Identity& server_owner() const { return server_owner_; }

  // ---- identities and requests
  Identity new_identity(std::string name = "") const;
  // A signed envelope with a fresh nonce and the fake clock's time.
  std::string signed_request(const Identity& signer, std::string_view msgtype, json::object payload) const;
  static std::string unsigned_request(std::string_view msgtype, json::object payload);

  // Sends a body; the future is fulfilled when the broker answers (long-polls answer later).
  std::future<ApiReply> send_body(std::string body);
  std::future<ApiReply> send(const Identity& signer, std::string_view msgtype, json::object payload = {});
  // Sends and waits for the reply; a missing reply fails the test and returns status 0.
  ApiReply call_body(std::string body);
  ApiReply call(const Identity& signer, std::string_view msgtype, json::object payload = {});
  ApiReply call_unsigned(std::string_view msgtype, json::object payload = {});
  // Waits for a future from send(); status 0 (and a test failure) when it does not come.
  ApiReply wait(std::future<ApiReply>& reply);
  static bool ready(std::future<ApiReply>& reply) {
    return reply.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  }

  // Waits until everything handed to the commit queue so far is durable (the store is then
  // up to date with, e.g., what tick() changed).
  void flush();
  // Fires due deadlines at the fake clock's now, then flushes.
  void tick();
  // Advances the fake clock and ticks.
  void advance_and_tick(std::int64_t seconds);

  // ---- set-up helpers; each fails the test (ADD_FAILURE) if the server refuses.
  struct Colony {
    std::string name;
    Identity owner;
  };
  Colony add_colony(const std::string& name);
  // Adds (and approves, unless `approve` is false) an executor of `type` in the colony.
  Identity add_executor(const Colony& colony, const std::string& name, const std::string& type = "worker",
                        bool approve = true, const model::Capabilities& capabilities = {},
                        const std::string& location = "");
  Identity add_user(const Colony& colony, const std::string& name);

  // A FunctionSpec JSON for `colony` and executor `type`, to be adjusted by the test.
  static json::object spec(const std::string& colony, const std::string& type = "worker",
                           const std::string& funcname = "compute");
  // submitfuncspecmsg; returns the process JSON (empty object after a failure).
  json::object submit(const Identity& who, json::object spec);
  // assignprocessmsg with timeout -1 (try once).
  ApiReply assign(const Identity& executor, const std::string& colony, std::int64_t timeout = -1,
                  json::object extra = {});
  ApiReply get_process(const Identity& who, const std::string& processid);
  ApiReply close_successful(const Identity& executor, const std::string& processid);

 private:
  void start();

  Options options_;
  crypto::SodiumCrypto crypto_;
  std::shared_ptr<MemoryStore> store_;
  std::shared_ptr<FakeClock> clock_;
  SequentialIds ids_;
  std::shared_ptr<FakeLeadership> leadership_ = std::make_shared<FakeLeadership>();
  std::shared_ptr<ScriptedRandom> random_ = std::make_shared<ScriptedRandom>();
  Identity server_owner_;
  std::unique_ptr<server::commit::CommitQueue> commits_;
  std::unique_ptr<server::api::Broker> broker_;
};

// Readable status for assertions: "403 only the owner of colony ..." .
std::string describe(const ApiReply& reply);
// The "message" of an error reply, or "".
std::string error_message(const ApiReply& reply);

}  // namespace colonies::testing
