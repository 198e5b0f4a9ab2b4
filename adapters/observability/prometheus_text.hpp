// Writes the Prometheus text exposition format, version 0.0.4 (Content-Type
// `text/plain; version=0.0.4`): per metric family one `# HELP` and one `# TYPE` line, then its
// samples, label values escaped, histograms as cumulative `_bucket{le=...}` series with `_sum` and
// `_count`. Only the writer: what to measure lives with the code measured (core/metrics
// instruments), and serving it over HTTP is metrics_endpoint.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/metrics/histogram.hpp"

namespace colonies::observability {

enum class MetricType { Counter, Gauge, Histogram };

// Label name and value pairs of one sample, in the order they are written.
using Labels = std::vector<std::pair<std::string_view, std::string>>;

class PrometheusText {
 public:
  // Starts a family: its HELP and TYPE lines. Every sample written until the next family() must
  // belong to it (its name, or for a histogram name_bucket/_sum/_count); a family name may appear
  // only once per exposition. A counter's name ends in _total. Names that break these rules are
  // programming errors: std::logic_error.
  void family(std::string_view name, MetricType type, std::string_view help);

  // One sample of the current counter or gauge family.
  void sample(const Labels& labels, double value);
  void sample(const Labels& labels, std::uint64_t value);
  void sample(const Labels& labels, std::int64_t value);
  void sample(const Labels& labels, int value) { sample(labels, static_cast<std::int64_t>(value)); }

  // One labelled histogram of the current histogram family. The snapshot's bounds and sum are
  // integers of 10^-unit_exponent base units: 9 turns nanoseconds into seconds, 0 keeps counts.
  // Bounds and sum are written as exact decimals (le="0.00025", not 2.5e-04) so that the `le`
  // values stay the same from scrape to scrape.
  void histogram(const Labels& labels, const metrics::HistogramSnapshot& snapshot, int unit_exponent);

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

  // Escapes a label value: backslash, double quote and line feed become \\, \" and \n.
  static std::string escape_label_value(std::string_view value);
  // Escapes HELP text: backslash and line feed become \\ and \n.
  static std::string escape_help(std::string_view help);
  // [a-zA-Z_:][a-zA-Z0-9_:]*
  static bool valid_metric_name(std::string_view name);
  // [a-zA-Z_][a-zA-Z0-9_]*, and not starting with "__" (reserved for Prometheus itself).
  static bool valid_label_name(std::string_view name);
  // An integer of 10^-exponent units as an exact decimal: (1500, 3) -> "1.5", (-20, 0) -> "-20".
  static std::string format_scaled(std::int64_t value, int exponent);
  // A sample value: integers without a fraction, +Inf, -Inf and NaN spelled as Prometheus does.
  static std::string format_value(double value);

 private:
  void write_labels(const Labels& labels, std::string_view extra_name = {}, std::string_view extra_value = {});
  void write_sample_name(std::string_view suffix);

  std::string out_;
  std::string family_;
  MetricType type_ = MetricType::Gauge;
  std::vector<std::string> seen_;
};

}  // namespace colonies::observability
