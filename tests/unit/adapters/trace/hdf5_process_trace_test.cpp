// Hdf5ProcessTrace: rows and attributes round-trip through a real HDF5 file, tables larger than
// one chunk, appends in several parts, and clear errors for paths and files that are not traces.
#include "adapters/trace/hdf5_process_trace.hpp"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/support/temp_path.hpp"

namespace colonies::trace {
namespace {

using model::ProcessState;

TraceRow make_row(int i) {
  TraceRow r;
  r.processid = fmt::format("{:064x}", i);
  r.colonyname = "lab";
  r.funcname = i % 2 ? "simulate" : "analyse";
  r.executortype = "cpu";
  r.executorid = i % 3 ? fmt::format("{:064x}", 1000 + i % 3) : "";
  r.executorname = i % 3 ? fmt::format("exec-{}", i % 3) : "";
  r.initiatorname = "åsa";  // UTF-8 survives
  r.processgraphid = i % 5 ? "" : "graph-1";
  r.state = static_cast<ProcessState>(i % 5);
  r.priority = i % 7 - 3;
  r.retries = i % 4;
  r.submitted_ns = 1'700'000'000'000'000'000 + i;
  r.started_ns = r.state == ProcessState::Waiting ? 0 : r.submitted_ns + 1000;
  r.ended_ns = model::is_final(r.state) ? r.started_ns + 5000 : 0;
  return r;
}

bool same(const TraceRow& a, const TraceRow& b) {
  return a.processid == b.processid && a.colonyname == b.colonyname && a.funcname == b.funcname &&
         a.executortype == b.executortype && a.executorid == b.executorid && a.executorname == b.executorname &&
         a.initiatorname == b.initiatorname && a.processgraphid == b.processgraphid && a.state == b.state &&
         a.priority == b.priority && a.retries == b.retries && a.submitted_ns == b.submitted_ns &&
         a.started_ns == b.started_ns && a.ended_ns == b.ended_ns;
}

class Hdf5ProcessTraceTest : public ::testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove(path_); }
  std::string path_ = testing::unique_temp_path("trace.h5");
};

TEST_F(Hdf5ProcessTraceTest, RowsAndAttributesRoundTripAcrossSeveralAppendsAndChunks) {
  auto trace = Hdf5ProcessTrace::create(path_, {{"colonyname", "lab"}, {"benchmark", "lifecycle"}});
  ASSERT_TRUE(trace) << trace.error().message;
  std::vector<TraceRow> rows;
  for (int i = 0; i < 10'000; ++i) rows.push_back(make_row(i));  // more than two chunks of 4096
  ASSERT_TRUE((*trace)->append(std::span(rows).subspan(0, 3)));
  ASSERT_TRUE((*trace)->append(std::span(rows).subspan(3)));
  ASSERT_TRUE((*trace)->append({}));
  ASSERT_TRUE((*trace)->set_attribute("summary", R"({"lifecycles_per_s": 1234})"));
  EXPECT_EQ((*trace)->rows(), rows.size());
  ASSERT_TRUE((*trace)->close());

  auto read = read_hdf5_trace(path_);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->attributes.at("schema"), kSchema);
  EXPECT_EQ(read->attributes.at("colonyname"), "lab");
  EXPECT_EQ(read->attributes.at("benchmark"), "lifecycle");
  EXPECT_EQ(read->attributes.at("summary"), R"({"lifecycles_per_s": 1234})");
  ASSERT_EQ(read->rows.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) ASSERT_TRUE(same(read->rows[i], rows[i])) << "row " << i;
}

TEST_F(Hdf5ProcessTraceTest, AnEmptyTraceIsAValidFileWithNoRows) {
  auto trace = Hdf5ProcessTrace::create(path_, {});
  ASSERT_TRUE(trace);
  ASSERT_TRUE((*trace)->close());
  auto read = read_hdf5_trace(path_);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_TRUE(read->rows.empty());
}

TEST_F(Hdf5ProcessTraceTest, RowOfTakesTimingsStateAndTheExecutorNameFromAProcess) {
  model::Process p;
  p.processid = std::string(64, 'a');
  p.spec.funcname = "simulate";
  p.spec.conditions.colonyname = "lab";
  p.spec.conditions.executortype = "cpu";
  p.spec.priority = 2;
  p.assignedexecutorid = std::string(64, 'e');
  p.state = ProcessState::Failed;
  p.retries = 2;
  p.submissiontime = 10;
  p.starttime = 20;
  p.endtime = 30;
  auto row = row_of(p, {{std::string(64, 'e'), "node-7"}});
  EXPECT_EQ(row.executorname, "node-7");
  EXPECT_EQ(row.state, ProcessState::Failed);
  EXPECT_EQ(row.retries, 2);
  EXPECT_EQ(row.priority, 2);
  EXPECT_EQ(row.submitted_ns, 10);
  EXPECT_EQ(row.started_ns, 20);
  EXPECT_EQ(row.ended_ns, 30);
  EXPECT_EQ(row_of(p, {}).executorname, "");
}

TEST_F(Hdf5ProcessTraceTest, CreatingInAMissingDirectoryNamesThePath) {
  auto trace = Hdf5ProcessTrace::create("/nonexistent-dir/trace.h5", {});
  ASSERT_FALSE(trace);
  EXPECT_EQ(trace.error().code, ErrorCode::BadRequest);
  EXPECT_NE(trace.error().message.find("/nonexistent-dir/trace.h5"), std::string::npos) << trace.error().message;
}

TEST_F(Hdf5ProcessTraceTest, ReadingSomethingElseSaysWhatIsWrong) {
  EXPECT_EQ(read_hdf5_trace(path_).error().code, ErrorCode::NotFound);
  std::ofstream(path_) << "not hdf5";
  auto text = read_hdf5_trace(path_);
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().code, ErrorCode::BadRequest);
}

TEST_F(Hdf5ProcessTraceTest, AClosedTraceRefusesFurtherWrites) {
  auto trace = Hdf5ProcessTrace::create(path_, {});
  ASSERT_TRUE(trace);
  ASSERT_TRUE((*trace)->close());
  std::vector<TraceRow> rows{make_row(1)};
  EXPECT_FALSE((*trace)->append(rows));
  EXPECT_FALSE((*trace)->close());
}

}  // namespace
}  // namespace colonies::trace
