// The audit ledger through the broker: every signed state-changing request is recorded with its
// outcome (200, a 403 role refusal, a 400 found before the lock), reads and unsigned or badly
// signed requests are not; the reply comes only once the entry is durable; the chain verifies,
// survives a restart and retention (a checkpoint); getauditmsg shows a colony owner only their
// colony.
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "core/protocol/messages.hpp"
#include "tests/support/broker_harness.hpp"

namespace colonies::server::api {
namespace {

namespace json = boost::json;
namespace msg = protocol::msg;
using testing::BrokerHarness;
using testing::describe;

template <class F>
bool eventually(F&& condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

class BrokerAuditTest : public ::testing::Test {
 protected:
  static BrokerHarness::Options options() {
    BrokerHarness::Options o;
    o.broker.audit_retention_s = 3600;
    o.broker.retention_period_s = 60;
    o.broker.stale_executor_s = 0;
    return o;
  }
  BrokerAuditTest() : h_(options()), alpha_(h_.add_colony("alpha")), beta_(h_.add_colony("beta")) {
    executor_ = h_.add_executor(alpha_, "exec");
    user_ = h_.add_user(alpha_, "user");
  }

  std::vector<model::AuditEntry> ledger(ports::AuditQuery q = {}) {
    h_.flush();
    q.count = 100000;
    auto entries = h_.store().list_audit(q);
    EXPECT_TRUE(entries) << entries.error().message;
    return entries ? *entries : std::vector<model::AuditEntry>{};
  }
  std::optional<model::AuditEntry> last() {
    auto all = ledger();
    if (all.empty()) return std::nullopt;
    return all.back();
  }
  // The chain check of `colonies audit verify`, on what the store holds.
  std::string verify() {
    auto state = h_.store().audit_state();
    EXPECT_TRUE(state);
    model::AuditHead start;
    if (state->checkpoint) start = {state->checkpoint->seq, state->checkpoint->hash, state->checkpoint->time};
    model::AuditChainCheck check(h_.crypto(), start);
    for (const auto& e : ledger()) {
      if (auto problem = check.next(e)) return std::to_string(e.seq) + ": " + *problem;
    }
    if (check.head().seq != state->head.seq) return "ends before the head";
    return "";
  }

  BrokerHarness h_;
  BrokerHarness::Colony alpha_, beta_;
  testing::Identity executor_, user_;
};

TEST_F(BrokerAuditTest, RecordsASubmitWithTheProcessItCreated) {
  auto p = h_.submit(user_, BrokerHarness::spec("alpha"));
  const std::string id(p.at("processid").as_string());
  auto e = last();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->msgtype, msg::kSubmitFunctionSpec);
  EXPECT_EQ(e->status, 200);
  EXPECT_EQ(e->signer, user_.id);
  EXPECT_EQ(e->colonyname, "alpha");
  EXPECT_EQ(e->processid, id);
  EXPECT_EQ(e->payloaddigest, model::sha256_hex(e->payload));
  EXPECT_TRUE(h_.crypto().verify(e->payload, e->signature, e->signer));
  EXPECT_EQ(verify(), "");
}

TEST_F(BrokerAuditTest, RecordsARoleRefusalWithItsStatus) {
  auto refused = h_.call(beta_.owner, msg::kPauseAssignments, {{"colonyname", "alpha"}});
  ASSERT_EQ(refused.status, 403) << describe(refused);
  auto e = last();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->msgtype, msg::kPauseAssignments);
  EXPECT_EQ(e->status, 403);
  EXPECT_EQ(e->signer, beta_.owner.id);
  EXPECT_EQ(e->colonyname, "alpha");
}

TEST_F(BrokerAuditTest, RecordsAnErrorFoundBeforeTheLockAndTheColonyOfARefusedProcessCall) {
  auto bad = h_.call(user_, msg::kSubmitFunctionSpec, {{"spec", "not an object"}});
  ASSERT_EQ(bad.status, 400) << describe(bad);
  auto e = last();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->msgtype, msg::kSubmitFunctionSpec);
  EXPECT_EQ(e->status, 400);

  // A close of a process the caller does not hold: refused, and filed under its colony.
  auto p = h_.submit(user_, BrokerHarness::spec("alpha"));
  ASSERT_EQ(h_.assign(executor_, "alpha").status, 200);
  const std::string id(p.at("processid").as_string());
  auto closed = h_.call(user_, msg::kCloseSuccessful, {{"processid", id}});
  ASSERT_EQ(closed.status, 403) << describe(closed);
  e = last();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 403);
  EXPECT_EQ(e->processid, id);
  EXPECT_EQ(e->colonyname, "alpha");
  EXPECT_EQ(verify(), "");
}

TEST_F(BrokerAuditTest, RecordsAnAssignWithTheProcessHandedOut) {
  auto p = h_.submit(user_, BrokerHarness::spec("alpha"));
  auto a = h_.assign(executor_, "alpha");
  ASSERT_EQ(a.status, 200) << describe(a);
  auto e = last();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->msgtype, msg::kAssignProcess);
  EXPECT_EQ(e->processid, std::string(p.at("processid").as_string()));
  auto none = h_.assign(executor_, "alpha");
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(last()->status, 404);
}

TEST_F(BrokerAuditTest, DoesNotRecordReadsOrUnauthenticatedRequests) {
  const auto before = ledger().size();
  auto p = h_.submit(user_, BrokerHarness::spec("alpha"));
  ASSERT_EQ(ledger().size(), before + 1);
  EXPECT_EQ(h_.get_process(user_, std::string(p.at("processid").as_string())).status, 200);
  EXPECT_EQ(h_.call(user_, msg::kGetColony, {{"colonyname", "alpha"}}).status, 200);
  // A signature over another payload: 401, never recorded (anyone could fill the ledger).
  std::string body = h_.signed_request(user_, msg::kPauseAssignments, {{"colonyname", "alpha"}});
  auto at = body.find("\"signature\":\"") + 13;
  body[at] = body[at] == 'a' ? 'b' : 'a';
  EXPECT_EQ(h_.call_body(body).status, 401);
  EXPECT_EQ(ledger().size(), before + 1);
}

TEST_F(BrokerAuditTest, RepliesOnlyOnceTheEntryIsDurable) {
  const auto before = ledger().size();
  h_.store().set_unavailable(true);
  // A refusal has no changes of its own; its entry still has to be stored first.
  auto pending = h_.send(beta_.owner, msg::kPauseAssignments, {{"colonyname", "alpha"}});
  ASSERT_TRUE(eventually([&] { return !h_.broker().healthy(); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(BrokerHarness::ready(pending));
  h_.store().set_unavailable(false);
  auto reply = h_.wait(pending);
  EXPECT_EQ(reply.status, 403) << describe(reply);
  auto all = ledger();
  ASSERT_EQ(all.size(), before + 1);
  EXPECT_EQ(all.back().status, 403);
}

TEST_F(BrokerAuditTest, ARestartedServerContinuesTheChain) {
  h_.submit(user_, BrokerHarness::spec("alpha"));
  h_.flush();
  const auto head = h_.store().audit_state()->head;
  auto restarted = h_.restart();
  restarted->submit(user_, BrokerHarness::spec("alpha"));
  restarted->flush();
  auto entries = restarted->store().list_audit({.after_seq = head.seq});
  ASSERT_TRUE(entries);
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].seq, head.seq + 1);
  EXPECT_EQ((*entries)[0].prevhash, head.hash);
  EXPECT_EQ(verify(), "");
}

TEST_F(BrokerAuditTest, RetentionPrunesBehindACheckpointAndTheChainStillVerifies) {
  h_.submit(user_, BrokerHarness::spec("alpha"));
  h_.flush();
  const auto old_head = h_.store().audit_state()->head;
  h_.advance_and_tick(1800);
  h_.submit(user_, BrokerHarness::spec("alpha"));
  h_.advance_and_tick(1801);  // the first entries are now over an hour old
  auto state = h_.store().audit_state();
  ASSERT_TRUE(state);
  ASSERT_TRUE(state->checkpoint);
  EXPECT_EQ(state->checkpoint->seq, old_head.seq);
  EXPECT_EQ(state->checkpoint->hash, old_head.hash);
  EXPECT_EQ(state->first_seq, old_head.seq + 1);
  EXPECT_EQ(verify(), "");
  // Everything pruned: the next entry chains on the checkpoint.
  h_.advance_and_tick(7200);
  state = h_.store().audit_state();
  EXPECT_EQ(state->entries, 0);
  h_.submit(user_, BrokerHarness::spec("alpha"));
  EXPECT_EQ(verify(), "");
  EXPECT_EQ(last()->prevhash, h_.store().audit_state()->checkpoint->hash);
}

TEST_F(BrokerAuditTest, AColonyOwnerReadsOnlyTheirColony) {
  h_.submit(user_, BrokerHarness::spec("alpha"));
  auto all = h_.call(h_.server_owner(), msg::kGetAudit, {});
  ASSERT_EQ(all.status, 200) << describe(all);
  EXPECT_EQ(all.payload.as_array().size(), ledger().size());

  auto mine = h_.call(alpha_.owner, msg::kGetAudit, {{"colonyname", "alpha"}});
  ASSERT_EQ(mine.status, 200) << describe(mine);
  ASSERT_FALSE(mine.payload.as_array().empty());
  for (const auto& e : mine.payload.as_array()) EXPECT_EQ(e.at("colonyname"), "alpha");
  EXPECT_EQ(h_.call(alpha_.owner, msg::kGetAudit, {}).status, 403);
  EXPECT_EQ(h_.call(alpha_.owner, msg::kGetAudit, {{"colonyname", "beta"}}).status, 403);
  EXPECT_EQ(h_.call(user_, msg::kGetAudit, {{"colonyname", "alpha"}}).status, 403);

  auto page = h_.call(h_.server_owner(), msg::kGetAudit, {{"afterseq", 2}, {"count", 2}});
  ASSERT_EQ(page.status, 200) << describe(page);
  ASSERT_EQ(page.payload.as_array().size(), 2u);
  EXPECT_EQ(page.payload.as_array()[0].at("seq"), 3);
  EXPECT_EQ(h_.call(h_.server_owner(), msg::kGetAudit, {{"count", 1001}}).status, 400);

  auto head = h_.call(h_.server_owner(), msg::kGetAuditHead, {});
  ASSERT_EQ(head.status, 200) << describe(head);
  EXPECT_EQ(head.payload.at("head").at("seq"), static_cast<std::int64_t>(ledger().size()));
  EXPECT_TRUE(head.payload.at("checkpoint").is_null());
}

}  // namespace
}  // namespace colonies::server::api
