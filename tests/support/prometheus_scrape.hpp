// Test support: parses a Prometheus text exposition (version 0.0.4) the way a scraper reads it,
// strictly enough to catch format mistakes: every sample must follow a TYPE line of its family,
// label values must be quoted and escaped, values must parse. Used by the metrics integration
// tests of coloniesd and the executors. Not a general parser (no timestamps, no exemplars).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace colonies::testing {

struct Scrape {
  // Family name -> "counter" | "gauge" | "histogram" (from the TYPE lines).
  std::map<std::string, std::string> types;
  // Series ("name{a=\"x\",b=\"y\"}" with labels as written, or "name") -> value.
  std::map<std::string, double> samples;
  // Format errors found, one line each ("line 12: ...").
  std::vector<std::string> errors;

  // The value of a series, e.g. value("colonies_leader") or
  // value("colonies_requests_total", {{"msgtype", "versionmsg"}, {"code", "200"}}); labels in the
  // order written.
  std::optional<double> value(const std::string& name,
                              const std::vector<std::pair<std::string, std::string>>& labels = {}) const;
  // Sum over every series of `name` whose labels include all of `match`.
  double sum(const std::string& name, const std::vector<std::pair<std::string, std::string>>& match = {}) const;
};

Scrape parse_scrape(const std::string& text);

// Names written as `name` in the tables of docs/metrics.md.
std::set<std::string> documented_metrics(const std::string& source_dir);

}  // namespace colonies::testing
