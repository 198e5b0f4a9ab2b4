// libFuzzer target for every message's payload as the broker reads it: the input chooses a
// message type, a signer and the payload JSON, and the real Broker::handle answers it, through the
// Authenticator, the role checks and the handler's own parsing and validation (model codecs,
// server/api/validation.hpp). The broker runs as in the unit tests (BrokerHarness: in-memory
// store, fake clock, real Ed25519, real group commit), started for each input from one prepared
// state: a colony with its owner, an approved executor, a user, waiting and running processes, a
// workflow, a cron, a generator, a file, a location and a function. So every input sees the same
// world and a reproducer reproduces.
//
// Input: up to 8 requests, each two lines: "<msgtype> <signer>" and the payload JSON. An unknown
// msgtype picks one by its first byte. Signer: s(erver owner), o(wner of the colony), e(xecutor),
// u(ser), anything else a stranger. In the JSON, @colony, @owner, @executor, @user, @server, @p1
// (waiting), @p2 (running, assigned to the executor), @graph, @node (its first process), @cron,
// @generator, @file and @type are replaced by the prepared world's names and IDs, so mutations
// keep meeting real objects; requests in sequence reach states one request cannot.
//
// Checks: exactly one reply per request, from the statuses PROTOCOL.md allows, never 500; an
// error reply's payload carries its status and a message; a stranger's key gets nothing but the
// version and the server's info; a parked long-poll ends when its time is up; afterwards the
// store still loads into a new broker (restart) with the same process counts, so nothing was
// acknowledged that a restart cannot read back. Subscribe messages go to Broker::subscribe as a
// WebSocket's first frame: every frame sent must be a reply envelope, and shutting the broker
// down must end every subscription.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "core/protocol/envelope.hpp"
#include "core/protocol/messages.hpp"
#include "tests/support/broker_harness.hpp"
#include "tests/support/recording_stream.hpp"

namespace {

namespace json = boost::json;
namespace msg = colonies::protocol::msg;
using colonies::server::api::ApiReply;
using colonies::testing::BrokerHarness;
using colonies::testing::Identity;
using colonies::testing::RecordingStream;
using Streams = std::vector<std::shared_ptr<RecordingStream>>;

constexpr std::size_t kMaxRequests = 8;

void require(bool ok, const char* what, const std::string& detail = "") {
  if (ok) return;
  std::fprintf(stderr, "payloads fuzzer: %s %s\n", what, detail.c_str());
  std::abort();
}

// The prepared world, built once through the broker itself.
struct World {
  std::unique_ptr<BrokerHarness> harness;
  BrokerHarness::Colony colony;
  Identity executor, user, stranger;
  std::vector<std::pair<std::string, std::string>> substitutions;

  World() {
    harness = std::make_unique<BrokerHarness>();
    auto& h = *harness;
    colony = h.add_colony("lab");
    executor = h.add_executor(colony, "worker-1", "worker");
    user = h.add_user(colony, "alice");
    stranger = h.new_identity("mallory");
    json::object spec = BrokerHarness::spec("lab");
    spec["channels"] = json::array{"progress"};
    const auto p1 = h.submit(user, spec);
    const auto p2 = h.submit(user, spec);
    const auto assigned = h.assign(executor, "lab");
    require(assigned.status == 200, "set-up: assign", colonies::testing::describe(assigned));
    const std::string running = std::string(assigned.payload.at("processid").as_string());
    const std::string waiting = std::string((running == std::string(p1.at("processid").as_string()) ? p2 : p1)
                                                .at("processid").as_string());
    json::object a = BrokerHarness::spec("lab");
    a["nodename"] = "a";
    json::object b = BrokerHarness::spec("lab");
    b["nodename"] = "b";
    b["conditions"].as_object()["dependencies"] = json::array{"a"};
    const json::object workflow{{"colonyname", "lab"}, {"functionspecs", json::array{a, b}}};
    auto graph = ok(h.call(user, msg::kSubmitWorkflowSpec, {{"spec", workflow}}), "workflow");
    auto cron = ok(h.call(user, msg::kAddCron,
                          {{"cron", json::object{{"colonyname", "lab"},
                                                 {"name", "nightly"},
                                                 {"cronexpression", "0 0 3 * * *"},
                                                 {"workflowspec", json::serialize(workflow)}}}}),
                   "cron");
    auto generator = ok(h.call(user, msg::kAddGenerator,
                               {{"generator", json::object{{"colonyname", "lab"},
                                                           {"name", "batch"},
                                                           {"trigger", 3},
                                                           {"workflowspec", json::serialize(workflow)}}}}),
                        "generator");
    ok(h.call(user, msg::kPackGenerator, {{"generatorid", generator.at("generatorid")}, {"arg", "file-1"}}), "pack");
    const std::string sum(64, 'a');
    auto file = ok(h.call(user, msg::kAddFile,
                          {{"file", json::object{{"colonyname", "lab"},
                                                 {"label", "/inputs"},
                                                 {"name", "data.h5"},
                                                 {"size", 3},
                                                 {"checksum", sum},
                                                 {"ref", json::object{{"protocol", "dir"},
                                                                      {"s3object", json::object{{"object", sum}}}}}}}}),
                   "file");
    ok(h.call(user, msg::kCreateSnapshot, {{"colonyname", "lab"}, {"label", "/inputs"}, {"name", "v1"}}), "snapshot");
    ok(h.call(executor, msg::kAddLog, {{"processid", running}, {"message", "step 1"}}), "log");
    ok(h.call(executor, msg::kAddFunction,
              {{"fun", json::object{{"executorname", "worker-1"}, {"colonyname", "lab"}, {"funcname", "compute"}}}}),
       "function");
    h.flush();
    substitutions = {{"@colony", "lab"},
                     {"@owner", colony.owner.id},
                     {"@executor", executor.id},
                     {"@user", user.id},
                     {"@server", h.server_owner().id},
                     {"@p1", waiting},
                     {"@p2", running},
                     {"@graph", text_of(graph, "processgraphid")},
                     {"@node", first_of(graph, "processids")},
                     {"@cron", text_of(cron, "cronid")},
                     {"@generator", text_of(generator, "generatorid")},
                     {"@file", text_of(file, "fileid")},
                     {"@type", "worker"}};
  }

  static json::object ok(const ApiReply& reply, const char* what) {
    require(reply.status == 200, what, colonies::testing::describe(reply));
    return reply.payload.is_object() ? reply.payload.as_object() : json::object{};
  }
  static std::string text_of(const json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  }
  static std::string first_of(const json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    if (!v || !v->is_array() || v->as_array().empty() || !v->as_array().front().is_string()) return "";
    return std::string(v->as_array().front().as_string());
  }
  const Identity* signer(char c) const {
    switch (c) {
      case 's': return &harness->server_owner();
      case 'o': return &colony.owner;
      case 'e': return &executor;
      case 'u': return &user;
      default: return &stranger;
    }
  }
};

World& world() {
  static World w;
  return w;
}

std::string substitute(std::string text) {
  for (const auto& [token, value] : world().substitutions) {
    for (auto at = text.find(token); at != std::string::npos; at = text.find(token, at + value.size())) {
      text.replace(at, token.size(), value);
    }
  }
  return text;
}

bool allowed_status(int status) {
  for (int s : {200, 400, 401, 403, 404, 408, 409, 413, 429, 503}) {
    if (status == s) return true;
  }
  return false;
}

void check_reply(const ApiReply& r, const std::string& type) {
  require(allowed_status(r.status), "a status PROTOCOL.md does not allow:", colonies::testing::describe(r) + " for " + type);
  if (r.status == 200) {
    require(r.payloadtype != msg::kError, "a 200 reply of type error for", type);
    return;
  }
  require(r.payloadtype == msg::kError && r.payload.is_object(), "an error reply that is not an error payload for", type);
  const auto& o = r.payload.as_object();
  const auto* status = o.if_contains("status");
  const auto* message = o.if_contains("message");
  require(status && status->is_int64() && status->as_int64() == r.status, "an error payload without its status for",
          type);
  require(message && message->is_string() && !message->as_string().empty(), "an error without a message for", type);
}

// A batch reply (submitfuncspecsmsg, closeprocessesmsg) whose items all failed.
bool every_item_refused(const ApiReply& r) {
  const auto* results = r.payload.is_object() ? r.payload.as_object().if_contains("results") : nullptr;
  if (results == nullptr || !results->is_array()) return false;
  for (const auto& item : results->as_array()) {
    const auto* status = item.is_object() ? item.as_object().if_contains("status") : nullptr;
    if (status == nullptr || !status->is_int64() || status->as_int64() == 200) return false;
  }
  return true;
}

// One request: sends it, ends a long-poll it parked, and checks the one reply.
void exchange(BrokerHarness& h, std::string_view header, std::string_view json_text, Streams& streams) {
  World& w = world();
  const auto space = header.rfind(' ');
  const std::string_view name = header.substr(0, space);
  const char who = space == std::string_view::npos || space + 1 >= header.size() ? '?' : header[space + 1];
  std::string type(name);
  const auto& types = h.broker().message_types();
  const auto& stream_types = h.broker().stream_message_types();
  if (std::find(types.begin(), types.end(), type) == types.end() &&
      std::find(stream_types.begin(), stream_types.end(), type) == stream_types.end()) {
    type = types[(header.empty() ? 0u : static_cast<unsigned char>(header[0])) % types.size()];
  }
  auto payload = colonies::model::parse_json(substitute(std::string(json_text)));
  if (!payload || !payload->is_object()) return;
  if (std::find(stream_types.begin(), stream_types.end(), type) != stream_types.end()) {
    // A subscription: the first frame of a WebSocket. Its frames are checked when it has ended.
    auto stream = std::make_shared<RecordingStream>();
    h.broker().subscribe(h.signed_request(*w.signer(who), type, std::move(payload->as_object())), stream);
    streams.push_back(std::move(stream));
    return;
  }

  auto promise = std::make_shared<std::promise<ApiReply>>();
  auto replies = std::make_shared<std::atomic<int>>(0);
  auto future = promise->get_future();
  const std::size_t parked = h.broker().counters().parked_assigns;
  h.broker().handle(h.signed_request(*w.signer(who), type, std::move(payload->as_object())),
                    [promise, replies, type](ApiReply reply) {
                      require(replies->fetch_add(1) == 0, "a second reply to one request of type", type);
                      promise->set_value(std::move(reply));
                    });
  if (h.broker().counters().parked_assigns > parked) {
    // A long-poll: it must end once its time is up (the longest a poll may wait, and then some).
    h.advance_and_tick(3601);
  }
  require(future.wait_for(std::chrono::seconds(10)) == std::future_status::ready, "no reply to", type);
  const ApiReply reply = future.get();
  // For writing seeds: COLONIES_FUZZ_VERBOSE=1 prints what each request got.
  static const bool verbose = std::getenv("COLONIES_FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "%s %c -> %s\n", type.c_str(), who, colonies::testing::describe(reply).c_str());
  check_reply(reply, type);
  // Fails closed: a key nobody registered may only ask for the version and the server's info
  // (the role matrix of tests/unit/server/role_matrix_test.cpp), or get a batch answered with
  // every item refused (items are validated before the role rule, as the single forms are). The
  // input cannot name the stranger's ID, so no request can make the stranger a member first.
  if (w.signer(who) == &w.stranger) {
    require(reply.status != 200 || type == msg::kVersion || type == msg::kGetServerInfo || every_item_refused(reply),
            "a request signed by an unknown key was accepted:", type);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The broker logs what it starts and refuses; millions of runs need none of it.
  static const bool quiet = [] {
    spdlog::set_level(spdlog::level::off);
    return true;
  }();
  (void)quiet;
  if (size < 3 || size > 16384) return 0;
  World& w = world();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> lines;
  while (!input.empty() && lines.size() < 2 * kMaxRequests) {
    const auto newline = input.find('\n');
    lines.push_back(input.substr(0, newline));
    input = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
  }
  if (lines.size() < 2) return 0;

  // A fresh broker over a copy of the prepared state, at the same instant every time.
  BrokerHarness::Options options;
  options.store = w.harness->store().clone();
  options.clock = std::make_shared<colonies::testing::FakeClock>(w.harness->clock().now());
  options.server_owner = w.harness->server_owner();
  auto h = std::make_unique<BrokerHarness>(options);
  Streams streams;
  for (std::size_t i = 0; i + 1 < lines.size(); i += 2) exchange(*h, lines[i], lines[i + 1], streams);

  // Whatever was acknowledged must load back: a restarted broker sees the same processes.
  h->flush();
  const auto before = h->broker().counters();
  auto restarted = h->restart();
  const auto after = restarted->broker().counters();
  require(before.active_processes == after.active_processes && before.queued_processes == after.queued_processes,
          "a restart does not see the same processes");
  // Shutting the broker down ends every subscription (503); every frame sent was a reply
  // envelope, and a refused subscription got its error frame before the end.
  restarted.reset();
  h.reset();
  for (const auto& stream : streams) {
    require(stream->wait_ended(std::chrono::seconds(10)), "a subscription outlived its broker");
    for (const auto& frame : stream->frames()) {
      require(frame.payloadtype != "undecodable", "a subscription frame that is not a reply envelope");
    }
    if (std::getenv("COLONIES_FUZZ_VERBOSE") != nullptr) {
      std::fprintf(stderr, "subscription: %zu frames, ended: %s\n", stream->frames().size(), stream->end_reason().c_str());
    }
  }
  // The harness reports a broker that cannot load its store, or a commit queue that does not
  // drain, as a test failure; outside a test that is an ad hoc failure.
  require(!::testing::UnitTest::GetInstance()->ad_hoc_test_result().Failed(), "the harness reported a failure");
  return 0;
}
