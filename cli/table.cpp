// Text tables and value formatting for the CLI's human output.
#include "cli/table.hpp"

#include <ctime>

#include <fmt/format.h>

namespace colonies::cli {

namespace {

// Display width in code points, so "…" and other UTF-8 text line up.
std::size_t display_width(const std::string& text) {
  std::size_t width = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++width;
  }
  return width;
}

void pad_to(std::string& line, const std::string& cell, std::size_t width) {
  line += cell;
  line.append(width - display_width(cell), ' ');
}

std::tm local_tm(model::TimeNs t) {
  std::time_t secs = static_cast<std::time_t>(t / 1'000'000'000);
  std::tm tm{};
  localtime_r(&secs, &tm);
  return tm;
}

std::string strftime_string(const std::tm& tm, const char* format) {
  char buf[64];
  std::size_t n = std::strftime(buf, sizeof(buf), format, &tm);
  return std::string(buf, n);
}

}  // namespace

void Table::add_row(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

std::string Table::render() const {
  std::vector<std::size_t> widths(headers_.size());
  for (std::size_t c = 0; c < headers_.size(); ++c) widths[c] = display_width(headers_[c]);
  for (const auto& row : rows_) {
    for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], display_width(row[c]));
  }
  std::string text;
  auto render_row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      if (c + 1 == cells.size()) {
        line += cells[c];
      } else {
        pad_to(line, cells[c], widths[c]);
        line += "  ";
      }
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    text += line;
    text += '\n';
  };
  render_row(headers_);
  for (const auto& row : rows_) render_row(row);
  return text;
}

std::string KeyValues::render() const {
  std::size_t width = 0;
  for (const auto& [key, value] : rows_) width = std::max(width, display_width(key) + 1);
  std::string text;
  for (const auto& [key, value] : rows_) {
    std::string line;
    pad_to(line, key + ":", width);
    line += ' ';
    line += value;
    while (!line.empty() && line.back() == ' ') line.pop_back();
    text += line;
    text += '\n';
  }
  return text;
}

std::string short_time(model::TimeNs t, model::TimeNs now) {
  if (t == 0) return "-";
  std::tm when = local_tm(t);
  std::tm today = local_tm(now);
  if (when.tm_year == today.tm_year && when.tm_yday == today.tm_yday) return strftime_string(when, "%H:%M:%S");
  return strftime_string(when, "%Y-%m-%d %H:%M");
}

std::string local_time(model::TimeNs t) {
  if (t == 0) return "-";
  return strftime_string(local_tm(t), "%Y-%m-%d %H:%M:%S");
}

std::string state_word(model::ProcessState state) { return std::string(model::to_string(state)); }

std::string state_word(model::ExecutorState state) { return std::string(model::to_string(state)); }

std::string plain(const boost::json::value& value) {
  if (value.is_string()) return std::string(value.get_string());
  return boost::json::serialize(value);
}

std::string plain_list(const boost::json::array& values) {
  std::string text;
  for (const auto& v : values) {
    if (!text.empty()) text += ' ';
    text += plain(v);
  }
  return text;
}

std::string truncate(const std::string& text, std::size_t width) {
  if (display_width(text) <= width || width == 0) return text;
  std::string cut;
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80) {
      if (count + 1 == width) break;
      ++count;
    }
    cut += text[i];
  }
  return cut + "…";
}

}  // namespace colonies::cli
