// Human output: aligned tables, short local times, truncation.
#include "cli/table.hpp"

#include "cli/commands/render.hpp"

#include <gtest/gtest.h>

namespace colonies::cli {
namespace {

TEST(TableTest, AlignsColumnsToTheWidestCell) {
  Table table({"NAME", "STATE"});
  table.add_row({"a", "RUNNING"});
  table.add_row({"longer-name", "WAITING"});
  EXPECT_EQ(table.render(),
            "NAME         STATE\n"
            "a            RUNNING\n"
            "longer-name  WAITING\n");
}

TEST(TableTest, NoTrailingBlanksAndMissingCellsAreEmpty) {
  Table table({"A", "B", "C"});
  table.add_row({"x"});
  EXPECT_EQ(table.render(), "A  B  C\nx\n");
}

TEST(TableTest, MultibyteCellsAlignByCharacters) {
  Table table({"X", "Y"});
  table.add_row({"ab…", "1"});
  table.add_row({"abcd", "2"});
  EXPECT_EQ(table.render(), "X     Y\nab…   1\nabcd  2\n");
}

TEST(KeyValuesTest, AlignsValues) {
  KeyValues kv;
  kv.add("id", "1");
  kv.add("state", "RUNNING");
  EXPECT_EQ(kv.render(), "id:    1\nstate: RUNNING\n");
}

TEST(ShortTimeTest, UnsetIsADash) { EXPECT_EQ(short_time(0, 1), "-"); }

TEST(ShortTimeTest, TodayShowsOnlyTheTime) {
  std::int64_t now = 1'790'000'000LL * 1'000'000'000;
  std::string text = short_time(now - 60LL * 1'000'000'000, now);
  EXPECT_EQ(text.size(), 8u) << text;  // HH:MM:SS (unless the minute crossed midnight locally)
}

TEST(ShortTimeTest, OtherDaysShowTheDate) {
  std::int64_t now = 1'790'000'000LL * 1'000'000'000;
  std::string text = short_time(now - 3LL * 86'400 * 1'000'000'000, now);
  EXPECT_EQ(text.size(), 16u) << text;  // YYYY-MM-DD HH:MM
  EXPECT_EQ(text[4], '-');
}

TEST(StateWordTest, ProcessAndExecutorStatesAreWords) {
  EXPECT_EQ(state_word(model::ProcessState::Waiting), "WAITING");
  EXPECT_EQ(state_word(model::ProcessState::Cancelled), "CANCELLED");
  EXPECT_EQ(state_word(model::ExecutorState::Approved), "APPROVED");
}

TEST(TruncateTest, CutsLongTextWithAnEllipsis) {
  EXPECT_EQ(truncate("abcdef", 4), "abc…");
  EXPECT_EQ(truncate("abc", 4), "abc");
}

TEST(PlainTest, StringsLoseTheirQuotes) {
  EXPECT_EQ(plain_list(boost::json::array{"a", 1, true}), "a 1 true");
}

TEST(RenderProcessTest, ShowsTheLocationAndTheFallbacksWithTheirLocations) {
  model::Process p;
  p.spec.conditions.executortype = "slurm";
  p.spec.conditions.locationname = "hpc-centre";
  p.spec.conditions.fallback = {{"k8s", std::nullopt, 600}, {"aws", "", 900}, {"gcp", "eu-north", 1200}};
  const std::string text = render_process(p);
  EXPECT_NE(text.find("location:"), std::string::npos) << text;
  EXPECT_NE(text.find("fallback:           k8s after 600 s, aws after 900 s (anywhere), gcp after 1200 s at eu-north\n"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace colonies::cli
