// The fixture of the Store conformance suites: one store per test, of the kind given by the
// test parameter (SqliteStore in a temporary directory, MemoryStore, or PostgresStore on a fresh
// schema of the binary's throwaway cluster), with helpers that report a failed call as a test
// failure. Not a fake: the stores under test are the real ones. The same sources build two
// binaries: store_conformance_test (SQLite, memory; unit) and, with COLONIES_WITH_POSTGRES,
// store_conformance_postgres_test (integration, COLONIES_TEST_POSTGRES defined).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "adapters/storage/sqlite/sqlite_store.hpp"
#ifdef COLONIES_TEST_POSTGRES
#include "adapters/storage/postgres/postgres_store.hpp"
#include "tests/support/postgres_cluster.hpp"
#endif
#include "tests/support/memory_store.hpp"
#include "tests/unit/adapters/storage/store_test_data.hpp"

namespace colonies::storage::test {

using model::ProcessState;

enum class StoreKind { Sqlite, Memory, Postgres };

// The kinds this binary runs the suite against.
inline std::vector<StoreKind> store_kinds() {
#ifdef COLONIES_TEST_POSTGRES
  return {StoreKind::Postgres};
#else
  return {StoreKind::Sqlite, StoreKind::Memory};
#endif
}

class StoreTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    if (GetParam() == StoreKind::Memory) {
      store_ = std::make_unique<colonies::testing::MemoryStore>();
      return;
    }
#ifdef COLONIES_TEST_POSTGRES
    if (GetParam() == StoreKind::Postgres) conninfo_ = colonies::testing::PostgresCluster::shared().fresh_schema_conninfo();
#endif
    reopen();
  }

  // Whether the store's state outlives the store object (a file or a database server).
  bool persistent() const { return GetParam() != StoreKind::Memory; }

  // Closes the store and opens a new one on the same database.
  void reopen() {
    store_.reset();
#ifdef COLONIES_TEST_POSTGRES
    if (GetParam() == StoreKind::Postgres) {
      auto opened = PostgresStore::open({.conninfo = conninfo_});
      ASSERT_TRUE(opened) << opened.error().message;
      store_ = std::move(*opened);
      return;
    }
#endif
    auto opened = SqliteStore::open({.path = (dir_.path() / "colonies.db").string()});
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
  }

  ports::Store& store() { return *store_; }

  void apply(std::vector<ports::Mutation> batch) {
    auto applied = store_->apply(batch);
    ASSERT_TRUE(applied) << applied.error().message;
  }

  ports::Snapshot load() {
    auto snapshot = store_->load();
    EXPECT_TRUE(snapshot) << snapshot.error().message;
    return snapshot ? std::move(*snapshot) : ports::Snapshot{};
  }

  std::optional<model::Process> get(const std::string& id) {
    auto p = store_->get_process(id);
    EXPECT_TRUE(p) << p.error().message;
    return p ? *p : std::nullopt;
  }

  std::vector<model::Process> list(ports::ProcessFilter filter) {
    auto listed = store_->list_processes(filter);
    EXPECT_TRUE(listed) << listed.error().message;
    return listed ? *listed : std::vector<model::Process>{};
  }

  std::vector<std::string> list_ids(ports::ProcessFilter filter) {
    std::vector<std::string> ids;
    for (const auto& p : list(std::move(filter))) ids.push_back(p.processid);
    return ids;
  }

  std::vector<std::string> log_messages(const ports::LogQuery& q) {
    auto logs = store_->get_logs(q);
    EXPECT_TRUE(logs) << logs.error().message;
    std::vector<std::string> out;
    if (logs) {
      for (const auto& l : *logs) out.push_back(l.message);
    }
    return out;
  }

  std::vector<std::string> search(const std::string& colony, const std::string& text, std::int64_t since = 0,
                                  int count = 100) {
    auto logs = store_->search_logs(colony, text, since, count);
    EXPECT_TRUE(logs) << logs.error().message;
    std::vector<std::string> out;
    if (logs) {
      for (const auto& l : *logs) out.push_back(l.message);
    }
    return out;
  }

  std::int64_t count(const std::string& colony, ProcessState state) {
    auto counts = store_->count_processes(colony);
    EXPECT_TRUE(counts) << counts.error().message;
    return counts ? (*counts)[state] : -1;
  }

  TempDir dir_;
  std::string conninfo_;  // PostgreSQL only
  std::unique_ptr<ports::Store> store_;
};

inline std::string store_kind_name(const ::testing::TestParamInfo<StoreKind>& info) {
  switch (info.param) {
    case StoreKind::Sqlite: return "Sqlite";
    case StoreKind::Memory: return "Memory";
    case StoreKind::Postgres: return "Postgres";
  }
  return "Unknown";
}

}  // namespace colonies::storage::test
