// Handlers of crons and generators: add, get, list, remove, run a cron now, pack a generator.
// Starting their workflows on time is the leader's job (triggers.cpp); these handlers only keep
// the definitions and the generator queues, checked and durable.
#include "core/model/cron_rule.hpp"
#include "core/protocol/messages.hpp"
#include "server/api/broker.hpp"
#include "server/api/validation.hpp"
#include "server/auth/roles.hpp"

namespace colonies::server::api {

using model::FieldReader;
namespace mutation = ports::mutation;

namespace {
constexpr int kMaxListCount = 100;
constexpr std::size_t kMaxGeneratorArg = 64 * 1024;

// The `count` of a list request: absent or 0 means the maximum.
Result<int> list_count(const FieldReader& r) {
  int count = 0;
  COLONIES_CHECK(r.i32("count", count));
  if (count < 0 || count > kMaxListCount) return fail(ErrorCode::BadRequest, "count must be 0..{}", kMaxListCount);
  return count == 0 ? kMaxListCount : count;
}

template <class T>
json::array first(std::vector<const T*> items, int count, const std::function<json::object(const T&)>& encode) {
  json::array out;
  for (const T* item : items) {
    if (static_cast<int>(out.size()) >= count) break;
    out.push_back(encode(*item));
  }
  return out;
}
}  // namespace

json::object Broker::cron_json(const model::Cron& c) const {
  json::object o = model::to_json(c);
  o["checkerperiod"] = options_.cron_checker_period_ms;
  return o;
}

json::object Broker::generator_json(const model::Generator& g) const {
  model::Generator shown = g;
  const auto& queue = triggers_.queue(g.generatorid);
  shown.queuesize = static_cast<int>(queue.size());
  shown.firstpack = queue.empty() ? 0 : queue.front().packed;
  shown.checkerperiod = options_.generator_checker_period_ms;
  return model::to_json(shown);
}

// --- crons ---

void Broker::on_add_cron(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    const json::value* v = FieldReader::of(call.payload).find("cron");
    if (!v) return fail(ErrorCode::BadRequest, "cron is required");
    COLONIES_TRY(cron, model::cron_from_json(*v));
    COLONIES_CHECK(auth::require_member(registry_, call.caller, cron.colonyname));
    COLONIES_CHECK(valid_name("cron", cron.name));
    if (triggers_.cron_by_name(cron.colonyname, cron.name)) {
      return fail(ErrorCode::Conflict, "cron '{}' already exists in colony '{}'", cron.name, cron.colonyname);
    }
    COLONIES_TRY(spec, check_workflowspec(cron.workflowspec, cron.colonyname, "cron.workflowspec"));
    cron.workflowspec = std::move(spec);
    COLONIES_CHECK(model::validate_cron_timing({cron.cronexpression, cron.interval, cron.random},
                                               options_.cron_default_zone));
    cron.cronid = ids_.new_id();
    cron.initiatorid = call.caller;
    cron.initiatorname = auth::member_name(registry_, call.caller, cron.colonyname);
    cron.lastrun = 0;
    cron.prevprocessgraphid.clear();
    cron.checkerperiod = 0;
    COLONIES_TRY(next, next_cron_run(cron, now()));
    cron.nextrun = next;
    json::value reply = cron_json(cron);
    triggers_.put_cron(cron);
    return Outcome{std::move(reply), {mutation::PutCron{std::move(cron)}}};
  });
}

Result<const model::Cron*> Broker::member_cron(const Call& call) {
  std::string id;
  COLONIES_CHECK(FieldReader::of(call.payload).str("cronid", id));
  const model::Cron* cron = triggers_.cron(id);
  if (!cron) return fail(ErrorCode::NotFound, "cron {} not found", id.empty() ? "(no cronid given)" : id);
  COLONIES_CHECK(auth::require_member(registry_, call.caller, cron->colonyname));
  return cron;
}

void Broker::on_get_cron(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    COLONIES_TRY(cron, member_cron(call));
    return Outcome{cron_json(*cron), {}};
  });
}

void Broker::on_get_crons(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    auto r = FieldReader::of(call.payload);
    std::string colony;
    COLONIES_CHECK(r.str("colonyname", colony));
    COLONIES_CHECK(auth::require_member(registry_, call.caller, colony));
    COLONIES_TRY(count, list_count(r));
    return Outcome{first<model::Cron>(triggers_.crons(colony), count, [this](const model::Cron& c) { return cron_json(c); }),
                   {}};
  });
}

void Broker::on_run_cron(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    // The caller is checked before anything starts (the original started the workflow first).
    COLONIES_TRY(found, member_cron(call));
    Outcome outcome;
    COLONIES_CHECK(start_cron(found->cronid, now(), /*manual=*/true, outcome.mutations));
    outcome.payload = cron_json(*triggers_.cron(found->cronid));
    return outcome;
  });
}

void Broker::on_remove_cron(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    COLONIES_TRY(cron, member_cron(call));
    std::string id = cron->cronid;
    triggers_.remove_cron(id);
    return Outcome{json::object{}, {mutation::RemoveCron{std::move(id)}}};
  });
}

// --- generators ---

void Broker::on_add_generator(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    const json::value* v = FieldReader::of(call.payload).find("generator");
    if (!v) return fail(ErrorCode::BadRequest, "generator is required");
    COLONIES_TRY(g, model::generator_from_json(*v));
    COLONIES_CHECK(auth::require_member(registry_, call.caller, g.colonyname));
    COLONIES_CHECK(valid_name("generator", g.name));
    if (triggers_.generator_by_name(g.colonyname, g.name)) {
      return fail(ErrorCode::Conflict, "generator '{}' already exists in colony '{}'", g.name, g.colonyname);
    }
    COLONIES_TRY(spec, check_workflowspec(g.workflowspec, g.colonyname, "generator.workflowspec"));
    g.workflowspec = std::move(spec);
    if (g.trigger < 1) {
      return fail(ErrorCode::BadRequest, "generator.trigger must be at least 1 (args per workflow), not {}", g.trigger);
    }
    if (g.timeout < 0) {
      return fail(ErrorCode::BadRequest, "generator.timeout must be 0 (none) or a number of seconds > 0, not {}",
                  g.timeout);
    }
    g.generatorid = ids_.new_id();
    g.initiatorid = call.caller;
    g.initiatorname = auth::member_name(registry_, call.caller, g.colonyname);
    g.firstpack = 0;
    g.lastrun = 0;
    g.queuesize = 0;
    g.checkerperiod = 0;
    triggers_.put_generator(g);
    json::value reply = generator_json(g);
    return Outcome{std::move(reply), {mutation::PutGenerator{std::move(g)}}};
  });
}

Result<const model::Generator*> Broker::member_generator(const Call& call) {
  std::string id;
  COLONIES_CHECK(FieldReader::of(call.payload).str("generatorid", id));
  const model::Generator* g = triggers_.generator(id);
  if (!g) return fail(ErrorCode::NotFound, "generator {} not found", id.empty() ? "(no generatorid given)" : id);
  COLONIES_CHECK(auth::require_member(registry_, call.caller, g->colonyname));
  return g;
}

void Broker::on_get_generator(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    COLONIES_TRY(g, member_generator(call));
    return Outcome{generator_json(*g), {}};
  });
}

void Broker::on_resolve_generator(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    auto r = FieldReader::of(call.payload);
    std::string colony, name;
    COLONIES_CHECK(r.str("colonyname", colony));
    COLONIES_CHECK(r.str("generatorname", name));
    COLONIES_CHECK(auth::require_member(registry_, call.caller, colony));
    const model::Generator* g = triggers_.generator_by_name(colony, name);
    if (!g) return fail(ErrorCode::NotFound, "generator '{}' not found in colony '{}'", name, colony);
    return Outcome{generator_json(*g), {}};
  });
}

void Broker::on_get_generators(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    auto r = FieldReader::of(call.payload);
    std::string colony;
    COLONIES_CHECK(r.str("colonyname", colony));
    COLONIES_CHECK(auth::require_member(registry_, call.caller, colony));
    COLONIES_TRY(count, list_count(r));
    return Outcome{first<model::Generator>(triggers_.generators(colony), count,
                                           [this](const model::Generator& g) { return generator_json(g); }),
                   {}};
  });
}

void Broker::on_pack_generator(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    COLONIES_TRY(g, member_generator(call));
    const json::value* v = FieldReader::of(call.payload).find("arg");
    if (!v || !v->is_string()) return fail(ErrorCode::BadRequest, "arg is required and must be a string");
    const auto& text = v->get_string();
    if (text.size() > kMaxGeneratorArg) {
      return fail(ErrorCode::TooLarge, "arg is {} bytes; a packed arg may have at most {} bytes", text.size(),
                  kMaxGeneratorArg);
    }
    model::GeneratorArg arg;
    arg.generatorid = g->generatorid;
    arg.colonyname = g->colonyname;
    arg.seq = triggers_.next_seq(g->generatorid);
    arg.arg = std::string(text);
    arg.packed = now();
    triggers_.enqueue(arg);
    return Outcome{generator_json(*g), {mutation::AppendGeneratorArg{std::move(arg)}}};
  });
}

void Broker::on_remove_generator(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    COLONIES_TRY(g, member_generator(call));
    std::string id = g->generatorid;
    triggers_.remove_generator(id);
    return Outcome{json::object{}, {mutation::RemoveGenerator{std::move(id)}}};
  });
}

}  // namespace colonies::server::api
