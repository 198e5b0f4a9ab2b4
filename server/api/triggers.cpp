// The leader's triggers: crons start their workflow when due, generators when enough args are
// packed (or the oldest waited long enough). Runs under the broker's lock from tick().
#include <spdlog/spdlog.h>

#include "core/model/cron_rule.hpp"
#include "server/api/broker.hpp"
#include "server/api/validation.hpp"

namespace colonies::server::api {

using ports::Mutation;
namespace mutation = ports::mutation;

namespace {
constexpr model::TimeNs kSecondNs = 1'000'000'000;
constexpr model::TimeNs kMillisecondNs = 1'000'000;
}  // namespace

Result<std::string> Broker::check_workflowspec(const std::string& text, const std::string& colony,
                                               std::string_view what) {
  if (text.empty()) return fail(ErrorCode::BadRequest, "{} is required (the JSON text of a workflow spec)", what);
  auto parsed = model::parse_json(text);
  if (!parsed) return fail(ErrorCode::BadRequest, "{} is not valid JSON: {}", what, parsed.error().message);
  if (!parsed->is_object()) return fail(ErrorCode::BadRequest, "{} must be a JSON object (a workflow spec)", what);
  // PENDING-DAG-MERGE: full validation with model::validate_workflow.
  json::object& o = parsed->as_object();
  if (auto* c = o.if_contains("colonyname"); c && c->is_string() && !c->get_string().empty() &&
                                             c->get_string() != colony) {
    return fail(ErrorCode::BadRequest, "{} names colony '{}' but belongs to colony '{}'", what,
                std::string_view(c->get_string()), colony);
  }
  o["colonyname"] = colony;
  return json::serialize(o);
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
  (void)cronid, (void)now, (void)manual, (void)out;
  return fail(ErrorCode::Internal, "PENDING-DAG-MERGE");
}

Status Broker::release_generator(const std::string& generatorid, std::size_t n, model::TimeNs now,
                                 std::vector<Mutation>& out) {
  (void)generatorid, (void)n, (void)now, (void)out;
  return fail(ErrorCode::Internal, "PENDING-DAG-MERGE");
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
