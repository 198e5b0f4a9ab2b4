// Human output of the CLI: aligned text tables and key/value blocks, and the short forms of
// times, states and JSON values shown in them. Scripts should use --json; this is for people.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "core/model/executor.hpp"
#include "core/model/json.hpp"
#include "core/model/process.hpp"

namespace colonies::cli {

// Columns padded to their widest cell, separated by two spaces; no trailing blanks.
class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void add_row(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }
  std::string render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// "key: value" lines with the keys aligned.
class KeyValues {
 public:
  void add(std::string key, std::string value) { rows_.emplace_back(std::move(key), std::move(value)); }
  std::string render() const;

 private:
  std::vector<std::pair<std::string, std::string>> rows_;
};

// Local time, short: "14:03:07" for today, "2026-11-23 14:03" otherwise, "-" for unset (0).
// `now` is injected so that tests do not depend on the day they run.
std::string short_time(model::TimeNs t, model::TimeNs now);
// Local time in full ("2026-11-23 14:03:07"), "-" for unset.
std::string local_time(model::TimeNs t);
// WAITING, RUNNING, SUCCESS, FAILED, CANCELLED / PENDING, APPROVED, ...
std::string state_word(model::ProcessState state);
std::string state_word(model::ExecutorState state);
// A JSON value as a person reads it: strings without quotes, everything else as JSON.
std::string plain(const boost::json::value& value);
// Array items joined by a space; strings without quotes.
std::string plain_list(const boost::json::array& values);
// Cuts to `width` characters, marking the cut with "…".
std::string truncate(const std::string& text, std::size_t width);

}  // namespace colonies::cli
