// Writing benchmark processes straight into the SQLite store, in large transactions.
#include "benchmarks/depth/store_filler.hpp"

#include <chrono>
#include <vector>

namespace colonies::bench {

namespace {
model::TimeNs wall_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

Result<std::unique_ptr<StoreFiller>> StoreFiller::open(const std::string& data_dir, std::string initiatorid,
                                                       std::string executorid, int batch) {
  storage::SqliteOptions options;
  options.path = data_dir + "/colonies.db";
  // Normal: the filler's commits need not each reach the disk; the store is consistent either
  // way, and coloniesd runs with its own --db-sync afterwards.
  options.sync = storage::SqliteOptions::Sync::Normal;
  options.reader_connections = 1;
  COLONIES_TRY(store, storage::SqliteStore::open(options));
  return std::unique_ptr<StoreFiller>(
      new StoreFiller(std::move(store), std::move(initiatorid), std::move(executorid), batch));
}

StoreFiller::StoreFiller(std::unique_ptr<storage::SqliteStore> store, std::string initiatorid, std::string executorid,
                         int batch)
    : store_(std::move(store)),
      initiatorid_(std::move(initiatorid)),
      executorid_(std::move(executorid)),
      batch_(batch > 0 ? batch : 1) {}

Status StoreFiller::add_waiting(std::int64_t count) { return add(count, false); }
Status StoreFiller::add_finished(std::int64_t count) { return add(count, true); }

Status StoreFiller::add(std::int64_t count, bool finished) {
  // What on_submit builds (server/api/handlers_processes.cpp), and for finished ones what an
  // assign and a successful close add to it.
  model::Process proto;
  proto.initiatorid = initiatorid_;
  proto.initiatorname = "bench-user";
  proto.spec.funcname = "noop";
  proto.spec.conditions.colonyname = "bench";
  proto.spec.conditions.executortype = "bench";
  proto.spec.maxwaittime = -1;
  proto.spec.maxexectime = -1;
  if (finished) {
    proto.state = model::ProcessState::Success;
    proto.isassigned = true;
    proto.assignedexecutorid = executorid_;
  }
  std::vector<ports::Mutation> batch;
  batch.reserve(static_cast<std::size_t>(batch_));
  // Submission times strictly increase, ending before now: these processes are older than any the
  // benchmark submits later, so they are assigned first, as a real backlog would be.
  const model::TimeNs base = wall_now() - count * 1000;
  for (std::int64_t i = 0; i < count; ++i) {
    model::Process p = proto;
    p.processid = ids_.new_id();
    p.submissiontime = base + i * 1000;
    p.prioritytime = model::priority_time(0, p.submissiontime);
    if (finished) {
      p.starttime = p.submissiontime + 500;
      p.endtime = p.submissiontime + 900;
    }
    batch.push_back(ports::mutation::PutProcess{std::move(p)});
    if (static_cast<int>(batch.size()) == batch_ || i + 1 == count) {
      COLONIES_CHECK(store_->apply(batch));
      batch.clear();
    }
  }
  return ok();
}

}  // namespace colonies::bench
