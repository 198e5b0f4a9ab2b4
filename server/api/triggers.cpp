// The leader's triggers: crons start their workflow when due, generators when enough args are
// packed (or the oldest waited long enough). Runs under the broker's lock from tick().
#include <spdlog/spdlog.h>

#include "core/model/cron_rule.hpp"
#include "server/api/broker.hpp"
#include "server/api/validation.hpp"
#include "server/auth/roles.hpp"

namespace colonies::server::api {

using ports::Mutation;
namespace mutation = ports::mutation;

namespace {
constexpr model::TimeNs kSecondNs = 1'000'000'000;
constexpr model::TimeNs kMillisecondNs = 1'000'000;
}  // namespace

namespace {

// The JSON text of a workflow spec, checked: it parses, belongs to `colony` and validates.
Result<model::ValidatedWorkflow> parse_workflow(const std::string& text, const std::string& colony,
                                                std::string_view what) {
  if (text.empty()) return fail(ErrorCode::BadRequest, "{} is required (the JSON text of a workflow spec)", what);
  auto parsed = model::parse_json(text);
  if (!parsed) return fail(ErrorCode::BadRequest, "{} is not valid JSON: {}", what, parsed.error().message);
  auto spec = model::workflow_spec_from_json(*parsed, std::string(what));
  if (!spec) return std::unexpected(spec.error());
  if (spec->colonyname.empty()) spec->colonyname = colony;
  if (spec->colonyname != colony) {
    return fail(ErrorCode::BadRequest, "{} names colony '{}' but belongs to colony '{}'", what, spec->colonyname,
                colony);
  }
  auto validated = model::validate_workflow(std::move(*spec));
  if (!validated) return fail(ErrorCode::BadRequest, "{}: {}", what, validated.error().message);
  return validated;
}

// The concatenated output of the graph's leaves (nodes without children), in node order.
json::array leaf_output(const workflow::Graph& g) {
  json::array out;
  for (const auto& id : g.record().processids) {
    auto it = g.nodes().find(id);
    if (it == g.nodes().end() || !it->second.children.empty()) continue;
    for (const auto& v : it->second.out) out.push_back(v);
  }
  return out;
}

}  // namespace

Result<std::string> Broker::check_workflowspec(const std::string& text, const std::string& colony,
                                               std::string_view what) {
  COLONIES_TRY(validated, parse_workflow(text, colony, what));
  return json::serialize(model::to_json(validated.spec));
}

void Broker::graph_ended(const workflow::Graph& g, std::vector<Mutation>& out) {
  for (model::Cron* cron : triggers_.crons_started(g.record().processgraphid)) {
    cron->prevout = leaf_output(g);
    out.push_back(mutation::PutCron{*cron});
  }
}

Result<model::TimeNs> Broker::next_cron_run(const model::Cron& cron, model::TimeNs now) {
  COLONIES_TRY(plan, model::CronPlan::make({cron.cronexpression, cron.interval, cron.random},
                                           options_.cron_default_zone));
  auto next = plan.next_run(now, random_);
  if (!next) {
    return fail(ErrorCode::BadRequest, "cron '{}' has no further run: '{}' never matches again", cron.name,
                cron.cronexpression);
  }
  return *next;
}

Status Broker::start_cron(const std::string& cronid, model::TimeNs now, bool manual, std::vector<Mutation>& out) {
  model::Cron* found = triggers_.cron(cronid);
  if (!found) return fail(ErrorCode::NotFound, "cron {} not found", cronid);
  model::Cron cron = *found;
  auto prev = graphs_.find(cron.prevprocessgraphid);
  const workflow::Graph* previous = prev == graphs_.end() ? nullptr : prev->second.get();
  if (cron.waitforprevprocessgraph && previous && previous->active()) {
    if (!manual) return ok();  // stays due; starts at the first check after the previous run ended
    return fail(ErrorCode::Conflict,
                "cron '{}' waits for its previous workflow {} to end (it is {}); nothing was started", cron.name,
                cron.prevprocessgraphid, model::to_string(previous->record().state));
  }
  // Advances the schedule whatever happens below, so a cron that cannot start does not retry
  // every checker period.
  auto reschedule = [&] {
    auto next = next_cron_run(cron, now);
    if (!next) spdlog::warn("cron '{}' ({}) will not run again: {}", cron.name, cron.cronid, next.error().message);
    cron.nextrun = next.value_or(0);
    triggers_.put_cron(cron);
    out.push_back(mutation::PutCron{cron});
  };
  // The cron acts for its initiator: once that is no longer a member, it stops starting work.
  if (auto member = auth::require_member(registry_, cron.initiatorid, cron.colonyname); !member) {
    reschedule();
    return fail(ErrorCode::Forbidden, "the cron's initiator '{}' is no longer a member of colony '{}'",
                cron.initiatorname, cron.colonyname);
  }
  auto validated = parse_workflow(cron.workflowspec, cron.colonyname, "cron.workflowspec");
  if (!validated) {
    reschedule();
    return std::unexpected(validated.error());
  }
  GraphOverrides overrides;
  overrides.in = previous ? leaf_output(*previous) : cron.prevout;
  COLONIES_TRY(graph, create_process_graph(*validated, cron.initiatorid, cron.initiatorname, overrides, out));
  cron.lastrun = now;
  cron.prevprocessgraphid = graph.processgraphid;
  cron.prevout.clear();
  reschedule();
  spdlog::info("cron '{}' of colony '{}' started workflow {}", cron.name, cron.colonyname, graph.processgraphid);
  return ok();
}

Status Broker::release_generator(const std::string& generatorid, std::size_t n, model::TimeNs now,
                                 std::vector<Mutation>& out) {
  model::Generator* found = triggers_.generator(generatorid);
  if (!found) return fail(ErrorCode::NotFound, "generator {} not found", generatorid);
  model::Generator g = *found;
  COLONIES_CHECK(auth::require_member(registry_, g.initiatorid, g.colonyname));
  COLONIES_TRY(validated, parse_workflow(g.workflowspec, g.colonyname, "generator.workflowspec"));
  std::vector<model::GeneratorArg> args = triggers_.take(generatorid, n);
  if (args.empty()) return ok();
  GraphOverrides overrides;
  overrides.args = json::array{};
  for (const auto& a : args) overrides.args->push_back(json::string(a.arg));
  auto graph = create_process_graph(validated, g.initiatorid, g.initiatorname, overrides, out);
  if (!graph) {
    triggers_.give_back(generatorid, std::move(args));
    return std::unexpected(graph.error());
  }
  // The args are consumed in the same batch that creates their workflow.
  out.push_back(mutation::ConsumeGeneratorArgs{generatorid, args.back().seq});
  g.lastrun = now;
  triggers_.put_generator(g);
  out.push_back(mutation::PutGenerator{std::move(g)});
  spdlog::info("generator {} started workflow {} with {} args", generatorid, graph->processgraphid, args.size());
  return ok();
}

void Broker::run_triggers(model::TimeNs now, std::vector<Mutation>& out) {
  if (now >= next_cron_check_) {
    next_cron_check_ = now + options_.cron_checker_period_ms * kMillisecondNs;
    for (const auto& id : triggers_.due_crons(now)) {
      if (auto started = start_cron(id, now, /*manual=*/false, out); !started) {
        spdlog::warn("cron {} could not start its workflow: {}", id, started.error().message);
      }
    }
  }
  if (now >= next_generator_check_) {
    next_generator_check_ = now + options_.generator_checker_period_ms * kMillisecondNs;
    for (const model::Generator* g : triggers_.all_generators()) {
      const std::string id = g->generatorid;
      for (int n : triggers::generator_releases(*g, triggers_.queue(id), now)) {
        if (auto released = release_generator(id, static_cast<std::size_t>(n), now, out); !released) {
          spdlog::warn("generator {} could not start its workflow: {}", id, released.error().message);
          break;
        }
      }
    }
  }
}

}  // namespace colonies::server::api
