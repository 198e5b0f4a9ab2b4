// Line splitting, UTF-8 repair and the out/errors retention rules shared by backends.
#include "executors/common/job_output.hpp"

#include <gtest/gtest.h>

namespace colonies::executors {
namespace {

std::vector<std::string> split(LineSplitter& s, std::string_view bytes, bool end = false) {
  std::vector<std::string> lines;
  auto emit = [&](std::string_view l) { lines.emplace_back(l); };
  s.feed(bytes, emit);
  if (end) s.finish(emit);
  return lines;
}

TEST(LineSplitterTest, JoinsLinesAcrossReadsAndDropsCarriageReturns) {
  LineSplitter s;
  EXPECT_EQ(split(s, "hel"), std::vector<std::string>{});
  EXPECT_EQ(split(s, "lo\r\nwor"), std::vector<std::string>{"hello"});
  EXPECT_EQ(split(s, "ld\n\nrest", true), (std::vector<std::string>{"world", "", "rest"}));
}

TEST(LineSplitterTest, CutsEndlessLinesAtTheLimit) {
  LineSplitter s(4);
  EXPECT_EQ(split(s, "abcdefghij\n"), (std::vector<std::string>{"abcd", "efgh", "ij"}));
  EXPECT_EQ(split(s, "abcd\n"), (std::vector<std::string>{"abcd"}));
}

TEST(LineSplitterTest, ReplacesInvalidUtf8SoLogsStaySendable) {
  LineSplitter s;
  auto lines = split(s, std::string("ok \xC3\xA9 bad \xFF\xC0\x80 end\n"));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "ok \xC3\xA9 bad \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD end");
  EXPECT_EQ(sanitize_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
  EXPECT_EQ(sanitize_utf8("\xF0\x9F\x98\x80"), "\xF0\x9F\x98\x80");
}

TEST(OutputCaptureTest, KeepsAllStdoutLinesWhileSmall) {
  OutputCapture c;
  c.add(false, "a");
  c.add(true, "warning");
  c.add(false, "b");
  EXPECT_EQ(c.out(), (json::array{"a", "b"}));
  EXPECT_FALSE(c.truncated());
  EXPECT_EQ(c.stderr_tail().size(), 1u);
}

TEST(OutputCaptureTest, KeepsOnlyTheLast100LinesOnceStdoutPasses64KiB) {
  OutputCapture c;
  const std::string line(1000, 'x');
  for (int i = 0; i < 200; ++i) c.add(false, std::to_string(i) + line);
  EXPECT_TRUE(c.truncated());
  json::array out = c.out();
  ASSERT_EQ(out.size(), OutputCapture::kTailLines);
  EXPECT_EQ(out.front().as_string(), "100" + line);
  EXPECT_EQ(out.back().as_string(), "199" + line);
}

TEST(OutputCaptureTest, KeepsTheLast10StderrLinesCutTo1000Bytes) {
  OutputCapture c;
  for (int i = 0; i < 25; ++i) c.add(true, std::to_string(i));
  c.add(true, std::string(5000, 'e'));
  ASSERT_EQ(c.stderr_tail().size(), OutputCapture::kErrorLines);
  EXPECT_EQ(c.stderr_tail().front(), "16");
  EXPECT_EQ(c.stderr_tail().back().size(), OutputCapture::kMaxErrorLine);
}

}  // namespace
}  // namespace colonies::executors
