// Turning a job's raw output bytes into what the runtime ships: lines (LineSplitter), the
// process output and error tail (OutputCapture), and valid UTF-8 for JSON (sanitize_utf8).
// Shared by backends so that every executor applies the same documented rules (docs/executors.md);
// it does no I/O and knows nothing of pipes, files or the server.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/json.hpp"

namespace colonies::executors {

namespace json = boost::json;

// Replaces every invalid UTF-8 sequence by U+FFFD, so that a job printing binary cannot make
// its logs unsendable (the server rejects JSON with invalid UTF-8).
std::string sanitize_utf8(std::string_view bytes);

// Splits a byte stream into lines. "\n" ends a line ("\r\n" too: the "\r" is dropped); a line
// longer than `max_line` bytes is cut into pieces of max_line bytes, so one endless line cannot
// grow memory without bound. Lines are handed out sanitised (sanitize_utf8).
class LineSplitter {
 public:
  static constexpr std::size_t kDefaultMaxLine = 64 * 1024;
  explicit LineSplitter(std::size_t max_line = kDefaultMaxLine) : max_line_(max_line) {}
  // Feeds bytes; `emit` is called for each completed line.
  void feed(std::string_view bytes, const std::function<void(std::string_view)>& emit);
  // End of stream: emits the unterminated rest, if any.
  void finish(const std::function<void(std::string_view)>& emit);

 private:
  void emit_line(std::string_view raw, const std::function<void(std::string_view)>& emit);
  std::size_t max_line_;
  std::string partial_;
};

// Keeps what closing a process needs from its output:
//  - out: every stdout line while stdout totals at most kMaxOutBytes (64 KiB, line bytes without
//    terminators); once it is larger, only the last kTailLines (100) stdout lines;
//  - errors: the last kErrorLines (10) stderr lines, each cut to kMaxErrorLine (1000) bytes.
class OutputCapture {
 public:
  static constexpr std::size_t kMaxOutBytes = 64 * 1024;
  static constexpr std::size_t kTailLines = 100;
  static constexpr std::size_t kErrorLines = 10;
  static constexpr std::size_t kMaxErrorLine = 1000;

  void add(bool is_stderr, std::string_view line);
  // The stdout lines as JSON strings, by the rule above.
  json::array out() const;
  // True once stdout outgrew kMaxOutBytes and out() holds only the tail.
  bool truncated() const { return truncated_; }
  const std::deque<std::string>& stderr_tail() const { return err_; }

 private:
  std::deque<std::string> out_;
  std::size_t out_bytes_ = 0;
  bool truncated_ = false;
  std::deque<std::string> err_;
};

}  // namespace colonies::executors
