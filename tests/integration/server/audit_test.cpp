// The audit ledger end to end: the real coloniesd on SQLite and the real `colonies` binary.
// `audit ls` lists what the SDK did (filtered by colony with the colony owner's key, and by
// process); `audit verify` passes on the untouched ledger, then names the entry a row edited
// straight in the database file (with the SQLite library, as an intruder would), a deleted row
// (a gap) and an anchor that no longer matches.
#include <sqlite3.h>

#include <gtest/gtest.h>

#include "tests/integration/server/colony_server_test.hpp"

namespace colonies::testing {
namespace {

class AuditTest : public ColonyServerTest<> {
 protected:
  void SetUp() override { start_server("worker-1", "cpu"); }

  // Runs `colonies <args>` with the server and colony owners' keys; exit code and stdout+stderr.
  std::pair<int, std::string> colonies(const std::string& args) {
    const std::string command =
        "env -u COLONIES_SERVER_HOST -u COLONIES_TRANSPORT -u COLONIES_PRVKEY COLONIES_SERVER_HTTP_PORT=" +
        std::to_string(server_->port()) + " COLONIES_SERVER_PRVKEY=" + server_owner_.private_key +
        " COLONIES_COLONY_PRVKEY=" + setup_.owner.private_key + " COLONIES_COLONY_NAME=" + setup_.colony + " '" +
        COLONIES_CLI_BINARY "' " + args + " 2>&1";
    return run_shell(command);
  }

  // Runs one SQL statement on the server's database file, behind its back.
  void tamper(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_.path() / "data" / "colonies.db").c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    EXPECT_EQ(rc, SQLITE_OK) << sql << ": " << (error ? error : "");
    sqlite3_free(error);
    EXPECT_EQ(sqlite3_changes(db), 1) << sql;
    sqlite3_close(db);
  }

};

TEST_F(AuditTest, ListsTheRequestsAndVerifyNamesTheEntryChangedInTheDatabase) {
  auto user = connect(server_->port(), setup_.user);
  auto exec = connect(server_->port(), executor_);
  auto p = user.submit(make_spec(setup_.colony, "cpu", "analyse"));
  ASSERT_TRUE(p) << p.error().message;
  auto assigned = exec.assign(setup_.colony, 5);
  ASSERT_TRUE(assigned) << assigned.error().message;
  ASSERT_TRUE(exec.close_successful(p->processid));
  // Refused for its role, and still recorded.
  EXPECT_FALSE(user.pause_assignments(setup_.colony));

  auto [listed_code, listed] = colonies("audit ls");
  ASSERT_EQ(listed_code, 0) << listed;
  for (const char* type : {"addcolonymsg", "addusermsg", "addexecutormsg", "approveexecutormsg", "submitfuncspecmsg",
                           "assignprocessmsg", "closesuccessfulmsg", "pauseassignmentsmsg"}) {
    EXPECT_NE(listed.find(type), std::string::npos) << type << " missing from:\n" << listed;
  }
  EXPECT_NE(listed.find("403"), std::string::npos) << listed;

  auto [process_code, by_process] = colonies("audit ls --json --process " + p->processid);
  ASSERT_EQ(process_code, 0) << by_process;
  auto entries = model::parse_json(by_process);
  ASSERT_TRUE(entries && entries->is_array()) << by_process;
  ASSERT_EQ(entries->as_array().size(), 3u) << by_process;  // submit, assign, close
  EXPECT_EQ(entries->as_array()[0].at("msgtype"), "submitfuncspecmsg");
  EXPECT_EQ(entries->as_array()[2].at("msgtype"), "closesuccessfulmsg");

  // The colony owner's view: only their colony (the server owner's colony add names it too).
  auto [colony_code, by_colony] = colonies("audit ls --json --colony " + setup_.colony);
  ASSERT_EQ(colony_code, 0) << by_colony;
  auto mine = model::parse_json(by_colony);
  ASSERT_TRUE(mine && mine->is_array()) << by_colony;
  EXPECT_GE(mine->as_array().size(), 7u);
  for (const auto& e : mine->as_array()) EXPECT_EQ(std::string(e.at("colonyname").as_string()), setup_.colony);

  auto [ok_code, intact] = colonies("audit verify");
  ASSERT_EQ(ok_code, 0) << intact;
  EXPECT_NE(intact.find("audit ledger intact"), std::string::npos) << intact;
  auto head_at = intact.find("head ");
  ASSERT_NE(head_at, std::string::npos) << intact;
  const std::string anchor = intact.substr(head_at + 5, intact.find(' ', head_at + 5) - head_at - 5);

  // An intruder turns the refusal into a success.
  const std::int64_t refused = static_cast<std::int64_t>(mine->as_array().back().at("seq").as_int64());
  tamper("UPDATE audit_log SET status = 200 WHERE seq = " + std::to_string(refused));
  auto [bad_code, broken] = colonies("audit verify");
  EXPECT_EQ(bad_code, 1) << broken;
  EXPECT_NE(broken.find("broken at entry " + std::to_string(refused) + ": hash mismatch"), std::string::npos)
      << broken;
  tamper("UPDATE audit_log SET status = 403 WHERE seq = " + std::to_string(refused));
  auto [again_code, again] = colonies("audit verify --anchor " + anchor);
  EXPECT_EQ(again_code, 0) << again;

  // Deleting an entry leaves a gap, named by the missing seq.
  tamper("DELETE FROM audit_log WHERE seq = 3");
  auto [gap_code, gap] = colonies("audit verify --json");
  EXPECT_EQ(gap_code, 1) << gap;
  auto report = model::parse_json(gap);
  ASSERT_TRUE(report && report->is_object()) << gap;
  EXPECT_EQ(report->at("intact"), false);
  EXPECT_EQ(report->at("badseq"), 3);
  EXPECT_NE(std::string(report->at("problem").as_string()).find("gap"), std::string::npos) << gap;
}

TEST_F(AuditTest, AnAnchorThatNoLongerMatchesFailsVerification) {
  auto [code, out] = colonies("audit verify --anchor 2:" + std::string(64, 'a'));
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("broken at entry 2"), std::string::npos) << out;
  EXPECT_NE(out.find("anchor"), std::string::npos) << out;
  auto [usage, message] = colonies("audit verify --anchor nonsense");
  EXPECT_EQ(usage, 2) << message;
}

}  // namespace
}  // namespace colonies::testing
