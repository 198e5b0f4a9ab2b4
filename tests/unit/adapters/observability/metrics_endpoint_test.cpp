// GET /metrics access: the token file's rules (mode 0600, length, one printable word) and the
// bearer check, which fails closed.
#include "adapters/observability/metrics_endpoint.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/support/temp_path.hpp"

namespace colonies::observability {
namespace {

std::string write_file(const std::string& name, const std::string& content, mode_t mode) {
  const std::string path = testing::unique_temp_path(name);
  std::filesystem::remove(path);
  std::ofstream(path) << content;
  ::chmod(path.c_str(), mode);
  return path;
}

transport::HttpRequest get(std::string authorization = "") {
  transport::HttpRequest r;
  r.method = "GET";
  r.target = "/metrics";
  r.authorization = std::move(authorization);
  return r;
}

const std::string kToken = "0123456789abcdef0123456789abcdef";
std::string render() { return "# HELP x y\n"; }

TEST(MetricsEndpointTest, ReadsATokenFromAPrivateFileWithoutSurroundingWhiteSpace) {
  auto token = read_token_file(write_file("token", "  " + kToken + "\n", 0600), "--metrics-token-file");
  ASSERT_TRUE(token) << token.error().message;
  EXPECT_EQ(*token, kToken);
}

TEST(MetricsEndpointTest, RefusesATokenFileOthersCanRead) {
  auto token = read_token_file(write_file("open-token", kToken, 0644), "--metrics-token-file");
  ASSERT_FALSE(token);
  EXPECT_NE(token.error().message.find("--metrics-token-file"), std::string::npos);
  EXPECT_NE(token.error().message.find("chmod 600"), std::string::npos) << token.error().message;
  EXPECT_EQ(token.error().message.find(kToken), std::string::npos);
}

TEST(MetricsEndpointTest, RefusesShortTokensAndTokensWithSpaces) {
  auto short_token = read_token_file(write_file("short-token", "abc", 0600), "--metrics-token-file");
  ASSERT_FALSE(short_token);
  EXPECT_NE(short_token.error().message.find("at least 16"), std::string::npos);
  auto spaced = read_token_file(write_file("spaced-token", "0123456789 abcdef0123", 0600), "--metrics-token-file");
  ASSERT_FALSE(spaced);
  EXPECT_NE(spaced.error().message.find("without spaces"), std::string::npos);
  EXPECT_FALSE(read_token_file(testing::unique_temp_path("missing-token"), "--metrics-token-file"));
}

TEST(MetricsEndpointTest, ServesTheTextFormatToAnyoneWithoutAToken) {
  auto response = serve_metrics(get(), "", render);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(response.body, render());
}

TEST(MetricsEndpointTest, RequiresTheBearerTokenWhenOneIsSet) {
  EXPECT_EQ(serve_metrics(get(), kToken, render).status, 401);
  EXPECT_EQ(serve_metrics(get("Bearer wrong-token-wrong-token"), kToken, render).status, 401);
  EXPECT_EQ(serve_metrics(get("Bearer " + kToken + "x"), kToken, render).status, 401);
  EXPECT_EQ(serve_metrics(get("Basic " + kToken), kToken, render).status, 401);
  EXPECT_EQ(serve_metrics(get(kToken), kToken, render).status, 401);
  EXPECT_EQ(serve_metrics(get("Bearer "), kToken, render).status, 401);
  const auto refused = serve_metrics(get("Bearer nope"), kToken, render);
  EXPECT_EQ(refused.body.find("HELP"), std::string::npos);  // nothing of the metrics leaks
  EXPECT_EQ(serve_metrics(get("Bearer " + kToken), kToken, render).status, 200);
  EXPECT_EQ(serve_metrics(get("bearer " + kToken), kToken, render).status, 200);  // the scheme is case-insensitive
}

TEST(MetricsEndpointTest, AnswersOtherMethodsWith405) {
  auto request = get();
  request.method = "POST";
  EXPECT_EQ(serve_metrics(request, "", render).status, 405);
}

}  // namespace
}  // namespace colonies::observability
