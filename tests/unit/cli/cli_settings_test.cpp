// Global settings: flags beat environment variables, which beat defaults; each command group
// signs with the key of its role.
#include "cli/settings.hpp"

#include <filesystem>
#include <fstream>
#include <random>

#include "tests/unit/cli/cli_harness.hpp"

namespace colonies::cli {
namespace {

class CliSettingsTest : public CliHarness {};

TEST_F(CliSettingsTest, DefaultsToLocalhostPlainHttp) {
  member_env();
  ASSERT_EQ(run({"process", "psw"}), 0) << err_.str();
  ASSERT_EQ(configs_.size(), 1u);
  EXPECT_EQ(configs_[0].host, "127.0.0.1");
  EXPECT_EQ(configs_[0].port, 50080);
  EXPECT_FALSE(configs_[0].tls);
}

TEST_F(CliSettingsTest, EnvironmentSetsHostPortAndTls) {
  member_env();
  set_env("COLONIES_SERVER_HOST", "colonies.example.org");
  set_env("COLONIES_SERVER_HTTP_PORT", "8443");
  set_env("COLONIES_TLS", "true");
  ASSERT_EQ(run({"process", "psw"}), 0) << err_.str();
  EXPECT_EQ(configs_[0].host, "colonies.example.org");
  EXPECT_EQ(configs_[0].port, 8443);
  EXPECT_TRUE(configs_[0].tls);
  EXPECT_TRUE(configs_[0].tls_verify);
}

TEST_F(CliSettingsTest, FlagsOverrideEnvironment) {
  member_env();
  set_env("COLONIES_SERVER_HOST", "from-env");
  set_env("COLONIES_SERVER_HTTP_PORT", "1111");
  ASSERT_EQ(run({"--host", "from-flag", "process", "psw", "--port", "2222", "--insecure"}), 0) << err_.str();
  EXPECT_EQ(configs_[0].host, "from-flag");
  EXPECT_EQ(configs_[0].port, 2222);
  EXPECT_FALSE(configs_[0].tls_verify);
}

TEST_F(CliSettingsTest, TransportGrpcUsesTheGrpcPort) {
  member_env();
  ASSERT_EQ(run({"--transport", "grpc", "--grpc-port", "6001", "process", "psw"}), 0) << err_.str();
  EXPECT_EQ(configs_[0].transport, client::TransportKind::Grpc);
  EXPECT_EQ(configs_[0].port, 6001);
  EXPECT_FALSE(configs_[0].tls);
}

TEST_F(CliSettingsTest, TransportAndGrpcPortComeFromTheEnvironment) {
  member_env();
  set_env("COLONIES_TRANSPORT", "grpc");
  set_env("COLONIES_SERVER_GRPC_PORT", "6002");
  set_env("COLONIES_TLS", "true");
  ASSERT_EQ(run({"process", "psw"}), 0) << err_.str();
  EXPECT_EQ(configs_[0].transport, client::TransportKind::Grpc);
  EXPECT_EQ(configs_[0].port, 6002);
  EXPECT_TRUE(configs_[0].tls);
}

TEST_F(CliSettingsTest, GrpcsUrlAsHostPicksTransportTlsAndPort) {
  member_env();
  ASSERT_EQ(run({"--host", "grpcs://colonies.example.org:7443", "process", "psw"}), 0) << err_.str();
  EXPECT_EQ(configs_[0].transport, client::TransportKind::Grpc);
  EXPECT_EQ(configs_[0].host, "colonies.example.org");
  EXPECT_EQ(configs_[0].port, 7443);
  EXPECT_TRUE(configs_[0].tls);
}

TEST_F(CliSettingsTest, HttpUrlWithoutPortKeepsTheHttpPort) {
  member_env();
  ASSERT_EQ(run({"--host", "http://[::1]", "--port", "8080", "--transport", "grpc", "process", "psw"}), 0) << err_.str();
  EXPECT_EQ(configs_[0].transport, client::TransportKind::Http);
  EXPECT_EQ(configs_[0].host, "::1");
  EXPECT_EQ(configs_[0].port, 8080);
}

TEST_F(CliSettingsTest, UnknownUrlSchemeIsRefusedBeforeConnecting) {
  member_env();
  EXPECT_NE(run({"--host", "ftp://colonies.example.org", "process", "psw"}), 0);
  EXPECT_TRUE(configs_.empty());
  EXPECT_NE(err_.str().find("unknown scheme 'ftp'"), std::string::npos) << err_.str();
}

TEST_F(CliSettingsTest, UnknownTransportIsAUsageError) {
  member_env();
  EXPECT_EQ(run({"--transport", "carrier-pigeon", "process", "psw"}), 2);
}

TEST_F(CliSettingsTest, LegacyPortVariableIsAcceptedButHttpPortWins) {
  member_env();
  set_env("COLONIES_SERVER_PORT", "3333");
  ASSERT_EQ(run({"process", "psw"}), 0);
  EXPECT_EQ(configs_.back().port, 3333);
  set_env("COLONIES_SERVER_HTTP_PORT", "4444");
  ASSERT_EQ(run({"process", "psw"}), 0);
  EXPECT_EQ(configs_.back().port, 4444);
}

TEST_F(CliSettingsTest, ColonyNameFlagOverridesEnvironment) {
  member_env();
  ASSERT_EQ(run({"process", "psw", "--colonyname", "other"}), 0) << err_.str();
  EXPECT_EQ(payload_of_last().at("colonyname").as_string(), "other");
}

TEST_F(CliSettingsTest, MemberCommandsSignWithPrvkey) {
  member_env();
  set_env("COLONIES_COLONY_PRVKEY", colony_key_);
  ASSERT_EQ(run({"process", "psw"}), 0);
  EXPECT_EQ(signer_of_last(), id_of(user_key_));
}

TEST_F(CliSettingsTest, ColonyOwnerCommandsSignWithColonyKey) {
  member_env();
  set_env("COLONIES_COLONY_PRVKEY", colony_key_);
  ASSERT_EQ(run({"executor", "approve", "--name", "e1"}), 0) << err_.str();
  EXPECT_EQ(type_of_last(), "approveexecutormsg");
  EXPECT_EQ(signer_of_last(), id_of(colony_key_));
}

TEST_F(CliSettingsTest, ServerOwnerCommandsSignWithServerKey) {
  member_env();
  set_env("COLONIES_SERVER_PRVKEY", server_key_);
  script_ok(boost::json::array{});
  ASSERT_EQ(run({"colony", "ls"}), 0) << err_.str();
  EXPECT_EQ(signer_of_last(), id_of(server_key_));
}

TEST_F(CliSettingsTest, PrvkeyFlagOverridesEveryRoleKey) {
  member_env();
  set_env("COLONIES_COLONY_PRVKEY", colony_key_);
  std::string other = sodium_.generate_private_key();
  ASSERT_EQ(run({"executor", "approve", "--name", "e1", "--prvkey", other}), 0);
  EXPECT_EQ(signer_of_last(), id_of(other));
}

TEST_F(CliSettingsTest, ResolveKeyFallsBackToPrvkeyForOwnerRoles) {
  Settings settings;
  set_env("COLONIES_PRVKEY", user_key_);
  EXPECT_EQ(*resolve_key(settings, KeyRole::ColonyOwner), user_key_);
  set_env("COLONIES_COLONY_PRVKEY", colony_key_);
  EXPECT_EQ(*resolve_key(settings, KeyRole::ColonyOwner), colony_key_);
  EXPECT_EQ(*resolve_key(settings, KeyRole::Member), user_key_);
  EXPECT_EQ(*resolve_key(settings, KeyRole::Unsigned), "");
}

TEST_F(CliSettingsTest, TlsCaFileComesFromTheFlagOrTheEnvironment) {
  member_env();
  set_env("COLONIES_TLS_CA_FILE", "/etc/colonies/env-ca.pem");
  ASSERT_EQ(run({"--tls", "process", "psw"}), 0) << err_.str();
  EXPECT_EQ(configs_[0].ca_file, "/etc/colonies/env-ca.pem");
  EXPECT_TRUE(configs_[0].tls_verify);
  ASSERT_EQ(run({"--tls", "--tls-ca-file", "/etc/colonies/flag-ca.pem", "process", "psw"}), 0) << err_.str();
  EXPECT_EQ(configs_[1].ca_file, "/etc/colonies/flag-ca.pem");
}

// A key file made 0600 in a fresh directory, removed with it.
class KeyFiles {
 public:
  KeyFiles() : dir_(std::filesystem::temp_directory_path() / ("cli-keys-" + std::to_string(std::random_device{}()))) {
    std::filesystem::create_directories(dir_);
  }
  ~KeyFiles() { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& key,
                    std::filesystem::perms mode = std::filesystem::perms::owner_read |
                                                  std::filesystem::perms::owner_write) {
    const auto path = dir_ / name;
    std::ofstream(path) << key << "\n";
    std::filesystem::permissions(path, mode);
    return path.string();
  }

 private:
  std::filesystem::path dir_;
};

TEST_F(CliSettingsTest, KeysComeFromFilesAfterTheirVariables) {
  KeyFiles files;
  Settings settings;
  const auto user_file = files.write("user.key", user_key_);
  const auto colony_file = files.write("colony.key", colony_key_);
  set_env("COLONIES_PRVKEY_FILE", user_file);
  EXPECT_EQ(*resolve_key(settings, KeyRole::Member), user_key_);
  EXPECT_EQ(*resolve_key(settings, KeyRole::ColonyOwner), user_key_);
  set_env("COLONIES_COLONY_PRVKEY_FILE", colony_file);
  EXPECT_EQ(*resolve_key(settings, KeyRole::ColonyOwner), colony_key_);
  // The variable itself wins over its _FILE twin; --prvkey-file over every variable.
  set_env("COLONIES_COLONY_PRVKEY", server_key_);
  EXPECT_EQ(*resolve_key(settings, KeyRole::ColonyOwner), server_key_);
  settings.prvkey_file = colony_file;
  EXPECT_EQ(*resolve_key(settings, KeyRole::ColonyOwner), colony_key_);
  EXPECT_EQ(*resolve_key(settings, KeyRole::Member), colony_key_);
}

TEST_F(CliSettingsTest, PrvkeyFileFlagSignsAndAnOpenFileIsAUsageError) {
  KeyFiles files;
  member_env();
  std::string other = sodium_.generate_private_key();
  const auto path = files.write("other.key", other);
  script_ok(boost::json::array{});
  ASSERT_EQ(run({"process", "psw", "--prvkey-file", path}), 0) << err_.str();
  EXPECT_EQ(signer_of_last(), id_of(other));

  const auto open = files.write("open.key", other,
                                std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                                    std::filesystem::perms::group_read);
  const auto sent_before = sent_->size();
  EXPECT_EQ(run({"process", "psw", "--prvkey-file", open}), 2);
  EXPECT_NE(err_.str().find("mode 0640"), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("chmod 600 " + open), std::string::npos) << err_.str();
  EXPECT_EQ(err_.str().find(other), std::string::npos) << "the key must not be printed";
  EXPECT_EQ(sent_->size(), sent_before);
}

TEST_F(CliSettingsTest, HelpListsEveryGlobalFlagAndItsVariable) {
  ASSERT_EQ(run({"--help"}), 0);
  for (const char* text : {"--host", "--port", "--transport", "--grpc-port", "COLONIES_TRANSPORT",
                           "COLONIES_SERVER_GRPC_PORT", "--tls", "--insecure", "--json", "--prvkey", "--colonyname",
                           "--tls-ca-file", "COLONIES_TLS_CA_FILE", "--prvkey-file", "_PRVKEY_FILE",
                           "COLONIES_SERVER_HOST", "COLONIES_SERVER_HTTP_PORT", "COLONIES_SERVER_PORT", "COLONIES_TLS",
                           "COLONIES_PRVKEY", "COLONIES_COLONY_PRVKEY", "COLONIES_SERVER_PRVKEY",
                           "COLONIES_COLONY_NAME", "COLONIES_EXECUTOR_TYPE"}) {
    EXPECT_NE(out_.str().find(text), std::string::npos) << text;
  }
}

TEST_F(CliSettingsTest, UnknownCommandIsAUsageError) {
  EXPECT_EQ(run({"proces", "ps"}), 2);
  EXPECT_NE(err_.str().find("--help"), std::string::npos);
}

TEST_F(CliSettingsTest, MissingRequiredOptionIsAUsageError) {
  member_env();
  EXPECT_EQ(run({"process", "get"}), 2);
  EXPECT_NE(err_.str().find("--processid"), std::string::npos) << err_.str();
  EXPECT_TRUE(sent_->empty());
}

TEST_F(CliSettingsTest, GroupWithoutSubcommandIsAUsageError) {
  EXPECT_EQ(run({"process"}), 2);
}

}  // namespace
}  // namespace colonies::cli
