// Every CLI error says what was wrong and what to do, with the documented exit codes.
#include "cli/error_text.hpp"
#include "tests/unit/cli/cli_harness.hpp"

namespace colonies::cli {
namespace {

class CliErrorsTest : public CliHarness {};

TEST_F(CliErrorsTest, NoKeySaysWhichVariableToSetAndHowToMakeOne) {
  set_env("COLONIES_COLONY_NAME", "dev");
  EXPECT_EQ(run({"process", "psw"}), 2);
  EXPECT_EQ(err_.str(),
            "no private key: set COLONIES_PRVKEY or pass --prvkey (create one with `colonies security generate`)\n");
  EXPECT_TRUE(sent_->empty());
}

TEST_F(CliErrorsTest, NoColonyOwnerKeyNamesTheColonyVariable) {
  set_env("COLONIES_COLONY_NAME", "dev");
  EXPECT_EQ(run({"process", "pause"}), 2);
  EXPECT_NE(err_.str().find("COLONIES_COLONY_PRVKEY"), std::string::npos) << err_.str();
}

TEST_F(CliErrorsTest, NoServerOwnerKeyNamesTheServerVariable) {
  EXPECT_EQ(run({"server", "stats"}), 2);
  EXPECT_NE(err_.str().find("COLONIES_SERVER_PRVKEY"), std::string::npos) << err_.str();
}

TEST_F(CliErrorsTest, MalformedKeyIsAUsageError) {
  set_env("COLONIES_COLONY_NAME", "dev");
  set_env("COLONIES_PRVKEY", "not-a-key");
  EXPECT_EQ(run({"process", "psw"}), 2);
  EXPECT_NE(err_.str().find("64 hex characters"), std::string::npos) << err_.str();
}

TEST_F(CliErrorsTest, NoColonySaysHowToSetIt) {
  set_env("COLONIES_PRVKEY", user_key_);
  EXPECT_EQ(run({"process", "psw"}), 2);
  EXPECT_EQ(err_.str(), "no colony: set COLONIES_COLONY_NAME or pass --colonyname\n");
}

TEST_F(CliErrorsTest, ConnectionRefusedSaysHowToStartTheServer) {
  member_env();
  script_failure(Error{ErrorCode::Unavailable, "cannot connect to 127.0.0.1:50080: Connection refused"});
  EXPECT_EQ(run({"process", "psw"}), 1);
  EXPECT_EQ(err_.str(),
            "cannot reach coloniesd at 127.0.0.1:50080 (connection refused). Start it with `colonies server start` "
            "or check COLONIES_SERVER_HOST/COLONIES_SERVER_HTTP_PORT\n");
}

TEST_F(CliErrorsTest, UntrustedCertificateSuggestsTheCaOrInsecure) {
  member_env();
  script_failure(Error{ErrorCode::Unavailable,
                       "TLS handshake with 127.0.0.1:50080 failed: certificate verify failed (SSL routines)"});
  EXPECT_EQ(run({"process", "psw"}), 1);
  EXPECT_NE(err_.str().find("TLS certificate was refused"), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("--tls-ca-file (COLONIES_TLS_CA_FILE)"), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("--insecure"), std::string::npos);
  EXPECT_EQ(err_.str().find("colonies server start"), std::string::npos);
}

TEST_F(CliErrorsTest, ServerErrorPrintsStatusAndMessage) {
  member_env();
  script_error(404, "process 42 not found");
  EXPECT_EQ(run({"process", "get", "-p", "42"}), 1);
  EXPECT_EQ(err_.str(), "error (404): process 42 not found\n");
}

TEST_F(CliErrorsTest, ForbiddenOnOwnerCommandHintsAtTheOwnerKey) {
  member_env();
  script_error(403, "not the colony owner");
  EXPECT_EQ(run({"location", "add", "--name", "lab"}), 1);
  EXPECT_NE(err_.str().find("error (403): not the colony owner"), std::string::npos);
  EXPECT_NE(err_.str().find("COLONIES_COLONY_PRVKEY"), std::string::npos) << err_.str();
}

TEST_F(CliErrorsTest, ServerStatusNeedsNoKey) {
  script_ok(boost::json::object{{"buildversion", "0.1.0"}, {"buildtime", "t"}});
  script_ok(boost::json::object{{"buildversion", "0.1.0"}, {"buildtime", "t"}, {"backends", boost::json::array{}}});
  EXPECT_EQ(run({"server", "status"}), 0) << err_.str();
  EXPECT_NE(out_.str().find("0.1.0"), std::string::npos) << out_.str();
}

TEST(DescribeErrorTest, TransportTimeoutIsNotReportedAsAServerReply) {
  auto text = describe_error(Error{ErrorCode::Timeout, "POST /api timed out"}, {"h:1", 0, KeyRole::Member});
  EXPECT_NE(text.find("coloniesd at h:1 did not answer"), std::string::npos) << text;
}

TEST(DescribeErrorTest, UnauthenticatedHintsAtKeyAndClock) {
  auto text = describe_error(Error{ErrorCode::Unauthenticated, "timestamp too old"}, {"h:1", 401, KeyRole::Member});
  EXPECT_NE(text.find("error (401): timestamp too old"), std::string::npos);
  EXPECT_NE(text.find("clock"), std::string::npos);
}

}  // namespace
}  // namespace colonies::cli
