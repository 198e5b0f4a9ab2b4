// Replies become model types; error replies become the ErrorCode of their status with the
// server's message; replies that do not decode are Internal errors naming the message.
#include "tests/unit/client/client_fixture.hpp"

namespace colonies::client {
namespace {

class ClientRepliesTest : public ClientFixture {};

boost::json::object process_json(std::string id, int state) {
  model::Process p;
  p.processid = std::move(id);
  p.state = static_cast<model::ProcessState>(state);
  p.spec.funcname = "echo";
  return model::to_json(p);
}

TEST_F(ClientRepliesTest, DecodesAProcess) {
  transport_->push_ok(process_json("p1", 1));
  auto p = client_->get_process("p1");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->processid, "p1");
  EXPECT_EQ(p->state, model::ProcessState::Running);
  EXPECT_EQ(p->spec.funcname, "echo");
}

TEST_F(ClientRepliesTest, DecodesAList) {
  transport_->push_ok(boost::json::array{process_json("a", 0), process_json("b", 0)});
  auto list = client_->get_processes({.colonyname = "dev"});
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[1].processid, "b");
}

TEST_F(ClientRepliesTest, NullListIsEmpty) {
  transport_->push_ok(nullptr);
  auto list = client_->get_executors("dev");
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_TRUE(list->empty());
}

TEST_F(ClientRepliesTest, DecodesPauseStatus) {
  transport_->push_ok(boost::json::object{{"colonyname", "dev"}, {"ispaused", true}}, "pausestatusreplymsg");
  auto status = client_->pause_status("dev");
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_TRUE(status->ispaused);
  EXPECT_EQ(status->colonyname, "dev");
}

TEST_F(ClientRepliesTest, DecodesServerInfo) {
  transport_->push_ok(boost::json::object{
      {"buildversion", "0.1.0"},
      {"buildtime", "now"},
      {"backends", boost::json::array{boost::json::object{
                       {"type", "http"}, {"host", "0.0.0.0"}, {"port", 50080}, {"tls", false}, {"insecure", false}}}}});
  auto info = client_->server_info();
  ASSERT_TRUE(info) << info.error().message;
  ASSERT_EQ(info->backends.size(), 1u);
  EXPECT_EQ(info->backends[0].port, 50080);
}

TEST_F(ClientRepliesTest, EmptySuccessIsOk) {
  transport_->push_ok(boost::json::object{});
  EXPECT_TRUE(client_->cancel_process("p"));
  EXPECT_EQ(client_->last_reply_status(), 0);
}

struct StatusCase {
  int status;
  ErrorCode code;
};

class ClientErrorReplyTest : public ClientFixture, public ::testing::WithParamInterface<StatusCase> {};

TEST_P(ClientErrorReplyTest, ErrorReplyBecomesItsCodeWithTheServerMessage) {
  transport_->push_error(GetParam().status, "the server's reason");
  auto result = client_->get_process("p");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, GetParam().code);
  EXPECT_EQ(result.error().message, "the server's reason");
  EXPECT_EQ(client_->last_reply_status(), GetParam().status);
}

INSTANTIATE_TEST_SUITE_P(Statuses, ClientErrorReplyTest,
                         ::testing::Values(StatusCase{400, ErrorCode::BadRequest},
                                           StatusCase{401, ErrorCode::Unauthenticated},
                                           StatusCase{403, ErrorCode::Forbidden}, StatusCase{404, ErrorCode::NotFound},
                                           StatusCase{408, ErrorCode::Timeout}, StatusCase{409, ErrorCode::Conflict},
                                           StatusCase{413, ErrorCode::TooLarge},
                                           StatusCase{429, ErrorCode::RateLimited},
                                           StatusCase{503, ErrorCode::Unavailable},
                                           StatusCase{500, ErrorCode::Internal}));

TEST_F(ClientRepliesTest, StatusErrorsOnVoidCallsToo) {
  transport_->push_error(409, "process already closed");
  auto result = client_->close_successful("p");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::Conflict);
  EXPECT_EQ(result.error().message, "process already closed");
}

TEST_F(ClientRepliesTest, TransportFailurePassesThroughWithNoReplyStatus) {
  transport_->push_reply(fail(ErrorCode::Unavailable, "cannot connect to 127.0.0.1:50080: Connection refused"));
  auto result = client_->get_process("p");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::Unavailable);
  EXPECT_EQ(client_->last_reply_status(), 0);
}

TEST_F(ClientRepliesTest, NonJsonReplyIsInternalNamingTheMessage) {
  transport_->push_reply(std::string("<html>bad gateway</html>"));
  auto result = client_->get_process("p");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::Internal);
  EXPECT_NE(result.error().message.find("malformed reply to getprocessmsg"), std::string::npos)
      << result.error().message;
}

TEST_F(ClientRepliesTest, PayloadThatIsNotBase64IsInternal) {
  transport_->push_reply(std::string(R"({"payloadtype":"getprocessmsg","payload":"!!!","error":false})"));
  auto result = client_->get_process("p");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::Internal);
}

TEST_F(ClientRepliesTest, WrongEntityShapeIsInternalNamingTheField) {
  transport_->push_ok(boost::json::object{{"processid", "p"}, {"state", "running"}});
  auto result = client_->get_process("p");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::Internal);
  EXPECT_NE(result.error().message.find("getprocessmsg"), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().message.find("state"), std::string::npos) << result.error().message;
}

TEST_F(ClientRepliesTest, ListReplyThatIsNotAnArrayIsInternal) {
  transport_->push_ok(boost::json::object{{"not", "a list"}});
  auto result = client_->get_colonies();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::Internal);
  EXPECT_NE(result.error().message.find("expected a JSON array"), std::string::npos);
}

TEST_F(ClientRepliesTest, ErrorReplyWithoutMessageStillFails) {
  // An error flag with a failure payload that has neither status nor message ("e30=" is {}).
  transport_->push_reply(std::string(R"({"payloadtype":"error","payload":"e30=","error":true})"));
  auto result = client_->get_process("p");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::Internal);
  EXPECT_FALSE(result.error().message.empty());
}

}  // namespace
}  // namespace colonies::client
