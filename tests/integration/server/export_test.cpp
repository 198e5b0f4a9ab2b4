// `colonies export` end to end: the real coloniesd and the real CLI binary; the HDF5 file is read
// back through the HDF5 library. Paging (a page size smaller than the history), every state, the
// executor names, and failures that must not leave a file that looks complete.
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "adapters/trace/hdf5_process_trace.hpp"
#include "tests/integration/server/colony_server_test.hpp"

namespace colonies::testing {
namespace {

using model::ProcessState;

class ExportTest : public ColonyServerTest<> {
 protected:
  void SetUp() override { start_server("worker-1", "cpu"); }

  // Runs `colonies <args>` as the colony's user; returns the exit code and stdout+stderr.
  std::pair<int, std::string> colonies(const std::string& args) {
    const std::string command = "env -u COLONIES_SERVER_HOST -u COLONIES_TRANSPORT COLONIES_SERVER_HTTP_PORT=" +
                                std::to_string(server_->port()) + " COLONIES_PRVKEY=" + setup_.user.private_key +
                                " COLONIES_COLONY_NAME=" + setup_.colony + " '" COLONIES_CLI_BINARY "' " + args +
                                " 2>&1";
    return run_shell(command);
  }

};

TEST_F(ExportTest, Hdf5HoldsEveryProcessWithItsStateTimingsAndExecutorAcrossPages) {
  auto user = connect(server_->port(), setup_.user);
  auto exec = connect(server_->port(), executor_);
  std::map<std::string, ProcessState> expected;
  for (int i = 0; i < 25; ++i) {
    auto p = user.submit(make_spec(setup_.colony, "cpu", i % 2 ? "simulate" : "analyse"));
    ASSERT_TRUE(p) << p.error().message;
    expected[p->processid] = ProcessState::Waiting;
  }
  // 10 succeed, 5 fail, 1 runs, the rest wait.
  for (int i = 0; i < 16; ++i) {
    auto p = exec.assign(setup_.colony, 5);
    ASSERT_TRUE(p) << p.error().message;
    if (i < 10) ASSERT_TRUE(exec.close_successful(p->processid));
    else if (i < 15) ASSERT_TRUE(exec.close_failed(p->processid, {"boom"}));
    expected[p->processid] = i < 10 ? ProcessState::Success : i < 15 ? ProcessState::Failed : ProcessState::Running;
  }

  const std::string out = (dir_.path() / "history.h5").string();
  auto [code, output] = colonies("export --format hdf5 -o " + out + " --page-size 7");
  ASSERT_EQ(code, 0) << output;
  EXPECT_NE(output.find("exported 25 processes"), std::string::npos) << output;
  EXPECT_FALSE(std::filesystem::exists(out + ".partial"));

  auto file = trace::read_hdf5_trace(out);
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ(file->attributes.at("colonyname"), setup_.colony);
  ASSERT_EQ(file->rows.size(), expected.size());
  std::map<ProcessState, int> states;
  for (const auto& row : file->rows) {
    ASSERT_TRUE(expected.contains(row.processid)) << row.processid;
    EXPECT_EQ(row.state, expected[row.processid]) << row.processid;
    ++states[row.state];
    EXPECT_GT(row.submitted_ns, 0);
    if (row.state == ProcessState::Waiting) {
      EXPECT_EQ(row.started_ns, 0);
      EXPECT_EQ(row.executorname, "");
    } else {
      EXPECT_GE(row.started_ns, row.submitted_ns);
      EXPECT_EQ(row.executorid, executor_.id);
      EXPECT_EQ(row.executorname, "worker-1");
    }
    if (model::is_final(row.state)) EXPECT_GE(row.ended_ns, row.started_ns);
    else EXPECT_EQ(row.ended_ns, 0);
  }
  EXPECT_EQ(states[ProcessState::Success], 10);
  EXPECT_EQ(states[ProcessState::Failed], 5);
  EXPECT_EQ(states[ProcessState::Running], 1);
  EXPECT_EQ(states[ProcessState::Waiting], 9);
  // Newest first, as the history is read.
  EXPECT_TRUE(std::is_sorted(file->rows.begin(), file->rows.end(),
                             [](const auto& a, const auto& b) { return a.submitted_ns > b.submitted_ns; }));

  // A state filter, and JSON lines.
  const std::string failed = (dir_.path() / "failed.jsonl").string();
  auto [code2, output2] = colonies("export --format jsonl --state failed -o " + failed);
  ASSERT_EQ(code2, 0) << output2;
  std::ifstream lines(failed);
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    auto p = model::process_from_json(boost::json::parse(line));
    ASSERT_TRUE(p) << line;
    EXPECT_EQ(p->state, ProcessState::Failed);
  }
  EXPECT_EQ(n, 5);
}

TEST_F(ExportTest, BadInputIsAUsageErrorAndAFailedExportLeavesNoFile) {
  const std::string out = (dir_.path() / "x.h5").string();
  EXPECT_EQ(colonies("export --format csv -o " + out).first, 2);
  EXPECT_EQ(colonies("export --state sleeping -o " + out).first, 2);
  EXPECT_EQ(colonies("export --page-size 0 -o " + out).first, 2);
  auto [code, output] = colonies("export -o /nonexistent-dir/x.h5");
  EXPECT_EQ(code, 2) << output;
  EXPECT_NE(output.find("/nonexistent-dir/x.h5"), std::string::npos) << output;
  // Not a member of the colony: refused by the server, and nothing is left behind.
  const std::string command = "env COLONIES_SERVER_HTTP_PORT=" + std::to_string(server_->port()) +
                              " COLONIES_PRVKEY=" + new_key().private_key + " COLONIES_COLONY_NAME=" + setup_.colony +
                              " '" COLONIES_CLI_BINARY "' export -o " + out + " >/dev/null 2>&1";
  const int status = std::system(command.c_str());
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_FALSE(std::filesystem::exists(out));
  EXPECT_FALSE(std::filesystem::exists(out + ".partial"));
}

}  // namespace
}  // namespace colonies::testing
