// Authenticator: the envelope checks of PROTOCOL.md and their status codes — signature, signer
// format, msgtype binding, known types, payload decoding, nonce and timestamp, replay, and the
// two messages that may come unsigned. Real Ed25519, fake clock.
#include <gtest/gtest.h>

#include "adapters/crypto/sodium_crypto.hpp"
#include "core/protocol/encoding.hpp"
#include "core/protocol/envelope.hpp"
#include "core/protocol/status.hpp"
#include "server/auth/authenticator.hpp"
#include "tests/support/fake_clock.hpp"

namespace colonies::server::auth {
namespace {

namespace json = boost::json;
using protocol::Envelope;

class AuthenticatorTest : public ::testing::Test {
 protected:
  AuthenticatorTest()
      : auth_(crypto_, clock_, 300, {"versionmsg", "getserverinfomsg", "getcolonymsg", "submitfuncspecmsg"}) {
    signer_ = std::move(*crypto_.signer(crypto_.generate_private_key()));
  }

  std::string nonce() const { return crypto_.random_hex(16); }
  std::string request(std::string_view type, json::object payload = {{"colonyname", "c"}}) const {
    return protocol::build_request(type, std::move(payload), *signer_, nonce(), clock_.now_s());
  }
  // An envelope whose payload is exactly `text` (base64-encoded and signed as is).
  std::string raw(std::string_view type, std::string_view text) const {
    Envelope e;
    e.payloadtype = std::string(type);
    e.payload = protocol::base64_encode(text);
    e.signature = signer_->sign(e.payload);
    e.signer = signer_->id();
    return protocol::encode_envelope(e);
  }
  std::string raw_payload(std::string_view type, const json::object& payload) const {
    return raw(type, json::serialize(payload));
  }
  static Envelope decode(const std::string& body) { return protocol::decode_envelope(body).value(); }

  // The HTTP status authenticate() maps to (200 when accepted).
  int status_of(const std::string& body) {
    auto r = auth_.authenticate(body);
    return r ? 200 : protocol::http_status(r.error().code);
  }

  crypto::SodiumCrypto crypto_;
  testing::FakeClock clock_;
  Authenticator auth_;
  std::unique_ptr<ports::Signer> signer_;
};

TEST_F(AuthenticatorTest, AcceptsASignedRequestAndNamesTheCaller) {
  auto r = auth_.authenticate(request("getcolonymsg"));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->msgtype, "getcolonymsg");
  EXPECT_EQ(r->caller, signer_->id());
  EXPECT_EQ(r->payload.at("colonyname").as_string(), "c");
}

TEST_F(AuthenticatorTest, RefusesReplayedNonce) {
  const std::string body = request("getcolonymsg");
  EXPECT_EQ(status_of(body), 200);
  EXPECT_EQ(status_of(body), 401);
}

TEST_F(AuthenticatorTest, RefusesStaleTimestamp) {
  json::object payload{{"colonyname", "c"}};
  auto stale = protocol::build_request("getcolonymsg", payload, *signer_, nonce(), clock_.now_s() - 301);
  EXPECT_EQ(status_of(stale), 401);
  auto edge = protocol::build_request("getcolonymsg", payload, *signer_, nonce(), clock_.now_s() - 299);
  EXPECT_EQ(status_of(edge), 200);
}

TEST_F(AuthenticatorTest, RefusesFutureTimestamp) {
  auto future = protocol::build_request("getcolonymsg", {}, *signer_, nonce(), clock_.now_s() + 301);
  EXPECT_EQ(status_of(future), 401);
}

TEST_F(AuthenticatorTest, FollowsTheServerClock) {
  auto body = protocol::build_request("getcolonymsg", {}, *signer_, nonce(), clock_.now_s() + 600);
  clock_.advance_s(600);
  EXPECT_EQ(status_of(body), 200);
}

TEST_F(AuthenticatorTest, RefusesTamperedPayload) {
  Envelope e = decode(request("getcolonymsg"));
  Envelope other = decode(request("getcolonymsg", {{"colonyname", "someone-elses"}}));
  e.payload = other.payload;  // a valid payload, but not the one that was signed
  EXPECT_EQ(status_of(protocol::encode_envelope(e)), 401);
}

TEST_F(AuthenticatorTest, RefusesTamperedSignature) {
  Envelope e = decode(request("getcolonymsg"));
  e.signature[10] = e.signature[10] == '0' ? '1' : '0';
  EXPECT_EQ(status_of(protocol::encode_envelope(e)), 401);
  e.signature = e.signature.substr(0, 126);
  EXPECT_EQ(status_of(protocol::encode_envelope(e)), 401);
}

TEST_F(AuthenticatorTest, RefusesSignatureOfAnotherKey) {
  Envelope e = decode(request("getcolonymsg"));
  auto other = std::move(*crypto_.signer(crypto_.generate_private_key()));
  e.signer = other->id();
  EXPECT_EQ(status_of(protocol::encode_envelope(e)), 401);
}

TEST_F(AuthenticatorTest, RefusesSignerThatIsNot64LowercaseHex) {
  Envelope e = decode(request("getcolonymsg"));
  Envelope shorter = e;
  shorter.signer.pop_back();
  EXPECT_EQ(status_of(protocol::encode_envelope(shorter)), 401);
  Envelope upper = e;
  for (auto& c : upper.signer) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper.signer != e.signer) {
    EXPECT_EQ(status_of(protocol::encode_envelope(upper)), 401);
  }
  Envelope not_hex = e;
  not_hex.signer[0] = 'z';
  EXPECT_EQ(status_of(protocol::encode_envelope(not_hex)), 401);
  Envelope empty_signer = e;
  empty_signer.signer.clear();
  EXPECT_EQ(status_of(protocol::encode_envelope(empty_signer)), 401);
}

TEST_F(AuthenticatorTest, RefusesMsgtypeThatDiffersFromPayloadtype) {
  Envelope e = decode(request("getcolonymsg"));
  e.payloadtype = "submitfuncspecmsg";  // signature still valid: the payload was not touched
  EXPECT_EQ(status_of(protocol::encode_envelope(e)), 400);
}

TEST_F(AuthenticatorTest, RefusesUnknownPayloadtype) {
  EXPECT_EQ(status_of(request("nosuchmsg")), 400);
  EXPECT_EQ(status_of(protocol::build_unsigned_request("nosuchmsg", {})), 400);
}

TEST_F(AuthenticatorTest, RefusesPayloadThatIsNotBase64) {
  Envelope e;
  e.payloadtype = "getcolonymsg";
  e.payload = "this is not base64!";
  e.signature = signer_->sign(e.payload);
  e.signer = signer_->id();
  EXPECT_EQ(status_of(protocol::encode_envelope(e)), 400);
}

TEST_F(AuthenticatorTest, RefusesPayloadThatIsNotAJsonObject) {
  EXPECT_EQ(status_of(raw("getcolonymsg", "not json")), 400);
  EXPECT_EQ(status_of(raw("getcolonymsg", "[1, 2, 3]")), 400);
  EXPECT_EQ(status_of(raw("getcolonymsg", "{\"msgtype\": \"getcolonymsg\"")), 400);
}

TEST_F(AuthenticatorTest, RefusesMissingOrMalformedNonce) {
  const json::object base{{"msgtype", "getcolonymsg"}, {"timestamp", clock_.now_s()}};
  EXPECT_EQ(status_of(raw_payload("getcolonymsg", base)), 401);
  for (json::value bad : {json::value("0123"), json::value(std::string(32, 'G')),
                          json::value("0123456789ABCDEF0123456789ABCDEF"), json::value(12345),
                          json::value(std::string(33, 'a'))}) {
    json::object p = base;
    p["nonce"] = bad;
    EXPECT_EQ(status_of(raw_payload("getcolonymsg", p)), 401) << json::serialize(bad);
  }
}

TEST_F(AuthenticatorTest, RefusesMissingOrMalformedTimestamp) {
  const json::object base{{"msgtype", "getcolonymsg"}, {"nonce", nonce()}};
  EXPECT_EQ(status_of(raw_payload("getcolonymsg", base)), 401);
  for (json::value bad : {json::value(std::to_string(clock_.now_s())), json::value(1.5e9), json::value(nullptr)}) {
    json::object p = base;
    p["nonce"] = nonce();
    p["timestamp"] = bad;
    EXPECT_EQ(status_of(raw_payload("getcolonymsg", p)), 401) << json::serialize(bad);
  }
}

TEST_F(AuthenticatorTest, AcceptsAHandBuiltPayloadWithAllFields) {
  json::object p{{"msgtype", "getcolonymsg"}, {"nonce", nonce()}, {"timestamp", clock_.now_s()}};
  EXPECT_EQ(status_of(raw_payload("getcolonymsg", p)), 200);
}

TEST_F(AuthenticatorTest, AcceptsVersionAndServerInfoUnsigned) {
  auto version = auth_.authenticate(protocol::build_unsigned_request("versionmsg", {}));
  ASSERT_TRUE(version.has_value()) << version.error().message;
  EXPECT_EQ(version->caller, "");
  EXPECT_EQ(status_of(protocol::build_unsigned_request("getserverinfomsg", {})), 200);
}

TEST_F(AuthenticatorTest, AcceptsVersionSignedToo) { EXPECT_EQ(status_of(request("versionmsg", {})), 200); }

TEST_F(AuthenticatorTest, RefusesEveryOtherMessageUnsigned) {
  EXPECT_EQ(status_of(protocol::build_unsigned_request("getcolonymsg", {{"colonyname", "c"}})), 401);
  EXPECT_EQ(status_of(protocol::build_unsigned_request("submitfuncspecmsg", {})), 401);
}

TEST_F(AuthenticatorTest, RefusesHalfSignedUnsignedMessages) {
  // A signer without a signature is not "unsigned": it must verify.
  Envelope e = decode(protocol::build_unsigned_request("versionmsg", {}));
  e.signer = signer_->id();
  EXPECT_EQ(status_of(protocol::encode_envelope(e)), 401);
}

TEST_F(AuthenticatorTest, RefusesBodiesThatAreNotEnvelopes) {
  EXPECT_EQ(status_of("not json at all"), 400);
  EXPECT_EQ(status_of("[]"), 400);
  EXPECT_EQ(status_of(R"({"payloadtype": 5, "payload": "e30="})"), 400);
  EXPECT_EQ(status_of(R"({"payloadtype": "versionmsg"})"), 400);
}

}  // namespace
}  // namespace colonies::server::auth
