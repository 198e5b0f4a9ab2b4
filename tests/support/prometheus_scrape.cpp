// Parser of the Prometheus text format for tests (see prometheus_scrape.hpp).
#include "tests/support/prometheus_scrape.hpp"

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

namespace colonies::testing {

namespace {

std::string family_of(const std::string& name, const std::map<std::string, std::string>& types) {
  if (types.contains(name)) return name;
  for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
    if (name.ends_with(suffix)) {
      std::string base = name.substr(0, name.size() - suffix.size());
      auto it = types.find(base);
      if (it != types.end() && it->second == "histogram") return base;
    }
  }
  return {};
}

// Labels of a series key "name{a=\"x\",b=\"y\"}" as (name, unescaped value) pairs.
std::vector<std::pair<std::string, std::string>> labels_of(const std::string& series) {
  std::vector<std::pair<std::string, std::string>> out;
  auto open = series.find('{');
  if (open == std::string::npos) return out;
  std::size_t i = open + 1;
  while (i < series.size() && series[i] != '}') {
    auto eq = series.find('=', i);
    std::string name = series.substr(i, eq - i);
    std::string value;
    std::size_t j = eq + 2;
    for (; j < series.size() && series[j] != '"'; ++j) {
      if (series[j] == '\\' && j + 1 < series.size()) {
        ++j;
        value += series[j] == 'n' ? '\n' : series[j];
      } else {
        value += series[j];
      }
    }
    out.emplace_back(std::move(name), std::move(value));
    i = j + 1;
    if (i < series.size() && series[i] == ',') ++i;
  }
  return out;
}

}  // namespace

Scrape parse_scrape(const std::string& text) {
  Scrape s;
  std::istringstream in(text);
  std::string line;
  int number = 0;
  std::string current;
  static const std::regex sample(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (\S+)$)");
  static const std::regex type_line(R"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$)");
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    std::smatch m;
    if (line.starts_with("# HELP ")) continue;
    if (line.starts_with("# TYPE ")) {
      if (!std::regex_match(line, m, type_line)) {
        s.errors.push_back("line " + std::to_string(number) + ": bad TYPE line: " + line);
        continue;
      }
      if (s.types.contains(m[1])) s.errors.push_back("line " + std::to_string(number) + ": second TYPE for " + m[1].str());
      s.types[m[1]] = m[2];
      current = m[1];
      continue;
    }
    if (line.starts_with("#")) continue;
    if (!std::regex_match(line, m, sample)) {
      s.errors.push_back("line " + std::to_string(number) + ": not a sample: " + line);
      continue;
    }
    const std::string name = m[1];
    if (family_of(name, s.types) != current || current.empty()) {
      s.errors.push_back("line " + std::to_string(number) + ": " + name + " is not of the family of the last TYPE (" +
                         current + ")");
    }
    const std::string value = m[3];
    double v = 0;
    if (value == "+Inf") v = 1.0 / 0.0;
    else if (value == "-Inf") v = -1.0 / 0.0;
    else if (value == "NaN") v = 0.0 / 0.0;
    else {
      char* end = nullptr;
      v = std::strtod(value.c_str(), &end);
      if (end == value.c_str() || *end != '\0') s.errors.push_back("line " + std::to_string(number) + ": bad value " + value);
    }
    const std::string key = name + m[2].str();
    if (s.samples.contains(key)) s.errors.push_back("line " + std::to_string(number) + ": repeated series " + key);
    s.samples[key] = v;
  }
  return s;
}

std::optional<double> Scrape::value(const std::string& name,
                                    const std::vector<std::pair<std::string, std::string>>& labels) const {
  std::string key = name;
  if (!labels.empty()) {
    key += '{';
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (i) key += ',';
      key += labels[i].first + "=\"" + labels[i].second + "\"";
    }
    key += '}';
  }
  auto it = samples.find(key);
  if (it == samples.end()) return std::nullopt;
  return it->second;
}

double Scrape::sum(const std::string& name, const std::vector<std::pair<std::string, std::string>>& match) const {
  double total = 0;
  for (const auto& [series, v] : samples) {
    const auto brace = series.find('{');
    if (series.substr(0, brace) != name) continue;
    const auto labels = labels_of(series);
    bool all = true;
    for (const auto& want : match) {
      bool found = false;
      for (const auto& have : labels) found = found || have == want;
      all = all && found;
    }
    if (all) total += v;
  }
  return total;
}

std::set<std::string> documented_metrics(const std::string& source_dir) {
  std::ifstream in(source_dir + "/docs/metrics.md");
  std::ostringstream doc;
  doc << in.rdbuf();
  const std::string text = doc.str();
  std::set<std::string> names;
  const std::regex row(R"(\|\s*`((?:colonies|process)_[a-z_]+)`)");
  for (std::sregex_iterator it(text.begin(), text.end(), row), end; it != end; ++it) names.insert((*it)[1]);
  return names;
}

}  // namespace colonies::testing
