// shell_quote with hostile strings: each quoted word is read back by a real /bin/sh, which must
// give exactly the original bytes and run nothing embedded in them.
#include "executors/slurm/shell_quote.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>

namespace colonies::executors::slurm {
namespace {

// What `sh -c "printf %s <word>"` prints: the word after the shell parsed it.
std::string read_back(const std::string& word) {
  std::string command = "printf %s " + word;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return "<popen failed>";
  std::string out;
  char buffer[256];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  ::pclose(pipe);
  return out;
}

TEST(ShellQuoteTest, PlainWordsStayReadable) {
  EXPECT_EQ(shell_quote("python3"), "python3");
  EXPECT_EQ(shell_quote("/usr/bin/env"), "/usr/bin/env");
  EXPECT_EQ(shell_quote("--mpi=pmix"), "'--mpi=pmix'");
  EXPECT_EQ(shell_quote("a-b_c.d:e@f%g+h,i"), "a-b_c.d:e@f%g+h,i");
}

TEST(ShellQuoteTest, EmptyStringIsAnEmptyWord) {
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(read_back("x" + shell_quote("") + "y"), "xy");
}

TEST(ShellQuoteTest, SingleQuotesAreClosedEscapedAndReopened) {
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
}

TEST(ShellQuoteTest, HostileStringsReadBackExactlyAndRunNothing) {
  const auto marker = std::filesystem::temp_directory_path() / "colonies-shell-quote-pwned";
  std::filesystem::remove(marker);
  const std::string touch = "touch " + marker.string();
  const std::string hostile[] = {
      "$(" + touch + ")",
      "`" + touch + "`",
      "'; " + touch + "; echo '",
      "\"; " + touch + "; echo \"",
      "a\nb\n" + touch,
      "$HOME ${PATH} $((1+1)) \\ \\\\ \\n",
      "* ? [a-z] ~ ~root {a,b}",
      "x=1",
      "tab\there & | ; < > ( ) # !",
      "''''",
      "ünïcödé ✓",
      "-n",
  };
  for (const auto& text : hostile) {
    EXPECT_EQ(read_back(shell_quote(text)), text) << "quoted as " << shell_quote(text);
  }
  EXPECT_FALSE(std::filesystem::exists(marker)) << "a quoted string ran a command";
}

}  // namespace
}  // namespace colonies::executors::slurm
