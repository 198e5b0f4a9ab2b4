// A benchmark run's per-process trace: after the run, the bench colony's history is read back from
// the server (getprocesshistmsg pages, as `colonies export` does) and written as an HDF5 process
// trace (docs/export.md) with the run's JSON summary as the file attribute "summary", so runs can
// be compared and plotted (benchmarks/plot_trace.py). Not a measurement itself: it runs after the clock stops.
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "benchmarks/common/bench_colony.hpp"
#include "client/client.hpp"

namespace colonies::bench {

// False when this build has no HDF5 (configure with -DCOLONIES_WITH_HDF5=ON).
bool traces_supported();

// Registers --trace FILE on `app`; a build without HDF5 refuses it when the command line is parsed.
inline CLI::Option* add_trace_option(CLI::App& app, std::string& path) {
  return app.add_option("--trace", path, "Write the per-process trace (HDF5, docs/export.md) to this file")
      ->check(CLI::Validator(
          [](std::string&) {
            return traces_supported() ? std::string() : "this build has no HDF5 (configure with -DCOLONIES_WITH_HDF5=ON)";
          },
          "", "HDF5"));
}

// Writes the processes of colony "bench" submitted within the last `since_s` seconds (and, when
// `submitted_from_ns` is set, not before that Unix time) to `path`. Prints what it wrote (or why
// it could not) and returns whether it succeeded.
bool write_trace(const client::ClientConfig& config, const BenchColony& colony, const std::string& path,
                 const boost::json::object& summary, std::int64_t since_s, std::int64_t submitted_from_ns = 0);

// What every JSON summary records besides its figures: the commit, the machine and its load.
boost::json::object run_context();

}  // namespace colonies::bench
