// docs/grafana-dashboard.json is valid JSON and queries only metrics that docs/metrics.md lists.
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace colonies::observability {
namespace {

std::string read(const std::string& relative) {
  std::ifstream in(std::string(COLONIES_SOURCE_DIR) + "/" + relative);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Metric family names written as `name` in docs/metrics.md's tables.
std::set<std::string> documented() {
  std::set<std::string> names;
  const std::string doc = read("docs/metrics.md");
  const std::regex row(R"(\|\s*`((?:colonies|process)_[a-z_]+)`)");
  for (std::sregex_iterator it(doc.begin(), doc.end(), row), end; it != end; ++it) names.insert((*it)[1]);
  return names;
}

void collect_exprs(const boost::json::value& v, std::vector<std::string>& out) {
  if (v.is_object()) {
    for (const auto& [key, child] : v.as_object()) {
      if (key == "expr" && child.is_string()) out.emplace_back(child.as_string());
      else collect_exprs(child, out);
    }
  } else if (v.is_array()) {
    for (const auto& child : v.as_array()) collect_exprs(child, out);
  }
}

TEST(MetricsDocsTest, TheDashboardIsValidJsonAndUsesOnlyDocumentedMetrics) {
  const auto names = documented();
  ASSERT_GT(names.size(), 20u) << "docs/metrics.md lists no metrics";
  boost::system::error_code ec;
  const auto dashboard = boost::json::parse(read("docs/grafana-dashboard.json"), ec);
  ASSERT_FALSE(ec) << "docs/grafana-dashboard.json: " << ec.message();
  std::vector<std::string> exprs;
  collect_exprs(dashboard, exprs);
  ASSERT_GT(exprs.size(), 5u);
  const std::regex metric(R"(\b((?:colonies|process)_[a-z_]+))");
  std::size_t used = 0;
  for (const auto& expr : exprs) {
    for (std::sregex_iterator it(expr.begin(), expr.end(), metric), end; it != end; ++it) {
      std::string name = (*it)[1];
      for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
        if (name.ends_with(suffix) && !names.contains(name)) name.resize(name.size() - suffix.size());
      }
      EXPECT_TRUE(names.contains(name)) << name << " (in " << expr << ") is not in docs/metrics.md";
      ++used;
    }
  }
  EXPECT_GT(used, 10u);
}

}  // namespace
}  // namespace colonies::observability
