// JSON codec of Process and Attribute.
#include "core/model/process.hpp"

namespace colonies::model {

std::string_view to_string(ProcessState state) {
  switch (state) {
    case ProcessState::Waiting: return "WAITING";
    case ProcessState::Running: return "RUNNING";
    case ProcessState::Success: return "SUCCESS";
    case ProcessState::Failed: return "FAILED";
    case ProcessState::Cancelled: return "CANCELLED";
  }
  return "UNKNOWN";
}

Result<ProcessState> process_state_from_int(std::int64_t value) {
  if (value < 0 || value > 4) {
    return fail(ErrorCode::BadRequest,
                "state {} is invalid: use 0 WAITING, 1 RUNNING, 2 SUCCESS, 3 FAILED or 4 CANCELLED", value);
  }
  return static_cast<ProcessState>(value);
}

json::object to_json(const Attribute& a) {
  return {{"attributeid", a.attributeid},
          {"targetid", a.targetid},
          {"targetcolonyname", a.targetcolonyname},
          {"targetprocessgraphid", a.targetprocessgraphid},
          {"state", a.state},
          {"attributetype", a.attributetype},
          {"key", a.key},
          {"value", a.value}};
}

Result<Attribute> attribute_from_json(const json::value& v, const std::string& path) {
  Attribute a;
  COLONIES_TRY(r, FieldReader::of(v, path));
  COLONIES_CHECK(r.str("attributeid", a.attributeid));
  COLONIES_CHECK(r.str("targetid", a.targetid));
  COLONIES_CHECK(r.str("targetcolonyname", a.targetcolonyname));
  COLONIES_CHECK(r.str("targetprocessgraphid", a.targetprocessgraphid));
  COLONIES_CHECK(r.i32("state", a.state));
  COLONIES_CHECK(r.i32("attributetype", a.attributetype));
  COLONIES_CHECK(r.str("key", a.key));
  COLONIES_CHECK(r.str("value", a.value));
  return a;
}

json::object to_json(const Process& p) {
  json::array attributes;
  attributes.reserve(p.attributes.size());
  for (const auto& a : p.attributes) attributes.emplace_back(to_json(a));
  json::object o{{"processid", p.processid},
                 {"initiatorid", p.initiatorid},
                 {"initiatorname", p.initiatorname},
                 {"assignedexecutorid", p.assignedexecutorid},
                 {"isassigned", p.isassigned},
                 {"state", static_cast<int>(p.state)},
                 {"prioritytime", p.prioritytime},
                 {"submissiontime", format_time(p.submissiontime)},
                 {"starttime", format_time(p.starttime)},
                 {"endtime", format_time(p.endtime)},
                 {"waitdeadline", format_time(p.waitdeadline)},
                 {"execdeadline", format_time(p.execdeadline)},
                 {"retries", p.retries},
                 {"attributes", std::move(attributes)},
                 {"spec", to_json(p.spec)},
                 {"waitforparents", p.waitforparents},
                 {"parents", to_json_array(p.parents)},
                 {"children", to_json_array(p.children)},
                 {"processgraphid", p.processgraphid},
                 {"in", p.in},
                 {"out", p.out},
                 {"errors", to_json_array(p.errors)}};
  if (!p.waitreason.empty()) o["waitreason"] = p.waitreason;
  return o;
}

Result<Process> process_from_json(const json::value& v, const std::string& path) {
  Process p;
  COLONIES_TRY(r, FieldReader::of(v, path));
  COLONIES_CHECK(r.str("processid", p.processid));
  COLONIES_CHECK(r.str("initiatorid", p.initiatorid));
  COLONIES_CHECK(r.str("initiatorname", p.initiatorname));
  COLONIES_CHECK(r.str("assignedexecutorid", p.assignedexecutorid));
  COLONIES_CHECK(r.boolean("isassigned", p.isassigned));
  std::int64_t state = 0;
  COLONIES_CHECK(r.i64("state", state));
  COLONIES_TRY(st, process_state_from_int(state));
  p.state = st;
  COLONIES_CHECK(r.i64("prioritytime", p.prioritytime));
  COLONIES_CHECK(r.time("submissiontime", p.submissiontime));
  COLONIES_CHECK(r.time("starttime", p.starttime));
  COLONIES_CHECK(r.time("endtime", p.endtime));
  COLONIES_CHECK(r.time("waitdeadline", p.waitdeadline));
  COLONIES_CHECK(r.time("execdeadline", p.execdeadline));
  COLONIES_CHECK(r.i32("retries", p.retries));
  if (const json::value* attrs = r.find("attributes")) {
    if (!attrs->is_array()) return fail(ErrorCode::BadRequest, "field '{}' must be an array", r.path_of("attributes"));
    for (const auto& a : attrs->get_array()) {
      COLONIES_TRY(attr, attribute_from_json(a, r.path_of("attributes[]")));
      p.attributes.push_back(std::move(attr));
    }
  }
  if (const json::value* spec = r.find("spec")) {
    COLONIES_TRY(s, function_spec_from_json(*spec, r.path_of("spec")));
    p.spec = std::move(s);
  }
  COLONIES_CHECK(r.boolean("waitforparents", p.waitforparents));
  COLONIES_CHECK(r.strings("parents", p.parents));
  COLONIES_CHECK(r.strings("children", p.children));
  COLONIES_CHECK(r.str("processgraphid", p.processgraphid));
  COLONIES_CHECK(r.array("in", p.in));
  COLONIES_CHECK(r.array("out", p.out));
  COLONIES_CHECK(r.strings("errors", p.errors));
  COLONIES_CHECK(r.str("waitreason", p.waitreason));
  return p;
}

}  // namespace colonies::model
