// Every SDK request is a valid signed envelope (PROTOCOL.md): signature over the base64 payload,
// msgtype == payloadtype, a fresh 32-hex nonce, the current Unix time.
#include <set>

#include "core/protocol/encoding.hpp"
#include "tests/unit/client/client_fixture.hpp"

namespace colonies::client {
namespace {

class ClientEnvelopeTest : public ClientFixture {};

TEST_F(ClientEnvelopeTest, SignsRequestWithTheClientKey) {
  ASSERT_TRUE(client_->get_colony("dev"));
  auto envelope = protocol::decode_envelope(last_body());
  ASSERT_TRUE(envelope);
  EXPECT_EQ(envelope->signer, signer_id_);
  EXPECT_EQ(client_->id(), signer_id_);
  EXPECT_TRUE(protocol::is_lower_hex(envelope->signature, 128));
  EXPECT_TRUE(sodium_.verify(envelope->payload, envelope->signature, envelope->signer));
}

TEST_F(ClientEnvelopeTest, PayloadCarriesMsgtypeEqualToPayloadtype) {
  ASSERT_TRUE(client_->get_colony("dev"));
  auto envelope = protocol::decode_envelope(last_body());
  ASSERT_TRUE(envelope);
  EXPECT_EQ(envelope->payloadtype, "getcolonymsg");
  auto payload = protocol::decode_payload(*envelope);  // fails unless msgtype == payloadtype
  ASSERT_TRUE(payload) << payload.error().message;
  EXPECT_EQ(payload->at("colonyname").as_string(), "dev");
}

TEST_F(ClientEnvelopeTest, TimestampIsTheCurrentUnixTimeInSeconds) {
  ASSERT_TRUE(client_->get_colony("dev"));
  EXPECT_EQ(last_payload().at("timestamp").as_int64(), kNow / 1'000'000'000);
}

TEST_F(ClientEnvelopeTest, TimestampUsesTheSystemClockByDefault) {
  auto transport = std::make_unique<colonies::testing::FakeTransport>();
  auto sent = transport->sent();
  Client client(std::move(transport), *sodium_.signer(private_key_));
  ASSERT_TRUE(client.get_colony("dev"));
  auto payload = colonies::testing::sent_payload(sent->back().body);
  std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_NEAR(static_cast<double>(payload.at("timestamp").as_int64()), static_cast<double>(now), 5.0);
}

TEST_F(ClientEnvelopeTest, NonceIs32LowercaseHexAndUniquePerCall) {
  std::set<std::string> nonces;
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(client_->cancel_process("p"));
    std::string nonce(last_payload().at("nonce").as_string());
    EXPECT_TRUE(protocol::is_lower_hex(nonce, 32)) << nonce;
    nonces.insert(nonce);
  }
  EXPECT_EQ(nonces.size(), 50u);
}

TEST_F(ClientEnvelopeTest, VersionAndServerInfoAreSentUnsigned) {
  transport_->push_ok(boost::json::object{{"buildversion", "1.2.3"}, {"buildtime", "today"}});
  auto version = client_->version();
  ASSERT_TRUE(version) << version.error().message;
  EXPECT_EQ(version->buildversion, "1.2.3");
  auto envelope = protocol::decode_envelope(last_body());
  ASSERT_TRUE(envelope);
  EXPECT_EQ(envelope->payloadtype, "versionmsg");
  EXPECT_TRUE(envelope->signature.empty());
  EXPECT_TRUE(envelope->signer.empty());
  EXPECT_TRUE(protocol::decode_payload(*envelope));
}

TEST_F(ClientEnvelopeTest, ClientWithoutKeyRefusesSignedCallsWithoutSending) {
  auto transport = std::make_unique<colonies::testing::FakeTransport>();
  auto sent = transport->sent();
  Client client(std::move(transport), nullptr);
  auto result = client.get_colonies();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::Unauthenticated);
  EXPECT_TRUE(sent->empty());
  EXPECT_TRUE(client.server_info());  // unsigned calls still work
  EXPECT_EQ(sent->size(), 1u);
}

TEST_F(ClientEnvelopeTest, UsesTheRequestTimeoutForOrdinaryCalls) {
  ASSERT_TRUE(client_->get_process("p"));
  EXPECT_EQ(sent_->back().timeout, config_.request_timeout);
}

TEST_F(ClientEnvelopeTest, AssignHttpTimeoutOutlastsTheLongPoll) {
  transport_->push_error(408, "no process within 60 s");
  auto result = client_->assign("dev", 60);
  EXPECT_EQ(sent_->back().timeout, std::chrono::seconds(60) + config_.long_poll_margin);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::Timeout);
}

TEST_F(ClientEnvelopeTest, TryOnceAssignUsesAtLeastTheRequestTimeout) {
  transport_->push_error(404, "no process available");
  auto result = client_->assign("dev", -1);
  EXPECT_GE(sent_->back().timeout, config_.request_timeout);
  EXPECT_EQ(last_payload().at("timeout").as_int64(), -1);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::NotFound);
}

}  // namespace
}  // namespace colonies::client
