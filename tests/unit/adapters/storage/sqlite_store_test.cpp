// SqliteStore behaviour beyond the shared conformance suite: durability across reopen, schema
// migrations and their version check, file-level errors, and a rough throughput figure. Not a
// benchmark: the figure is printed, never asserted.
#include <chrono>
#include <fstream>
#include <iostream>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "adapters/storage/sqlite/migrations.hpp"
#include "adapters/storage/sqlite/sqlite_store.hpp"
#include "tests/unit/adapters/storage/store_test_data.hpp"

namespace colonies::storage::test {
namespace {

namespace m = ports::mutation;
using model::ProcessState;

// Runs SQL on the database file with a separate raw connection, as another program would.
std::string raw_query(const std::filesystem::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string result;
  if (sqlite3_open(path.c_str(), &db) == SQLITE_OK) {
    sqlite3_exec(
        db, sql.c_str(),
        [](void* out, int columns, char** values, char**) {
          if (columns > 0 && values[0] != nullptr) *static_cast<std::string*>(out) = values[0];
          return 0;
        },
        &result, nullptr);
  }
  sqlite3_close(db);
  return result;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  std::filesystem::path db_path() const { return dir_.path() / "state" / "colonies.db"; }

  std::unique_ptr<SqliteStore> open(SqliteOptions::Sync sync = SqliteOptions::Sync::Full) {
    auto opened = SqliteStore::open({.path = db_path().string(), .sync = sync});
    EXPECT_TRUE(opened) << opened.error().message;
    return opened ? std::move(*opened) : nullptr;
  }

  TempDir dir_;
};

TEST_F(SqliteStoreTest, CreatesMissingParentDirectories) {
  ASSERT_TRUE(open());
  EXPECT_TRUE(std::filesystem::exists(db_path()));
}

TEST_F(SqliteStoreTest, UsesWalModeAndRecordsTheSchemaVersion) {
  ASSERT_TRUE(open());
  EXPECT_EQ(raw_query(db_path(), "PRAGMA journal_mode"), "wal");
  // Every embedded migration applied (0001_initial, 0002_workflows, ...).
  EXPECT_GE(sqlite::latest_schema_version(), 2);
  EXPECT_EQ(raw_query(db_path(), "SELECT max(version) FROM schema_version"),
            std::to_string(sqlite::latest_schema_version()));
}

TEST_F(SqliteStoreTest, PersistsEverythingAcrossReopen) {
  auto process = make_process("c1", hex_id(1), ProcessState::Running);
  auto executor = make_executor("c1", "exec-1");
  {
    auto store = open();
    ASSERT_TRUE(store);
    std::vector<ports::Mutation> batch{
        m::SetServerId{hex_id(99)}, m::PutColony{make_colony("c1")}, m::PutUser{make_user("c1", "alice")},
        m::PutExecutor{executor}, m::PutLocation{make_location("c1", "lumi")},
        m::PutFunction{make_function("c1", hex_id(9))}, m::PutProcess{process},
        m::PutProcess{make_process("c1", hex_id(2), ProcessState::Success)},
        m::AppendLog{make_log("c1", hex_id(1), "exec-1", kT0, "persisted")}, m::SetPaused{"c1", true}};
    ASSERT_TRUE(store->apply(batch));
  }
  auto store = open();
  ASSERT_TRUE(store);
  auto s = store->load();
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->server_id, hex_id(99));
  EXPECT_EQ(s->colonies.size(), 1u);
  EXPECT_EQ(s->users.size(), 1u);
  ASSERT_EQ(s->executors.size(), 1u);
  EXPECT_EQ(as_json(s->executors[0]), as_json(executor));
  EXPECT_EQ(s->locations.size(), 1u);
  EXPECT_EQ(s->functions.size(), 1u);
  ASSERT_EQ(s->active_processes.size(), 1u);
  EXPECT_EQ(as_json(s->active_processes[0]), as_json(process));
  EXPECT_EQ(s->paused_colonies, (std::vector<std::string>{"c1"}));
  auto done = store->get_process(hex_id(2));
  ASSERT_TRUE(done && *done);
  auto logs = store->get_logs({.colonyname = "c1", .processid = hex_id(1)});
  ASSERT_TRUE(logs);
  ASSERT_EQ(logs->size(), 1u);
  EXPECT_EQ((*logs)[0].message, "persisted");
}

TEST_F(SqliteStoreTest, KeepsCommittedBatchesAndNothingOfARejectedOneAcrossReopen) {
  {
    auto store = open();
    ASSERT_TRUE(store);
    std::vector<ports::Mutation> good{m::PutColony{make_colony("c1")}, m::PutProcess{make_process("c1", hex_id(1))}};
    ASSERT_TRUE(store->apply(good));
    std::vector<ports::Mutation> bad{m::PutColony{make_colony("c2")}, m::PutProcess{make_process("c2", hex_id(2))},
                                     m::RemoveProcess{hex_id(1)}, m::PutColony{make_colony("")}};
    ASSERT_FALSE(store->apply(bad));
  }
  auto store = open();
  ASSERT_TRUE(store);
  auto s = store->load();
  ASSERT_TRUE(s);
  ASSERT_EQ(s->colonies.size(), 1u);
  EXPECT_EQ(s->colonies[0].name, "c1");
  ASSERT_EQ(s->active_processes.size(), 1u);
  EXPECT_EQ(s->active_processes[0].processid, hex_id(1));
}

TEST_F(SqliteStoreTest, RefusesADatabaseWithANewerSchemaVersion) {
  ASSERT_TRUE(open());
  raw_query(db_path(), "INSERT INTO schema_version (version, name, applied_at) VALUES (9999, 'future.sql', 0)");
  auto opened = SqliteStore::open({.path = db_path().string()});
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::Unavailable);
  EXPECT_NE(opened.error().message.find(fmt::format(
                "database schema version 9999 is newer than this coloniesd supports ({}); upgrade coloniesd",
                sqlite::latest_schema_version())),
            std::string::npos)
      << opened.error().message;
}

// A database made before ColonyFS (schema 1, with data) is upgraded in place at open: the data
// stays and files and snapshots work.
TEST_F(SqliteStoreTest, UpgradesAVersionOneDatabaseToFiles) {
  std::filesystem::create_directories(db_path().parent_path());
  const auto& first = sqlite::embedded_migrations().front();
  ASSERT_EQ(first.version, 1);
  raw_query(db_path(), "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at "
                       "INTEGER NOT NULL)");
  raw_query(db_path(), std::string(first.sql));
  raw_query(db_path(), "INSERT INTO schema_version VALUES (1, '0001_initial.sql', 0)");
  raw_query(db_path(), "INSERT INTO colonies (name, data) VALUES ('old', '{\"colonyid\": \"" + hex_id(1) +
                           "\", \"name\": \"old\"}')");
  auto store = open();
  ASSERT_TRUE(store);
  auto snapshot = store->load();
  ASSERT_TRUE(snapshot) << snapshot.error().message;
  ASSERT_EQ(snapshot->colonies.size(), 1u);
  EXPECT_EQ(snapshot->colonies[0].name, "old");
  model::File f;
  f.fileid = hex_id(2);
  f.colonyname = "old";
  f.label = "/l";
  f.name = "n";
  f.sequencenr = 1;
  f.checksum = std::string(64, 'a');
  ASSERT_TRUE(store->apply(std::vector<ports::Mutation>{m::AddFile{f}}));
  auto got = store->get_file("old", hex_id(2));
  ASSERT_TRUE(got && *got);
  EXPECT_EQ(raw_query(db_path(), "SELECT max(version) FROM schema_version"),
            std::to_string(sqlite::latest_schema_version()));
}

// A database written by a release that had only 0001_initial: opening it applies 0002_workflows,
// and its processes are kept as standalone ones (no graph), removable by RemoveProcesses.
TEST_F(SqliteStoreTest, UpgradesAVersion1DatabaseKeepingItsProcesses) {
  std::filesystem::create_directories(db_path().parent_path());
  auto process = make_process("c1", hex_id(1), ProcessState::Success);
  process.processgraphid.clear();
  const std::string data = model::json::serialize(model::to_json(process));
  std::string v1 = std::string(sqlite::embedded_migrations()[0].sql) +
                   ";CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                   "applied_at INTEGER NOT NULL);"
                   "INSERT INTO schema_version VALUES (1, '0001_initial.sql', 0);"
                   "INSERT INTO processes (processid, colonyname, state, executortype, label, initiatorname, "
                   "assignedexecutorid, submissiontime, prioritytime, data) VALUES ('" +
                   hex_id(1) + "', 'c1', 2, 'slurm', '', 'alice', '', 1, 1, '" + data + "');";
  raw_query(db_path(), v1);
  ASSERT_EQ(raw_query(db_path(), "SELECT max(version) FROM schema_version"), "1");
  auto store = open();
  ASSERT_TRUE(store);
  EXPECT_EQ(raw_query(db_path(), "SELECT max(version) FROM schema_version"),
            std::to_string(sqlite::latest_schema_version()));
  auto kept = store->get_process(hex_id(1));
  ASSERT_TRUE(kept && *kept);
  EXPECT_EQ((*kept)->state, ProcessState::Success);
  auto graphs = store->list_process_graphs({.colonyname = "c1"});
  ASSERT_TRUE(graphs);
  EXPECT_TRUE(graphs->empty());
  std::vector<ports::Mutation> remove{m::RemoveProcesses{"c1", std::nullopt}};
  ASSERT_TRUE(store->apply(remove));
  EXPECT_FALSE(*store->get_process(hex_id(1)));
}

TEST_F(SqliteStoreTest, DoesNotReapplyMigrationsOnReopen) {
  ASSERT_TRUE(open());
  ASSERT_TRUE(open());
  // One row per migration, each applied once.
  EXPECT_EQ(raw_query(db_path(), "SELECT count(*) FROM schema_version"), std::to_string(sqlite::latest_schema_version()));
}

TEST_F(SqliteStoreTest, WorksWithNormalSynchronousMode) {
  {
    auto store = open(SqliteOptions::Sync::Normal);
    ASSERT_TRUE(store);
    std::vector<ports::Mutation> batch{m::PutColony{make_colony("c1")}};
    ASSERT_TRUE(store->apply(batch));
  }
  auto store = open(SqliteOptions::Sync::Normal);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->load()->colonies.size(), 1u);
}

TEST_F(SqliteStoreTest, RejectsInMemoryPathAndMissingReaders) {
  auto memory = SqliteStore::open({.path = ":memory:"});
  ASSERT_FALSE(memory);
  EXPECT_EQ(memory.error().code, ErrorCode::BadRequest);
  auto no_readers = SqliteStore::open({.path = db_path().string(), .reader_connections = 0});
  ASSERT_FALSE(no_readers);
  EXPECT_EQ(no_readers.error().code, ErrorCode::BadRequest);
}

TEST_F(SqliteStoreTest, ReportsUnavailableWhenTheDirectoryCannotBeCreated) {
  std::ofstream(dir_.path() / "a-file") << "x";
  auto opened = SqliteStore::open({.path = (dir_.path() / "a-file" / "colonies.db").string()});
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::Unavailable);
}

TEST_F(SqliteStoreTest, ReportsUnavailableWithThePathForAFileThatIsNotADatabase) {
  std::filesystem::create_directories(db_path().parent_path());
  std::ofstream(db_path()) << std::string(4096, 'x');
  auto opened = SqliteStore::open({.path = db_path().string()});
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::Unavailable);
  EXPECT_NE(opened.error().message.find(db_path().string()), std::string::npos) << opened.error().message;
}

TEST_F(SqliteStoreTest, ReportsAnUnreadableStoredRowAsUnavailable) {
  auto store = open();
  ASSERT_TRUE(store);
  std::vector<ports::Mutation> batch{m::PutProcess{make_process("c1", hex_id(1))}};
  ASSERT_TRUE(store->apply(batch));
  raw_query(db_path(), "UPDATE processes SET data = '{not json'");
  auto got = store->get_process(hex_id(1));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::Unavailable);
}

// Prints a rough figure for the group-commit path; run alone for a meaningful number.
TEST_F(SqliteStoreTest, AppliesTenThousandPutProcessInOneBatch) {
  constexpr int kCount = 10'000;
  auto store = open();
  ASSERT_TRUE(store);
  std::vector<ports::Mutation> batch;
  batch.reserve(kCount);
  for (int i = 0; i < kCount; ++i) {
    batch.push_back(m::PutProcess{make_process("c1", hex_id(i + 1), ProcessState::Waiting, kT0 + i)});
  }
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(store->apply(batch));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "[ measure  ] " << kCount << " PutProcess in one batch: " << seconds * 1000 << " ms, "
            << static_cast<long>(kCount / seconds) << " per second\n";
  auto counts = store->count_processes("c1");
  ASSERT_TRUE(counts);
  EXPECT_EQ((*counts)[ProcessState::Waiting], kCount);
}

}  // namespace
}  // namespace colonies::storage::test
