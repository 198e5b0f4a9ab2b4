// `colonies export`: a colony's process history to a file for analysis — HDF5 (one table row per
// process: timings, state, executor, retries; docs/export.md) or JSON lines (whole processes). It
// pages through getprocesshistmsg, so the history is never held in memory at once, and writes to
// FILE.partial, renamed to FILE only once complete: a failed export leaves no file that looks whole.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>

#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#ifdef COLONIES_HAVE_HDF5
#include "adapters/trace/hdf5_process_trace.hpp"
#endif

namespace colonies::cli {

namespace {

struct ExportOptions {
  std::string format = "hdf5";
  std::string out;
  std::int64_t since_s = 0;
  std::string state;
  std::string executorid;
  int page_size = 10000;
};

// 100 years: "all of it", for a history kept by a server with retention off.
constexpr std::int64_t kAllHistory = 100LL * 366 * 24 * 3600;

// Where the rows go: an HDF5 table or JSON lines.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual Status write(const std::vector<model::Process>& page) = 0;
  virtual Status finish() = 0;
};

class JsonLinesSink : public Sink {
 public:
  explicit JsonLinesSink(const std::string& path) : path_(path), file_(path, std::ios::trunc) {}
  bool opened() const { return file_.is_open(); }
  Status write(const std::vector<model::Process>& page) override {
    for (const auto& p : page) file_ << boost::json::serialize(model::to_json(p)) << '\n';
    if (!file_) return fail(ErrorCode::Internal, "cannot write {}", path_);
    return ok();
  }
  Status finish() override {
    file_.close();
    if (!file_) return fail(ErrorCode::Internal, "cannot write {}", path_);
    return ok();
  }

 private:
  std::string path_;
  std::ofstream file_;
};

#ifdef COLONIES_HAVE_HDF5
class Hdf5Sink : public Sink {
 public:
  Hdf5Sink(std::unique_ptr<trace::Hdf5ProcessTrace> trace, trace::ExecutorNames names)
      : trace_(std::move(trace)), names_(std::move(names)) {}
  Status write(const std::vector<model::Process>& page) override { return trace_->append(page, names_); }
  Status finish() override { return trace_->close(); }

 private:
  std::unique_ptr<trace::Hdf5ProcessTrace> trace_;
  trace::ExecutorNames names_;
};
#endif

int run_export(CommandContext& ctx, const ExportOptions& o) {
#ifndef COLONIES_HAVE_HDF5
  if (o.format == "hdf5")
    return ctx.usage(
        "this colonies was built without HDF5 (configure with -DCOLONIES_WITH_HDF5=ON and install libhdf5-dev); "
        "--format jsonl works without it");
#endif
  auto state = parse_state(o.state);
  if (!state) return ctx.usage(state.error());
  if (o.since_s < 0) return ctx.usage("--since must be > 0 seconds (or left out for the whole history)");
  if (o.page_size < 1 || o.page_size > 10000) return ctx.usage("--page-size must be 1..10000");
  return with_colony_client(ctx, KeyRole::Member, [&](client::Client& c, const std::string& colony) {
    const std::string partial = o.out + ".partial";
    std::unique_ptr<Sink> sink;
    if (o.format == "jsonl") {
      auto jsonl = std::make_unique<JsonLinesSink>(partial);
      if (!jsonl->opened()) return ctx.usage(fmt::format("cannot create {}", partial));
      sink = std::move(jsonl);
    }
#ifdef COLONIES_HAVE_HDF5
    if (o.format == "hdf5") {
      // Executor names for the table, from the executors registered now; a removed executor's
      // processes keep its id and an empty name.
      auto executors = c.get_executors(colony);
      if (!executors) return ctx.report(executors.error(), c);
      trace::TraceAttributes attrs{{"colonyname", colony},
                                   {"server", ctx.settings.endpoint()},
                                   {"exported_at_ns", std::to_string(ctx.wall_now())},
                                   {"since_s", std::to_string(o.since_s > 0 ? o.since_s : kAllHistory)},
                                   {"state", o.state.empty() ? "any" : o.state}};
      auto created = trace::Hdf5ProcessTrace::create(partial, attrs);
      if (!created) return ctx.usage(created.error());
      sink = std::make_unique<Hdf5Sink>(std::move(*created), trace::executor_names(*executors));
    }
#endif
    client::HistoryQuery query{.colonyname = colony,
                               .executorid = o.executorid,
                               .seconds = o.since_s > 0 ? o.since_s : kAllHistory,
                               .state = *state,
                               .count = o.page_size};
    std::size_t exported = 0;
    auto paged = c.for_each_history_page(query, [&](std::vector<model::Process>& page) -> Status {
      COLONIES_CHECK(sink->write(page));
      exported += page.size();
      if (ctx.env().stderr_is_tty && page.size() == static_cast<std::size_t>(o.page_size))
        ctx.err() << fmt::format("\rexported {} processes ...", exported) << std::flush;
      return ok();
    });
    if (ctx.env().stderr_is_tty && exported >= static_cast<std::size_t>(o.page_size)) ctx.err() << '\n';
    auto finished = paged ? sink->finish() : paged;
    std::error_code ec;
    if (!finished) {
      sink.reset();
      std::filesystem::remove(partial, ec);
      if (!paged) return ctx.report(paged.error(), c);
      ctx.err() << finished.error().message << '\n';
      return kExitFailed;
    }
    sink.reset();
    std::filesystem::rename(partial, o.out, ec);
    if (ec) {
      ctx.err() << fmt::format("cannot rename {} to {}: {}", partial, o.out, ec.message()) << '\n';
      return kExitFailed;
    }
    if (ctx.settings.json)
      return ctx.print_json(boost::json::object{{"file", o.out}, {"format", o.format}, {"processes", exported}});
    return ctx.print(fmt::format("exported {} process{} of colony {} to {} ({})\n", exported, exported == 1 ? "" : "es",
                                  colony, o.out, o.format));
  });
}

}  // namespace

void add_export_commands(CLI::App& app, CommandContext& ctx) {
  auto o = std::make_shared<ExportOptions>();
  CLI::App* cmd = app.add_subcommand(
      "export", "Write the colony's process history (timings, states, executors, retries) to a file for analysis");
  cmd->add_option("--format", o->format, "hdf5 (a table, docs/export.md) or jsonl (one process JSON per line)")
      ->check(CLI::IsMember({"hdf5", "jsonl"}))
      ->capture_default_str();
  cmd->add_option("-o,--out", o->out, "File to write (written as FILE.partial, renamed when complete)")->required();
  cmd->add_option("--since", o->since_s, "Only processes submitted in the last SECONDS (default: the whole history)");
  cmd->add_option("--state", o->state, "Only processes in this state: waiting, running, successful, failed, cancelled");
  cmd->add_option("--executor-id", o->executorid, "Only processes last assigned to this executor (its ID)");
  cmd->add_option("--page-size", o->page_size, "Processes per signed request (1..10000)")->capture_default_str();
  on_run(cmd, ctx, [&ctx, o] { return run_export(ctx, *o); });
}

}  // namespace colonies::cli
