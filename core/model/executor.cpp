// JSON codec of Executor and its capabilities.
#include "core/model/executor.hpp"

namespace colonies::model {

std::string_view to_string(ExecutorState state) {
  switch (state) {
    case ExecutorState::Pending: return "PENDING";
    case ExecutorState::Approved: return "APPROVED";
    case ExecutorState::Rejected: return "REJECTED";
    case ExecutorState::Unregistered: return "UNREGISTERED";
  }
  return "UNKNOWN";
}

json::object to_json(const Capabilities& c) {
  json::array hardware;
  for (const auto& h : c.hardware) {
    hardware.emplace_back(json::object{{"model", h.model},
                                       {"nodes", h.nodes},
                                       {"cpu", h.cpu},
                                       {"cores", h.cores},
                                       {"mem", h.mem},
                                       {"storage", h.storage},
                                       {"gpu", to_json(h.gpu)},
                                       {"platform", h.platform},
                                       {"architecture", h.architecture},
                                       {"network", to_json_array(h.network)},
                                       {"walltime", h.walltime}});
  }
  json::array software;
  for (const auto& s : c.software) {
    software.emplace_back(json::object{{"name", s.name}, {"type", s.type}, {"version", s.version}});
  }
  return {{"hardware", std::move(hardware)}, {"software", std::move(software)}};
}

Result<Capabilities> capabilities_from_json(const json::value& v, const std::string& path) {
  Capabilities c;
  COLONIES_TRY(r, FieldReader::of(v, path));
  auto list = [&](std::string_view key) -> Result<const json::array*> {
    const json::value* items = r.find(key);
    if (!items) return nullptr;
    if (!items->is_array()) return fail(ErrorCode::BadRequest, "field '{}' must be an array", r.path_of(key));
    return &items->get_array();
  };
  COLONIES_TRY(hardware, list("hardware"));
  if (hardware) {
    for (const auto& item : *hardware) {
      Hardware h;
      COLONIES_TRY(hr, FieldReader::of(item, r.path_of("hardware[]")));
      COLONIES_CHECK(hr.str("model", h.model));
      COLONIES_CHECK(hr.i32("nodes", h.nodes));
      COLONIES_CHECK(hr.str("cpu", h.cpu));
      COLONIES_CHECK(hr.i32("cores", h.cores));
      COLONIES_CHECK(hr.str("mem", h.mem));
      COLONIES_CHECK(hr.str("storage", h.storage));
      COLONIES_TRY(gpu, gpu_from_json(hr, "gpu"));
      h.gpu = std::move(gpu);
      COLONIES_CHECK(hr.str("platform", h.platform));
      COLONIES_CHECK(hr.str("architecture", h.architecture));
      COLONIES_CHECK(hr.strings("network", h.network));
      COLONIES_CHECK(hr.i64("walltime", h.walltime));
      c.hardware.push_back(std::move(h));
    }
  }
  COLONIES_TRY(software, list("software"));
  if (software) {
    for (const auto& item : *software) {
      Software s;
      COLONIES_TRY(sr, FieldReader::of(item, r.path_of("software[]")));
      COLONIES_CHECK(sr.str("name", s.name));
      COLONIES_CHECK(sr.str("type", s.type));
      COLONIES_CHECK(sr.str("version", s.version));
      c.software.push_back(std::move(s));
    }
  }
  return c;
}

json::object to_json(const Executor& e) {
  return {{"executorid", e.executorid},
          {"executortype", e.executortype},
          {"executorname", e.executorname},
          {"colonyname", e.colonyname},
          {"state", static_cast<int>(e.state)},
          {"requirefuncreg", e.requirefuncreg},
          {"commissiontime", format_time(e.commissiontime)},
          {"lastheardfromtime", format_time(e.lastheardfromtime)},
          {"locationname", e.locationname},
          {"capabilities", to_json(e.capabilities)},
          {"allocations", e.allocations.is_null() ? json::value(json::object{{"projects", json::object{}}})
                                                  : e.allocations}};
}

Result<Executor> executor_from_json(const json::value& v, const std::string& path) {
  Executor e;
  COLONIES_TRY(r, FieldReader::of(v, path));
  COLONIES_CHECK(r.str("executorid", e.executorid));
  COLONIES_CHECK(r.str("executortype", e.executortype));
  COLONIES_CHECK(r.str("executorname", e.executorname));
  COLONIES_CHECK(r.str("colonyname", e.colonyname));
  int state = 0;
  COLONIES_CHECK(r.i32("state", state));
  if (state < 0 || state > 3) return fail(ErrorCode::BadRequest, "field '{}' must be 0..3", r.path_of("state"));
  e.state = static_cast<ExecutorState>(state);
  COLONIES_CHECK(r.boolean("requirefuncreg", e.requirefuncreg));
  COLONIES_CHECK(r.time("commissiontime", e.commissiontime));
  COLONIES_CHECK(r.time("lastheardfromtime", e.lastheardfromtime));
  COLONIES_CHECK(r.str("locationname", e.locationname));
  if (const json::value* caps = r.find("capabilities")) {
    COLONIES_TRY(c, capabilities_from_json(*caps, r.path_of("capabilities")));
    e.capabilities = std::move(c);
  }
  COLONIES_CHECK(r.any("allocations", e.allocations));
  return e;
}

}  // namespace colonies::model
