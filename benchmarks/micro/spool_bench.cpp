// What the executor spool costs per job on this machine's disk: spool the close (and journal the
// started job, for backends that do), then drop both once acknowledged. Measures and prints;
// never asserts. Run from a directory on the disk the spool will live on (the default is <tmp>).
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>

#include "executors/common/spool.hpp"

namespace {

using namespace colonies::executors;
namespace fs = std::filesystem;

// range(0): log bytes spooled with the close; range(1): 1 if the job is journaled too (backends
// with a token), 0 for the local backend.
void BM_SpoolPerJob(benchmark::State& state) {
  const fs::path dir = fs::temp_directory_path() / ("colonies-spool-bench-" + std::to_string(::getpid()));
  {
    auto spool = Spool::open(dir);
    if (!spool) {
      state.SkipWithError(spool.error().message.c_str());
      return;
    }
    const std::string id(64, 'a');
    SpooledClose close{id, true, boost::json::array{"result"}, {}, {std::string(static_cast<std::size_t>(state.range(0)), 'x')}, 0};
    const bool journaled = state.range(1) != 0;
    for (auto _ : state) {
      if (journaled) (void)spool->put_job(JournaledJob{id, "slurm", "12345", 0});
      (void)spool->put_close(close);
      if (journaled) (void)spool->remove_job(id);
      (void)spool->remove_close(id);
    }
    state.SetItemsProcessed(state.iterations());
  }
  fs::remove_all(dir);
}
// Log bytes spooled with the close: none, a typical tail, a full 64 KiB batch; with and without
// a journal entry. Wall time is what counts (fsync waits for the disk, the CPU idles).
BENCHMARK(BM_SpoolPerJob)
    ->ArgsProduct({{0, 4096, 65536}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
