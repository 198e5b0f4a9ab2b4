// Line splitting, output retention and UTF-8 repair for job output (see job_output.hpp).
#include "executors/common/job_output.hpp"

#include <cstdint>

namespace colonies::executors {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not valid (RFC 3629:
// no overlongs, no surrogates, nothing above U+10FFFF).
std::size_t valid_sequence(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(s[k]); };
  const std::uint8_t b0 = byte(i);
  if (b0 < 0x80) return 1;
  std::size_t len = 0;
  std::uint8_t lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  const std::uint8_t b1 = byte(i + 1);
  if (b1 < lo || b1 > hi) return 0;
  for (std::size_t k = 2; k < len; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return len;
}

}  // namespace

std::string sanitize_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  std::size_t i = 0;
  while (i < bytes.size()) {
    std::size_t n = valid_sequence(bytes, i);
    if (n == 0) {
      out.append(kReplacement);
      ++i;
    } else {
      out.append(bytes.substr(i, n));
      i += n;
    }
  }
  return out;
}

void LineSplitter::emit_line(std::string_view raw, const std::function<void(std::string_view)>& emit) {
  if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
  emit(sanitize_utf8(raw));
}

void LineSplitter::feed(std::string_view bytes, const std::function<void(std::string_view)>& emit) {
  while (!bytes.empty()) {
    std::size_t nl = bytes.find('\n');
    std::size_t take = nl == std::string_view::npos ? bytes.size() : nl;
    // Cut an over-long line at max_line_ bytes, whether or not its end has arrived.
    std::size_t room = max_line_ - partial_.size();
    if (take > room) {
      partial_.append(bytes.substr(0, room));
      emit_line(partial_, emit);
      partial_.clear();
      bytes.remove_prefix(room);
      continue;
    }
    partial_.append(bytes.substr(0, take));
    if (nl == std::string_view::npos) return;
    emit_line(partial_, emit);
    partial_.clear();
    bytes.remove_prefix(nl + 1);
  }
}

void LineSplitter::finish(const std::function<void(std::string_view)>& emit) {
  if (!partial_.empty()) emit_line(partial_, emit);
  partial_.clear();
}

void OutputCapture::add(bool is_stderr, std::string_view line) {
  if (is_stderr) {
    err_.emplace_back(line.substr(0, kMaxErrorLine));
    if (err_.size() > kErrorLines) err_.pop_front();
    return;
  }
  out_.emplace_back(line);
  out_bytes_ += line.size();
  if (out_bytes_ > kMaxOutBytes) truncated_ = true;
  if (truncated_) {
    while (out_.size() > kTailLines) {
      out_bytes_ -= out_.front().size();
      out_.pop_front();
    }
  }
}

json::array OutputCapture::out() const {
  json::array a;
  a.reserve(out_.size());
  for (const auto& line : out_) a.emplace_back(line);
  return a;
}

}  // namespace colonies::executors
