// BrokerHarness wiring and helpers.
#include "tests/support/broker_harness.hpp"

#include <atomic>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/protocol/envelope.hpp"
#include "core/protocol/messages.hpp"

namespace colonies::testing {

namespace msg = protocol::msg;

namespace {
// Every harness (and every restart) numbers its IDs under its own prefix, so a restarted broker
// never re-issues an ID the store already holds.
std::string next_id_prefix() {
  static std::atomic<std::uint32_t> instances{0};
  return fmt::format("{:08x}", ++instances);
}
}  // namespace

BrokerHarness::BrokerHarness(Options options)
    : options_(std::move(options)),
      store_(options_.store ? options_.store : std::make_shared<MemoryStore>()),
      clock_(options_.clock ? options_.clock : std::make_shared<FakeClock>()),
      ids_(next_id_prefix()) {
  server_owner_ = options_.server_owner ? *options_.server_owner : new_identity("server-owner");
  start();
}

void BrokerHarness::start() {
  commits_ = std::make_unique<server::commit::CommitQueue>(*store_, server::commit::CommitOptions{});
  // Blocking work runs inline: the broker never holds its lock when it hands work over.
  server::api::BlockingRunner inline_runner = [](std::function<void()> work) { work(); };
  broker_ = std::make_unique<server::api::Broker>(
      server::api::BrokerDeps{*store_, *commits_, crypto_, *clock_, ids_, inline_runner, *leadership_, *random_}, options_.broker);
  auto loaded = broker_->load(server_owner_.id);
  if (!loaded) ADD_FAILURE() << "Broker::load failed: " << loaded.error().message;
}

BrokerHarness::~BrokerHarness() {
  broker_->shutdown();
  commits_->stop();
  broker_.reset();
  commits_.reset();
}

std::unique_ptr<BrokerHarness> BrokerHarness::restart() const {
  Options options = options_;
  options.store = store_;
  options.clock = clock_;
  options.server_owner = server_owner_;
  return std::make_unique<BrokerHarness>(std::move(options));
}

Identity BrokerHarness::new_identity(std::string name) const {
  Identity identity;
  identity.private_key = crypto_.generate_private_key();
  auto signer = crypto_.signer(identity.private_key);
  if (!signer) throw std::runtime_error("SodiumCrypto::signer failed: " + signer.error().message);
  identity.id = (*signer)->id();
  identity.signer = std::shared_ptr<const ports::Signer>(std::move(*signer));
  identity.name = std::move(name);
  return identity;
}

std::string BrokerHarness::signed_request(const Identity& signer, std::string_view msgtype,
                                          json::object payload) const {
  return protocol::build_request(msgtype, std::move(payload), *signer.signer, crypto_.random_hex(16),
                                 clock_->now_s());
}

std::string BrokerHarness::unsigned_request(std::string_view msgtype, json::object payload) {
  return protocol::build_unsigned_request(msgtype, std::move(payload));
}

std::future<ApiReply> BrokerHarness::send_body(std::string body) {
  auto promise = std::make_shared<std::promise<ApiReply>>();
  auto future = promise->get_future();
  auto answered = std::make_shared<std::atomic<bool>>(false);
  broker_->handle(std::move(body), [promise, answered](ApiReply reply) {
    // The broker promises exactly one reply; a second one is a bug worth seeing.
    if (answered->exchange(true)) {
      ADD_FAILURE() << "the broker replied twice; second reply: " << describe(reply);
      return;
    }
    promise->set_value(std::move(reply));
  });
  return future;
}

std::future<ApiReply> BrokerHarness::send(const Identity& signer, std::string_view msgtype, json::object payload) {
  return send_body(signed_request(signer, msgtype, std::move(payload)));
}

ApiReply BrokerHarness::wait(std::future<ApiReply>& reply) {
  if (reply.wait_for(options_.reply_timeout) != std::future_status::ready) {
    ADD_FAILURE() << "no reply within " << options_.reply_timeout.count() << " ms";
    return ApiReply{0, "", json::object{}};
  }
  return reply.get();
}

ApiReply BrokerHarness::call_body(std::string body) {
  auto future = send_body(std::move(body));
  return wait(future);
}

ApiReply BrokerHarness::call(const Identity& signer, std::string_view msgtype, json::object payload) {
  return call_body(signed_request(signer, msgtype, std::move(payload)));
}

ApiReply BrokerHarness::call_unsigned(std::string_view msgtype, json::object payload) {
  return call_body(unsigned_request(msgtype, std::move(payload)));
}

void BrokerHarness::flush() {
  std::promise<void> done;
  auto future = done.get_future();
  commits_->submit({}, [&done](Status) { done.set_value(); });
  if (future.wait_for(options_.reply_timeout) != std::future_status::ready) {
    ADD_FAILURE() << "the commit queue did not drain";
  }
}

void BrokerHarness::tick() {
  broker_->tick();
  flush();
}

void BrokerHarness::advance_and_tick(std::int64_t seconds) {
  clock_->advance_s(seconds);
  tick();
}

BrokerHarness::Colony BrokerHarness::add_colony(const std::string& name) {
  Colony colony{name, new_identity(name + "-owner")};
  auto reply = call(server_owner_, msg::kAddColony,
                    {{"colony", json::object{{"colonyid", colony.owner.id}, {"name", name}}}});
  if (reply.status != 200) ADD_FAILURE() << "addcolonymsg " << name << ": " << describe(reply);
  return colony;
}

Identity BrokerHarness::add_executor(const Colony& colony, const std::string& name, const std::string& type,
                                     bool approve, const model::Capabilities& capabilities,
                                     const std::string& location) {
  Identity executor = new_identity(name);
  json::object e{{"executorid", executor.id},   {"executortype", type},
                 {"executorname", name},        {"colonyname", colony.name},
                 {"locationname", location},    {"capabilities", model::to_json(capabilities)}};
  auto reply = call(colony.owner, msg::kAddExecutor, {{"executor", std::move(e)}});
  if (reply.status != 200) ADD_FAILURE() << "addexecutormsg " << name << ": " << describe(reply);
  if (approve) {
    reply = call(colony.owner, msg::kApproveExecutor, {{"colonyname", colony.name}, {"executorname", name}});
    if (reply.status != 200) ADD_FAILURE() << "approveexecutormsg " << name << ": " << describe(reply);
  }
  return executor;
}

Identity BrokerHarness::add_user(const Colony& colony, const std::string& name) {
  Identity user = new_identity(name);
  json::object u{{"colonyname", colony.name}, {"userid", user.id}, {"name", name},
                 {"email", name + "@example.org"}, {"phone", ""}};
  auto reply = call(colony.owner, msg::kAddUser, {{"user", std::move(u)}});
  if (reply.status != 200) ADD_FAILURE() << "addusermsg " << name << ": " << describe(reply);
  return user;
}

json::object BrokerHarness::spec(const std::string& colony, const std::string& type, const std::string& funcname) {
  return json::object{{"funcname", funcname},
                      {"conditions", json::object{{"colonyname", colony}, {"executortype", type}}}};
}

json::object BrokerHarness::submit(const Identity& who, json::object spec) {
  auto reply = call(who, msg::kSubmitFunctionSpec, {{"spec", std::move(spec)}});
  if (reply.status != 200 || !reply.payload.is_object()) {
    ADD_FAILURE() << "submitfuncspecmsg: " << describe(reply);
    return {};
  }
  return reply.payload.as_object();
}

ApiReply BrokerHarness::assign(const Identity& executor, const std::string& colony, std::int64_t timeout,
                               json::object extra) {
  json::object payload{{"colonyname", colony}, {"timeout", timeout}};
  for (auto& [k, v] : extra) payload[k] = v;
  return call(executor, msg::kAssignProcess, std::move(payload));
}

ApiReply BrokerHarness::get_process(const Identity& who, const std::string& processid) {
  return call(who, msg::kGetProcess, {{"processid", processid}});
}

ApiReply BrokerHarness::close_successful(const Identity& executor, const std::string& processid) {
  return call(executor, msg::kCloseSuccessful, {{"processid", processid}, {"out", json::array{}}});
}

std::string error_message(const ApiReply& reply) {
  if (reply.payloadtype != msg::kError || !reply.payload.is_object()) return {};
  const auto* m = reply.payload.as_object().if_contains("message");
  return m && m->is_string() ? std::string(m->as_string()) : std::string();
}

std::string describe(const ApiReply& reply) {
  if (reply.payloadtype == msg::kError) return fmt::format("{} {}", reply.status, error_message(reply));
  return fmt::format("{} {}", reply.status, reply.payloadtype);
}

}  // namespace colonies::testing
