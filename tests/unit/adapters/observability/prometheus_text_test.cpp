// The exposition format as Prometheus 0.0.4 reads it: HELP/TYPE lines, label escaping, exact
// histogram bounds, cumulative buckets, _sum and _count; and the writer's refusals.
#include "adapters/observability/prometheus_text.hpp"

#include <array>

#include <gtest/gtest.h>

namespace colonies::observability {
namespace {

TEST(PrometheusTextTest, WritesHelpAndTypeThenSamplesWithLabels) {
  PrometheusText out;
  out.family("colonies_requests_total", MetricType::Counter, "Requests answered.");
  out.sample(Labels{{"msgtype", "submitfuncspecmsg"}, {"code", "200"}}, std::uint64_t{42});
  out.sample({}, std::uint64_t{7});
  out.family("colonies_leader", MetricType::Gauge, "1 while leading.");
  out.sample({}, 1);
  EXPECT_EQ(out.text(),
            "# HELP colonies_requests_total Requests answered.\n"
            "# TYPE colonies_requests_total counter\n"
            "colonies_requests_total{msgtype=\"submitfuncspecmsg\",code=\"200\"} 42\n"
            "colonies_requests_total 7\n"
            "# HELP colonies_leader 1 while leading.\n"
            "# TYPE colonies_leader gauge\n"
            "colonies_leader 1\n");
}

TEST(PrometheusTextTest, EscapesBackslashQuoteAndNewlineInLabelValues) {
  EXPECT_EQ(PrometheusText::escape_label_value(R"(a\b"c)" "\nd"), R"(a\\b\"c\nd)");
  PrometheusText out;
  out.family("colonies_queued_processes", MetricType::Gauge, "Queued.");
  out.sample(Labels{{"colony", "we\"ird\\\nname"}}, 3);
  EXPECT_NE(out.text().find("colonies_queued_processes{colony=\"we\\\"ird\\\\\\nname\"} 3\n"), std::string::npos)
      << out.text();
}

TEST(PrometheusTextTest, EscapesBackslashAndNewlineInHelpButNotQuotes) {
  EXPECT_EQ(PrometheusText::escape_help("a \"b\" c\\d\ne"), "a \"b\" c\\\\d\\ne");
}

TEST(PrometheusTextTest, WritesHistogramsCumulativeWithExactSecondsBounds) {
  const std::array<std::int64_t, 3> bounds{250'000, 1'000'000, 2'500'000'000};  // 250 us, 1 ms, 2.5 s
  metrics::Histogram h(bounds);
  h.observe(std::int64_t{100'000});     // 0.1 ms
  h.observe(std::int64_t{250'000});     // exactly on a bound: counts in it (le is inclusive)
  h.observe(std::int64_t{900'000});     // 0.9 ms
  h.observe(std::int64_t{5'000'000'000});  // 5 s: +Inf only
  PrometheusText out;
  out.family("colonies_request_duration_seconds", MetricType::Histogram, "Latency.");
  out.histogram(Labels{{"msgtype", "assignprocessmsg"}}, h.snapshot(), 9);
  EXPECT_EQ(out.text(),
            "# HELP colonies_request_duration_seconds Latency.\n"
            "# TYPE colonies_request_duration_seconds histogram\n"
            "colonies_request_duration_seconds_bucket{msgtype=\"assignprocessmsg\",le=\"0.00025\"} 2\n"
            "colonies_request_duration_seconds_bucket{msgtype=\"assignprocessmsg\",le=\"0.001\"} 3\n"
            "colonies_request_duration_seconds_bucket{msgtype=\"assignprocessmsg\",le=\"2.5\"} 3\n"
            "colonies_request_duration_seconds_bucket{msgtype=\"assignprocessmsg\",le=\"+Inf\"} 4\n"
            "colonies_request_duration_seconds_sum{msgtype=\"assignprocessmsg\"} 5.00125\n"
            "colonies_request_duration_seconds_count{msgtype=\"assignprocessmsg\"} 4\n");
}

TEST(PrometheusTextTest, WritesUnlabelledCountHistograms) {
  const std::array<std::int64_t, 2> bounds{1, 8};
  metrics::Histogram h(bounds);
  h.observe(std::int64_t{3});
  PrometheusText out;
  out.family("colonies_commit_batch_mutations", MetricType::Histogram, "Batch sizes.");
  out.histogram({}, h.snapshot(), 0);
  EXPECT_NE(out.text().find("colonies_commit_batch_mutations_bucket{le=\"1\"} 0\n"
                            "colonies_commit_batch_mutations_bucket{le=\"8\"} 1\n"
                            "colonies_commit_batch_mutations_bucket{le=\"+Inf\"} 1\n"
                            "colonies_commit_batch_mutations_sum 3\n"
                            "colonies_commit_batch_mutations_count 1\n"),
            std::string::npos)
      << out.text();
}

TEST(PrometheusTextTest, FormatsScaledIntegersAsExactDecimals) {
  EXPECT_EQ(PrometheusText::format_scaled(50'000, 9), "0.00005");
  EXPECT_EQ(PrometheusText::format_scaled(60'000'000'000, 9), "60");
  EXPECT_EQ(PrometheusText::format_scaled(1'500, 3), "1.5");
  EXPECT_EQ(PrometheusText::format_scaled(-20, 0), "-20");
  EXPECT_EQ(PrometheusText::format_scaled(-1, 9), "-0.000000001");
  EXPECT_EQ(PrometheusText::format_scaled(0, 9), "0");
  EXPECT_EQ(PrometheusText::format_scaled(INT64_MIN, 0), "-9223372036854775808");
}

TEST(PrometheusTextTest, FormatsSpecialFloatValuesAsPrometheusSpellsThem) {
  EXPECT_EQ(PrometheusText::format_value(1.0 / 0.0), "+Inf");
  EXPECT_EQ(PrometheusText::format_value(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(PrometheusText::format_value(0.0 / 0.0), "NaN");
  EXPECT_EQ(PrometheusText::format_value(3.0), "3");
  EXPECT_EQ(PrometheusText::format_value(0.25), "0.25");
}

TEST(PrometheusTextTest, ChecksMetricAndLabelNames) {
  EXPECT_TRUE(PrometheusText::valid_metric_name("colonies_requests_total"));
  EXPECT_TRUE(PrometheusText::valid_metric_name("job:rate5m"));
  EXPECT_FALSE(PrometheusText::valid_metric_name("1abc"));
  EXPECT_FALSE(PrometheusText::valid_metric_name("a-b"));
  EXPECT_FALSE(PrometheusText::valid_metric_name(""));
  EXPECT_TRUE(PrometheusText::valid_label_name("executortype"));
  EXPECT_FALSE(PrometheusText::valid_label_name("__name__"));
  EXPECT_FALSE(PrometheusText::valid_label_name("a:b"));
}

TEST(PrometheusTextTest, RefusesCountersWithoutTotalDuplicateFamiliesAndStraySamples) {
  PrometheusText out;
  EXPECT_THROW(out.family("colonies_requests", MetricType::Counter, "x"), std::logic_error);
  EXPECT_THROW(out.sample({}, 1), std::logic_error);  // no family yet
  out.family("colonies_leader", MetricType::Gauge, "x");
  EXPECT_THROW(out.family("colonies_leader", MetricType::Gauge, "x"), std::logic_error);
  EXPECT_THROW(out.sample(Labels{{"bad-name", "v"}}, 1), std::logic_error);
  EXPECT_THROW(out.sample(Labels{{"le", "v"}}, 1), std::logic_error);  // reserved for buckets
  const std::array<std::int64_t, 1> bounds{1};
  metrics::Histogram h(bounds);
  EXPECT_THROW(out.histogram({}, h.snapshot(), 0), std::logic_error);  // gauge family
}

}  // namespace
}  // namespace colonies::observability
