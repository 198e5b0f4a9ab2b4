// Handlers of attributes, logs and locations.
#include "core/protocol/messages.hpp"
#include "server/api/broker.hpp"
#include "server/api/validation.hpp"
#include "server/auth/roles.hpp"

namespace colonies::server::api {

using model::FieldReader;
using model::ProcessState;
using ports::Mutation;
namespace mutation = ports::mutation;

namespace {
constexpr int kMaxLogCount = 500;
constexpr int kMaxSearchCount = 100;
constexpr int kMaxSearchDays = 30;
constexpr std::size_t kMaxLogMessage = 1 << 20;

}  // namespace

void Broker::on_add_attribute(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    const json::value* v = FieldReader::of(call.payload).find("attribute");
    if (!v) return fail(ErrorCode::BadRequest, "attribute is required");
    COLONIES_TRY(attribute, model::attribute_from_json(*v));
    if (attribute.key.empty()) return fail(ErrorCode::BadRequest, "attribute.key is required");
    if (attribute.attributetype < 0 || attribute.attributetype > 3) {
      return fail(ErrorCode::BadRequest, "attribute.attributetype must be 0 IN, 1 OUT, 2 ERR or 3 ENV");
    }
    scheduler::ActiveProcess* p = scheduler_.find(attribute.targetid);
    if (!p || p->process.state != ProcessState::Running || p->process.assignedexecutorid != call.caller) {
      return fail(ErrorCode::Forbidden, "attributes can only be added by the executor running process {}",
                  attribute.targetid);
    }
    COLONIES_CHECK(auth::require_member(registry_, call.caller, p->process.spec.conditions.colonyname));
    attribute.attributeid = ids_.new_id();
    attribute.targetcolonyname = p->process.spec.conditions.colonyname;
    attribute.targetprocessgraphid = p->process.processgraphid;
    attribute.state = static_cast<int>(p->process.state);
    p->process.attributes.push_back(attribute);
    std::vector<Mutation> out;
    persist(*p, out);
    return Outcome{model::to_json(attribute), std::move(out)};
  });
}

void Broker::on_get_attribute(Call& call) {
  std::string id;
  if (auto s = FieldReader::of(call.payload).str("attributeid", id); !s) return call.reply(error_reply(s.error()));
  read(call, [this, id, caller = call.caller]() -> Result<json::value> {
    COLONIES_TRY(found, store_.get_attribute(id));
    if (!found) return fail(ErrorCode::NotFound, "attribute {} not found", id);
    std::lock_guard lock(mu_);
    COLONIES_CHECK(auth::require_member(registry_, caller, found->targetcolonyname));
    return model::to_json(*found);
  });
}

void Broker::on_add_log(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    auto r = FieldReader::of(call.payload);
    std::string id, message;
    COLONIES_CHECK(r.str("processid", id));
    COLONIES_CHECK(r.str("message", message));
    if (message.size() > kMaxLogMessage) return fail(ErrorCode::BadRequest, "log message is over 1 MiB");
    scheduler::ActiveProcess* p = scheduler_.find(id);
    if (!p || p->process.state != ProcessState::Running || p->process.assignedexecutorid != call.caller) {
      return fail(ErrorCode::Forbidden, "logs can only be added by the executor running process {}", id);
    }
    const std::string& colony = p->process.spec.conditions.colonyname;
    auto executor = auth::require_executor(registry_, call.caller, colony);
    if (!executor) return std::unexpected(executor.error());
    std::vector<Mutation> out;
    touch(colony, call.caller, out);
    model::Log log{id, colony, (*executor)->executor.executorname, std::move(message), now()};
    out.push_back(mutation::AppendLog{std::move(log)});
    return Outcome{json::object{}, std::move(out)};
  });
}

void Broker::on_add_executor_log(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    auto r = FieldReader::of(call.payload);
    std::string colony, name, message;
    COLONIES_CHECK(r.str("colonyname", colony));
    COLONIES_CHECK(r.str("executorname", name));
    COLONIES_CHECK(r.str("message", message));
    if (message.size() > kMaxLogMessage) return fail(ErrorCode::BadRequest, "log message is over 1 MiB");
    COLONIES_TRY(executor, auth::require_executor(registry_, call.caller, colony));
    if (executor->executor.executorname != name) {
      return fail(ErrorCode::Forbidden, "an executor may only add logs under its own name");
    }
    return Outcome{json::object{}, {mutation::AppendLog{model::Log{"", colony, name, std::move(message), now()}}}};
  });
}

void Broker::on_get_logs(Call& call) {
  auto r = FieldReader::of(call.payload);
  ports::LogQuery query;
  auto parsed = [&]() -> Status {
    COLONIES_CHECK(r.str("colonyname", query.colonyname));
    COLONIES_CHECK(r.str("processid", query.processid));
    COLONIES_CHECK(r.str("executorname", query.executorname));
    COLONIES_CHECK(r.i32("count", query.count));
    COLONIES_CHECK(r.i64("since", query.since));
    COLONIES_CHECK(r.boolean("latest", query.latest));
    if (query.count > kMaxLogCount) {
      return fail(ErrorCode::BadRequest, "count {} is over the limit of {}", query.count, kMaxLogCount);
    }
    if (query.count <= 0) query.count = kMaxLogCount;
    if (query.processid.empty() && query.executorname.empty()) {
      return fail(ErrorCode::BadRequest, "give a processid or an executorname");
    }
    std::lock_guard lock(mu_);
    return auth::require_member(registry_, call.caller, query.colonyname);
  }();
  if (!parsed) return call.reply(error_reply(parsed.error()));
  read(call, [this, query]() -> Result<json::value> {
    COLONIES_TRY(logs, store_.get_logs(query));
    return json_list(logs);
  });
}

void Broker::on_search_logs(Call& call) {
  auto r = FieldReader::of(call.payload);
  std::string colony, text;
  int days = 1, count = 10;
  auto parsed = [&]() -> Status {
    COLONIES_CHECK(r.str("colonyname", colony));
    COLONIES_CHECK(r.str("text", text));
    COLONIES_CHECK(r.i32("days", days));
    COLONIES_CHECK(r.i32("count", count));
    if (text.empty()) return fail(ErrorCode::BadRequest, "text to search for is required");
    if (count == 0) count = 10;
    if (count < 0 || count > kMaxSearchCount) return fail(ErrorCode::BadRequest, "count must be 1..{}", kMaxSearchCount);
    if (days <= 0 || days > kMaxSearchDays) return fail(ErrorCode::BadRequest, "days must be 1..{}", kMaxSearchDays);
    std::lock_guard lock(mu_);
    return auth::require_member(registry_, call.caller, colony);
  }();
  if (!parsed) return call.reply(error_reply(parsed.error()));
  const std::int64_t since = now() - static_cast<std::int64_t>(days) * 86'400'000'000'000LL;
  read(call, [this, colony, text, since, count]() -> Result<json::value> {
    COLONIES_TRY(logs, store_.search_logs(colony, text, since, count));
    return json_list(logs);
  });
}

void Broker::on_add_location(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    const json::value* v = FieldReader::of(call.payload).find("location");
    if (!v) return fail(ErrorCode::BadRequest, "location is required");
    COLONIES_TRY(location, model::location_from_json(*v));
    COLONIES_CHECK(auth::require_colony_owner(registry_, call.caller, location.colonyname));
    COLONIES_CHECK(valid_name("location", location.name));
    if (registry_.location(location.colonyname, location.name)) {
      return fail(ErrorCode::Conflict, "location '{}' already exists in colony '{}'", location.name,
                  location.colonyname);
    }
    location.locationid = ids_.new_id();
    registry_.put_location(location);
    json::value reply = model::to_json(location);
    return Outcome{std::move(reply), {mutation::PutLocation{std::move(location)}}};
  });
}

void Broker::on_get_locations(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    std::string colony;
    COLONIES_CHECK(FieldReader::of(call.payload).str("colonyname", colony));
    COLONIES_CHECK(auth::require_member(registry_, call.caller, colony, false));
    return Outcome{json_list(registry_.locations(colony)), {}};
  });
}

void Broker::on_get_location(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    auto r = FieldReader::of(call.payload);
    std::string colony, name;
    COLONIES_CHECK(r.str("colonyname", colony));
    COLONIES_CHECK(r.str("name", name));
    COLONIES_CHECK(auth::require_member(registry_, call.caller, colony, false));
    const model::Location* l = registry_.location(colony, name);
    if (!l) return fail(ErrorCode::NotFound, "location '{}' not found in colony '{}'", name, colony);
    return Outcome{model::to_json(*l), {}};
  });
}

void Broker::on_remove_location(Call& call) {
  write(call, [&]() -> Result<Outcome> {
    auto r = FieldReader::of(call.payload);
    std::string colony, name;
    COLONIES_CHECK(r.str("colonyname", colony));
    COLONIES_CHECK(r.str("name", name));
    COLONIES_CHECK(auth::require_colony_owner(registry_, call.caller, colony));
    if (!registry_.location(colony, name)) return fail(ErrorCode::NotFound, "location '{}' not found in colony '{}'", name, colony);
    registry_.remove_location(colony, name);
    return Outcome{json::object{}, {mutation::RemoveLocation{colony, name}}};
  });
}

}  // namespace colonies::server::api
