// The embedded dashboard: which request targets find an asset, the Content-Types, that every
// module import and page reference resolves to an embedded file (a file left out of
// server/dashboard/CMakeLists.txt would be a 404 in the browser), and the security headers.
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "server/dashboard/dashboard.hpp"

namespace colonies::server::dashboard {
namespace {

std::string header(std::string_view name) {
  for (auto [key, value] : response_headers()) {
    if (key == name) return std::string(value);
  }
  return {};
}

// "/views/login.js" + "../api.js" -> "/api.js"; "/app.js" + "./dom.js" -> "/dom.js".
std::string resolve(std::string_view from, std::string reference) {
  std::string dir(from.substr(0, from.rfind('/') + 1));
  while (reference.starts_with("../")) {
    reference.erase(0, 3);
    dir.erase(dir.rfind('/', dir.size() - 2) + 1);
  }
  if (reference.starts_with("./")) reference.erase(0, 2);
  return dir + reference;
}

TEST(DashboardTest, RootServesTheIndexPage) {
  const Asset* root = find_asset("/");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root, find_asset("/index.html"));
  EXPECT_EQ(root->content_type, "text/html; charset=utf-8");
  EXPECT_NE(root->body.find("<script type=\"module\" src=\"/app.js\"></script>"), std::string_view::npos);
}

TEST(DashboardTest, TheQueryIsIgnored) {
  const Asset* app = find_asset("/app.js?v=2");
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(app->path, "/app.js");
  EXPECT_EQ(app->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(find_asset("/?x=1"), find_asset("/index.html"));
}

TEST(DashboardTest, OnlyListedPathsMatchExactly) {
  for (const char* target : {"", "/api", "/api/ws", "/health", "/metrics", "/nope.js", "/app.js/", "//app.js",
                             "/views/../app.js", "/../app.js", "/APP.JS", "/views/", "/%61pp.js", "app.js"}) {
    EXPECT_EQ(find_asset(target), nullptr) << target;
  }
}

TEST(DashboardTest, EveryFileHasAKnownTypeAndABody) {
  ASSERT_FALSE(assets().empty());
  for (const auto& asset : assets()) {
    EXPECT_TRUE(asset.path.starts_with("/")) << asset.path;
    EXPECT_FALSE(asset.body.empty()) << asset.path;
    std::string_view expected = "text/html; charset=utf-8";
    if (asset.path.ends_with(".js")) expected = "text/javascript; charset=utf-8";
    if (asset.path.ends_with(".css")) expected = "text/css; charset=utf-8";
    if (asset.path.ends_with(".svg")) expected = "image/svg+xml";
    EXPECT_EQ(asset.content_type, expected) << asset.path;
  }
}

TEST(DashboardTest, EveryImportAndPageReferenceIsEmbedded) {
  const std::regex import_from(R"re(from '(\.{1,2}/[^']+)')re");
  const std::regex page_reference(R"re((?:src|href)="(/[^"#]+)")re");
  int checked = 0;
  for (const auto& asset : assets()) {
    const std::string body(asset.body);
    const bool script = asset.path.ends_with(".js");
    const auto& pattern = script ? import_from : page_reference;
    for (std::sregex_iterator it(body.begin(), body.end(), pattern), end; it != end; ++it) {
      const std::string target = script ? resolve(asset.path, (*it)[1]) : std::string((*it)[1]);
      EXPECT_NE(find_asset(target), nullptr) << asset.path << " refers to " << target << ", which is not embedded";
      ++checked;
    }
  }
  EXPECT_GT(checked, 20);  // the test must see the imports to mean anything
}

TEST(DashboardTest, HeadersAllowOnlyThisOriginsCodeAndNoFraming) {
  const std::string csp = header("Content-Security-Policy");
  EXPECT_NE(csp.find("default-src 'self'"), std::string::npos);
  EXPECT_NE(csp.find("script-src 'self';"), std::string::npos);
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_NE(csp.find("require-trusted-types-for 'script'"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe"), std::string::npos);
  EXPECT_EQ(header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(header("X-Frame-Options"), "DENY");
  EXPECT_EQ(header("Referrer-Policy"), "no-referrer");
}

}  // namespace
}  // namespace colonies::server::dashboard
