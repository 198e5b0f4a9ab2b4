// etcd gateway JSON: requests are what etcd 3.4 accepted when the fixtures were captured, and
// the fixtures (real replies) parse into what the election needs.
#include "adapters/cluster/etcd_messages.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/protocol/encoding.hpp"
#include "tests/support/golden.hpp"

namespace colonies::cluster::etcd {
namespace {

namespace json = boost::json;

std::string fixture(const std::string& name) {
  return testing::read_golden(testing::golden_root().parent_path() / "fixtures" / "etcd" / name);
}

std::string decoded(const json::value& v) { return *protocol::base64_decode(v.as_string()); }

constexpr std::int64_t kLease = 2324035812408775432;

TEST(EtcdMessagesTest, GrantAsksForWholeSeconds) {
  EXPECT_EQ(json::parse(lease_grant_request(3)), json::parse(R"({"TTL":"3"})"));
}

TEST(EtcdMessagesTest, LeaseCallsNameTheLeaseAsDecimalString) {
  EXPECT_EQ(json::parse(lease_request(kLease)), json::parse(R"({"ID":"2324035812408775432"})"));
}

TEST(EtcdMessagesTest, PutEncodesKeyAndValueAndAttachesLease) {
  auto put = json::parse(put_request("/colonies/members/a", R"({"name":"a"})", 7)).as_object();
  EXPECT_EQ(decoded(put.at("key")), "/colonies/members/a");
  EXPECT_EQ(decoded(put.at("value")), R"({"name":"a"})");
  EXPECT_EQ(put.at("lease").as_string(), "7");
}

TEST(EtcdMessagesTest, PrefixRangeEndsAtPrefixWithLastByteIncremented) {
  auto range = json::parse(prefix_range_request("/colonies/")).as_object();
  EXPECT_EQ(decoded(range.at("key")), "/colonies/");
  EXPECT_EQ(decoded(range.at("range_end")), "/colonies0");
}

TEST(EtcdMessagesTest, PrefixRangeOfTrailingFfBytesCarries) {
  auto range = json::parse(prefix_range_request("a\xff\xff")).as_object();
  EXPECT_EQ(decoded(range.at("range_end")), "b");
  auto all = json::parse(prefix_range_request("\xff")).as_object();
  EXPECT_EQ(decoded(all.at("range_end")), std::string(1, '\0'));
}

TEST(EtcdMessagesTest, CampaignCreatesKeyOnlyIfAbsentAndReadsItOtherwise) {
  auto txn = json::parse(campaign_request("/colonies/leader", "a", kLease)).as_object();
  const auto& compare = txn.at("compare").as_array().at(0).as_object();
  EXPECT_EQ(decoded(compare.at("key")), "/colonies/leader");
  EXPECT_EQ(compare.at("target").as_string(), "CREATE");
  EXPECT_EQ(compare.at("result").as_string(), "EQUAL");
  EXPECT_EQ(compare.at("create_revision").as_string(), "0");
  const auto& put = txn.at("success").as_array().at(0).at("request_put").as_object();
  EXPECT_EQ(decoded(put.at("value")), "a");
  EXPECT_EQ(put.at("lease").as_string(), "2324035812408775432");
  const auto& range = txn.at("failure").as_array().at(0).at("request_range").as_object();
  EXPECT_EQ(decoded(range.at("key")), "/colonies/leader");
}

TEST(EtcdMessagesTest, ParsesGrantedLease) {
  auto lease = parse_lease_grant(fixture("lease_grant.json"));
  ASSERT_TRUE(lease) << lease.error().message;
  EXPECT_EQ(lease->id, 2324035812408775434);
  EXPECT_EQ(lease->ttl_s, 3);
}

TEST(EtcdMessagesTest, RefusesGrantWithoutLease) {
  EXPECT_FALSE(parse_lease_grant(R"({"header":{"revision":"1"}})"));
  EXPECT_FALSE(parse_lease_grant("not json"));
}

TEST(EtcdMessagesTest, KeepaliveReportsRemainingTtl) {
  auto ttl = parse_keepalive(fixture("lease_keepalive.json"));
  ASSERT_TRUE(ttl) << ttl.error().message;
  EXPECT_EQ(*ttl, 3);
}

TEST(EtcdMessagesTest, KeepaliveOfExpiredLeaseReportsZero) {
  auto ttl = parse_keepalive(fixture("lease_keepalive_expired.json"));
  ASSERT_TRUE(ttl) << ttl.error().message;
  EXPECT_EQ(*ttl, 0);
}

TEST(EtcdMessagesTest, ParsesRangeOfMembers) {
  auto kvs = parse_range(fixture("range_members.json"));
  ASSERT_TRUE(kvs) << kvs.error().message;
  ASSERT_EQ(kvs->size(), 2u);
  EXPECT_EQ((*kvs)[0].key, "/colonies/members/a");
  EXPECT_EQ((*kvs)[1].create_revision, 4);
  EXPECT_EQ((*kvs)[1].lease, kLease);
  auto member = parse_member_value((*kvs)[1].value);
  ASSERT_TRUE(member) << member.error().message;
  EXPECT_EQ(member->name, "b");
  EXPECT_EQ(member->url, "http://127.0.0.1:2");
}

TEST(EtcdMessagesTest, RangeOfMissingKeyIsEmpty) {
  auto kvs = parse_range(fixture("range_empty.json"));
  ASSERT_TRUE(kvs) << kvs.error().message;
  EXPECT_TRUE(kvs->empty());
}

TEST(EtcdMessagesTest, ParsesLeaderKeyWithRevisionsAndLease) {
  auto kvs = parse_range(fixture("range_leader.json"));
  ASSERT_TRUE(kvs) << kvs.error().message;
  ASSERT_EQ(kvs->size(), 1u);
  EXPECT_EQ((*kvs)[0].value, "a");
  EXPECT_EQ((*kvs)[0].create_revision, 3);
  EXPECT_EQ((*kvs)[0].mod_revision, 3);
  EXPECT_EQ((*kvs)[0].lease, kLease);
}

TEST(EtcdMessagesTest, WonCampaignCarriesRevisionOfTheLeaderKey) {
  auto outcome = parse_campaign(fixture("txn_campaign_won.json"));
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_TRUE(outcome->won);
  EXPECT_EQ(outcome->revision, 3);  // range_leader.json: create_revision 3
  EXPECT_FALSE(outcome->holder);
}

TEST(EtcdMessagesTest, LostCampaignNamesTheHolder) {
  auto outcome = parse_campaign(fixture("txn_campaign_lost.json"));
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_FALSE(outcome->won);
  ASSERT_TRUE(outcome->holder);
  EXPECT_EQ(outcome->holder->value, "a");
  EXPECT_EQ(outcome->holder->create_revision, 3);
  EXPECT_EQ(outcome->holder->lease, kLease);
}

TEST(EtcdMessagesTest, LeaseNotFoundIsNotFound) {
  auto error = parse_error(404, fixture("put_lease_not_found.json"));
  EXPECT_EQ(error.code, ErrorCode::NotFound);
  EXPECT_EQ(error.message, "etcd: etcdserver: requested lease not found");
}

TEST(EtcdMessagesTest, RevokingAnUnknownLeaseIsNotFound) {
  EXPECT_EQ(parse_error(404, fixture("lease_revoke_not_found.json")).code, ErrorCode::NotFound);
}

TEST(EtcdMessagesTest, MalformedRequestIsBadRequest) {
  auto error = parse_error(400, fixture("error_bad_json.json"));
  EXPECT_EQ(error.code, ErrorCode::BadRequest);
  EXPECT_EQ(error.message, "etcd: unexpected EOF");
}

TEST(EtcdMessagesTest, InvalidArgumentIsBadRequest) {
  auto error = parse_error(400, fixture("error_bad_request.json"));
  EXPECT_EQ(error.code, ErrorCode::BadRequest);
  EXPECT_EQ(error.message, "etcd: illegal base64 data at input byte 9");
}

TEST(EtcdMessagesTest, ReplyThatIsNotJsonIsUnavailableWithItsStatus) {
  auto error = parse_error(502, "Bad Gateway");
  EXPECT_EQ(error.code, ErrorCode::Unavailable);
  EXPECT_EQ(error.message, "etcd: HTTP 502: Bad Gateway");
}

TEST(EtcdMessagesTest, MemberValueRoundTrips) {
  auto member = parse_member_value(member_value("node-1", "http://10.0.0.1:50080"));
  ASSERT_TRUE(member) << member.error().message;
  EXPECT_EQ(member->name, "node-1");
  EXPECT_EQ(member->url, "http://10.0.0.1:50080");
  EXPECT_FALSE(parse_member_value(R"({"url":"http://x:1"})"));
}

}  // namespace
}  // namespace colonies::cluster::etcd
