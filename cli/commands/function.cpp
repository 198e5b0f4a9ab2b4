// `colonies function submit|exec|ls|remove`: submit a spec from a file or from flags, optionally
// waiting for the result; list and remove registered functions.
#include "cli/commands/function.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>

#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#include "cli/spec_file.hpp"
#include "cli/table.hpp"
#include "cli/wait.hpp"
#include "core/model/go_duration.hpp"

namespace colonies::cli {

namespace {

Result<std::pair<std::string, std::string>> split_assignment(const std::string& text, const char* flag) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    return fail(ErrorCode::BadRequest, "{} '{}' must look like key=value", flag, text);
  }
  return std::pair{text.substr(0, eq), text.substr(eq + 1)};
}

struct SubmitOptions {
  std::string spec_path;
  bool wait = false;
  int batch_size = 1000;
};

// Several specs: submitted in batches of `batch_size` per signed request (submitfuncspecsmsg).
// Prints the process IDs in the file's order (JSON: one result per line, a process or an
// error); a spec the server refused is reported on stderr with its index. Exits 1 when any was.
int submit_batches(CommandContext& ctx, const std::vector<model::FunctionSpec>& specs, int batch_size) {
  return with_client(ctx, KeyRole::Member, [&](client::Client& c) {
    std::size_t refused = 0;
    for (std::size_t start = 0; start < specs.size(); start += static_cast<std::size_t>(batch_size)) {
      const std::size_t end = std::min(specs.size(), start + static_cast<std::size_t>(batch_size));
      std::vector<model::FunctionSpec> batch(specs.begin() + static_cast<std::ptrdiff_t>(start),
                                             specs.begin() + static_cast<std::ptrdiff_t>(end));
      // Each item: printed by `print_ok`, or reported as refused.
      auto print_items = [&](const auto& results, auto&& print_ok) {
        for (std::size_t i = 0; i < results.size(); ++i) {
          const auto& r = results[i];
          if (!r) {
            ++refused;
            ctx.err() << fmt::format("spec [{}] refused: {}\n", start + i, r.error().message);
            if (ctx.settings.json) ctx.print_json(boost::json::object{{"error", r.error().message}});
            continue;
          }
          print_ok(*r);
        }
      };
      auto failed = [&](const Error& error) {
        if (start > 0) ctx.err() << fmt::format("specs [0, {}) were submitted; the rest were not\n", start);
        return ctx.report(error, c);
      };
      if (ctx.settings.json) {
        auto results = c.submit_batch(batch);
        if (!results) return failed(results.error());
        print_items(*results, [&](const model::Process& p) { ctx.print_json(model::to_json(p)); });
      } else {
        // Only the IDs are printed, so only the IDs are asked for (the brief form).
        auto results = c.submit_batch_ids(batch);
        if (!results) return failed(results.error());
        print_items(*results, [&](const std::string& id) { ctx.out() << id << '\n'; });
      }
      if (specs.size() > static_cast<std::size_t>(batch_size) && !ctx.settings.json) {
        ctx.err() << fmt::format("submitted {}/{}\n", end, specs.size()) << std::flush;
      }
    }
    if (refused > 0) {
      ctx.err() << fmt::format("{} of {} specs were refused\n", refused, specs.size());
      return kExitFailed;
    }
    return kExitOk;
  });
}

int submit(CommandContext& ctx, const SubmitOptions& o) {
  auto specs = load_spec_list(o.spec_path);
  if (!specs) return ctx.usage(specs.error());
  if (o.wait && specs->size() > 1) {
    return ctx.usage(fmt::format("--wait follows one process; spec file '{}' holds {} specs", o.spec_path, specs->size()));
  }
  for (auto& spec : *specs) {
    if (!spec.conditions.colonyname.empty()) continue;
    auto colony = ctx.colonyname();
    if (!colony) {
      return ctx.usage(fmt::format("spec file '{}' names no colony (conditions.colonyname): add it, set "
                                   "COLONIES_COLONY_NAME or pass --colonyname",
                                   o.spec_path));
    }
    spec.conditions.colonyname = *colony;
  }
  if (specs->size() == 1) return submit_and_maybe_wait(ctx, specs->front(), o.wait);
  return submit_batches(ctx, *specs, o.batch_size);
}

int exec(CommandContext& ctx, const ExecOptions& o) {
  auto colony = ctx.colonyname();
  if (!colony) return ctx.usage(colony.error());
  auto spec = build_exec_spec(o, *colony);
  if (!spec) return ctx.usage(spec.error());
  return submit_and_maybe_wait(ctx, *spec, o.wait);
}

struct ListOptions {
  std::string executor;
  std::string functionid;
};

int list(CommandContext& ctx, const ListOptions& o) {
  return with_colony_client(ctx, KeyRole::Member, [&](client::Client& c, const std::string& colony) {
    auto functions = c.get_functions(colony, o.executor);
    if (!functions) return ctx.report(functions.error(), c);
    if (ctx.settings.json) return print_json_list(ctx, *functions);
    if (functions->empty()) return ctx.print(fmt::format("no functions registered in colony {}\n", colony));
    Table table({"FUNCNAME", "EXECUTOR", "TYPE", "CALLS", "AVG WAIT", "AVG EXEC", "FUNCTIONID"});
    for (const auto& f : *functions) {
      table.add_row({f.funcname, f.executorname, f.executortype, std::to_string(f.counter),
                     fmt::format("{:.2f}s", f.avgwaittime), fmt::format("{:.2f}s", f.avgexectime), f.functionid});
    }
    return ctx.print(table.render());
  });
}

int remove(CommandContext& ctx, const ListOptions& o) {
  return with_client(ctx, KeyRole::Member, [&](client::Client& c) {
    auto removed = c.remove_function(o.functionid);
    if (!removed) return ctx.report(removed.error(), c);
    return print_done(ctx, fmt::format("function {} removed", o.functionid));
  });
}

}  // namespace

Result<model::Fallback> parse_fallback_flag(const std::string& text) {
  const auto bad = [&text](std::string_view why) {
    return fail(ErrorCode::BadRequest, "--fallback '{}' {}: use TYPE:AFTER[@LOCATION], e.g. k8s:10m or k8s:600@aws-eu",
                text, why);
  };
  const auto colon = text.find(':');
  if (colon == std::string::npos) return bad("has no ':AFTER'");
  if (colon == 0) return bad("names no executor type");
  model::Fallback f;
  f.executortype = text.substr(0, colon);
  std::string after = text.substr(colon + 1);
  if (const auto at = after.find('@'); at != std::string::npos) {
    f.locationname = after.substr(at + 1);
    after.resize(at);
  }
  if (after.empty()) return bad("has no waiting time");
  if (std::ranges::all_of(after, [](unsigned char ch) { return std::isdigit(ch) != 0; })) {
    if (after.size() > 12) return bad("waits too long");
    f.after = std::stoll(after);
    return f;
  }
  auto duration = model::parse_go_duration(after);
  if (!duration) return bad(duration.error().message);
  if (duration->count() < 0) return bad("has a negative waiting time");
  f.after = std::chrono::duration_cast<std::chrono::seconds>(*duration + std::chrono::nanoseconds(999'999'999)).count();
  return f;
}

Result<model::FunctionSpec> build_exec_spec(const ExecOptions& o, const std::string& colonyname) {
  if (o.targettype.empty()) {
    return fail(ErrorCode::BadRequest, "no executor type to run on: pass --targettype or set COLONIES_EXECUTOR_TYPE");
  }
  model::FunctionSpec spec;
  spec.funcname = o.funcname;
  for (const auto& arg : o.args) spec.args.emplace_back(arg);
  for (const auto& kwarg : o.kwargs) {
    COLONIES_TRY(kv, split_assignment(kwarg, "--kwargs"));
    spec.kwargs[kv.first] = kv.second;
  }
  for (const auto& entry : o.env) {
    COLONIES_TRY(kv, split_assignment(entry, "--env"));
    spec.env[kv.first] = kv.second;
  }
  spec.priority = o.priority;
  spec.maxwaittime = o.maxwaittime;
  spec.maxexectime = o.maxexectime;
  spec.maxretries = o.maxretries;
  spec.label = o.label;
  spec.conditions.colonyname = colonyname;
  spec.conditions.executortype = o.targettype;
  spec.conditions.cpu = o.cpu;
  spec.conditions.mem = o.mem;
  spec.conditions.gpu.count = o.gpus;
  spec.conditions.nodes = o.nodes;
  spec.conditions.walltime = o.walltime;
  spec.conditions.locationname = o.location;
  for (const auto& text : o.fallback) {
    COLONIES_TRY(f, parse_fallback_flag(text));
    spec.conditions.fallback.push_back(std::move(f));
  }
  return spec;
}

void add_function_commands(CLI::App& app, CommandContext& ctx) {
  CLI::App* group = add_group(app, "function", "Run functions and list registered ones");

  auto s = std::make_shared<SubmitOptions>();
  CLI::App* submit_cmd = group->add_subcommand("submit", "Submit a function spec, or an array of them, from a JSON file");
  submit_cmd->add_option("--spec", s->spec_path,
                         "JSON file with a function spec, or an array of specs (submitted in batches, one process "
                         "ID per line)")
      ->required();
  submit_cmd->add_flag("--wait", s->wait, "wait for the process and print its output (one spec only)");
  submit_cmd->add_option("--batch-size", s->batch_size, "specs per signed request when the file holds an array")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  on_run(submit_cmd, ctx, [&ctx, s] { return submit(ctx, *s); });

  auto e = std::make_shared<ExecOptions>();
  CLI::App* exec_cmd = group->add_subcommand("exec", "Submit a function call built from flags");
  exec_cmd->add_option("--func", e->funcname, "function name")->required();
  exec_cmd->add_option("--args", e->args, "positional arguments");
  exec_cmd->add_option("--kwargs", e->kwargs, "keyword arguments, key=value");
  exec_cmd->add_option("--env", e->env, "environment, KEY=VALUE");
  exec_cmd->add_option("--targettype", e->targettype, "executor type to run on")->envname("COLONIES_EXECUTOR_TYPE");
  exec_cmd->add_option("--priority", e->priority, "-50000..50000, higher runs first")->capture_default_str();
  exec_cmd->add_option("--maxwaittime", e->maxwaittime, "seconds to wait for an executor, -1 = forever")
      ->capture_default_str();
  exec_cmd->add_option("--maxexectime", e->maxexectime, "seconds to run before a retry, -1 = no limit")
      ->capture_default_str();
  exec_cmd->add_option("--maxretries", e->maxretries, "retries after maxexectime, -1 = unlimited")
      ->capture_default_str();
  exec_cmd->add_option("--cpu", e->cpu, "CPU per node, e.g. 4 or 500m");
  exec_cmd->add_option("--mem", e->mem, "memory per node, e.g. 8Gi");
  exec_cmd->add_option("--gpus", e->gpus, "GPUs per node");
  exec_cmd->add_option("--nodes", e->nodes, "nodes");
  exec_cmd->add_option("--walltime", e->walltime, "walltime in seconds");
  exec_cmd->add_option("--label", e->label, "free label to filter on");
  exec_cmd->add_option("--location", e->location, "run only on executors at this location");
  exec_cmd->add_option("--fallback", e->fallback,
                       "cloud bursting: TYPE:AFTER[@LOCATION] lets executors of TYPE take the process once it "
                       "has waited AFTER (600, 10m); repeat in increasing AFTER; see docs/scheduling.md");
  exec_cmd->add_flag("--wait", e->wait, "wait for the process and print its output");
  on_run(exec_cmd, ctx, [&ctx, e] { return exec(ctx, *e); });

  auto l = std::make_shared<ListOptions>();
  CLI::App* ls_cmd = group->add_subcommand("ls", "List registered functions");
  ls_cmd->add_option("--executor", l->executor, "only this executor's functions");
  on_run(ls_cmd, ctx, [&ctx, l] { return list(ctx, *l); });

  CLI::App* remove_cmd = group->add_subcommand("remove", "Remove a registered function (its executor)");
  remove_cmd->add_option("--functionid", l->functionid, "function ID")->required();
  on_run(remove_cmd, ctx, [&ctx, l] { return remove(ctx, *l); });
}

}  // namespace colonies::cli
