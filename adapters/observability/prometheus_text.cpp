// The Prometheus text exposition writer (see prometheus_text.hpp).
#include "adapters/observability/prometheus_text.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace colonies::observability {

namespace {

bool name_char(char c, bool first, bool colon) {
  const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
  return first ? alpha : alpha || (c >= '0' && c <= '9');
}

std::string_view type_name(MetricType type) {
  switch (type) {
    case MetricType::Counter: return "counter";
    case MetricType::Gauge: return "gauge";
    case MetricType::Histogram: return "histogram";
  }
  return "untyped";
}

}  // namespace

bool PrometheusText::valid_metric_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!name_char(name[i], i == 0, true)) return false;
  }
  return true;
}

bool PrometheusText::valid_label_name(std::string_view name) {
  if (name.empty() || name.starts_with("__")) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!name_char(name[i], i == 0, false)) return false;
  }
  return true;
}

std::string PrometheusText::escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string PrometheusText::escape_help(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string PrometheusText::format_scaled(std::int64_t value, int exponent) {
  if (exponent <= 0) return fmt::format("{}", value);
  const bool negative = value < 0;
  // Magnitude as unsigned, so that INT64_MIN does not overflow.
  const std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
  std::string digits = fmt::format("{}", magnitude);
  const auto e = static_cast<std::size_t>(exponent);
  if (digits.size() <= e) digits.insert(0, e - digits.size() + 1, '0');
  std::string whole = digits.substr(0, digits.size() - e);
  std::string fraction = digits.substr(digits.size() - e);
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  std::string out = negative ? "-" : "";
  out += whole;
  if (!fraction.empty()) out += "." + fraction;
  return out;
}

std::string PrometheusText::format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) return fmt::format("{}", static_cast<std::int64_t>(value));
  return fmt::format("{}", value);  // shortest text that reads back as the same double
}

void PrometheusText::family(std::string_view name, MetricType type, std::string_view help) {
  if (!valid_metric_name(name)) throw std::logic_error(fmt::format("invalid metric name '{}'", name));
  if (type == MetricType::Counter && !name.ends_with("_total")) {
    throw std::logic_error(fmt::format("counter '{}' must end in _total", name));
  }
  if (std::find(seen_.begin(), seen_.end(), name) != seen_.end()) {
    throw std::logic_error(fmt::format("metric family '{}' written twice", name));
  }
  seen_.emplace_back(name);
  family_ = name;
  type_ = type;
  out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escape_help(help), name, type_name(type));
}

void PrometheusText::write_labels(const Labels& labels, std::string_view extra_name, std::string_view extra_value) {
  if (labels.empty() && extra_name.empty()) return;
  out_ += '{';
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!valid_label_name(name) || name == "le") {
      throw std::logic_error(fmt::format("invalid label name '{}' in {}", name, family_));
    }
    if (!first) out_ += ',';
    first = false;
    out_ += name;
    out_ += "=\"";
    out_ += escape_label_value(value);
    out_ += '"';
  }
  if (!extra_name.empty()) {
    if (!first) out_ += ',';
    out_ += extra_name;
    out_ += "=\"";
    out_ += extra_value;
    out_ += '"';
  }
  out_ += '}';
}

void PrometheusText::write_sample_name(std::string_view suffix) {
  out_ += family_;
  out_ += suffix;
}

void PrometheusText::sample(const Labels& labels, double value) {
  if (family_.empty() || type_ == MetricType::Histogram) {
    throw std::logic_error("sample() needs a counter or gauge family first");
  }
  write_sample_name("");
  write_labels(labels);
  out_ += ' ';
  out_ += format_value(value);
  out_ += '\n';
}

void PrometheusText::sample(const Labels& labels, std::uint64_t value) {
  if (family_.empty() || type_ == MetricType::Histogram) {
    throw std::logic_error("sample() needs a counter or gauge family first");
  }
  write_sample_name("");
  write_labels(labels);
  out_ += fmt::format(" {}\n", value);
}

void PrometheusText::sample(const Labels& labels, std::int64_t value) {
  if (family_.empty() || type_ == MetricType::Histogram) {
    throw std::logic_error("sample() needs a counter or gauge family first");
  }
  write_sample_name("");
  write_labels(labels);
  out_ += fmt::format(" {}\n", value);
}

void PrometheusText::histogram(const Labels& labels, const metrics::HistogramSnapshot& s, int unit_exponent) {
  if (family_.empty() || type_ != MetricType::Histogram) throw std::logic_error("histogram() needs a histogram family first");
  for (std::size_t i = 0; i < s.cumulative.size(); ++i) {
    const std::string le = i < s.bounds.size() ? format_scaled(s.bounds[i], unit_exponent) : "+Inf";
    write_sample_name("_bucket");
    write_labels(labels, "le", le);
    out_ += fmt::format(" {}\n", s.cumulative[i]);
  }
  write_sample_name("_sum");
  write_labels(labels);
  out_ += ' ';
  out_ += format_scaled(s.sum, unit_exponent);
  out_ += '\n';
  write_sample_name("_count");
  write_labels(labels);
  out_ += fmt::format(" {}\n", s.count);
}

}  // namespace colonies::observability
