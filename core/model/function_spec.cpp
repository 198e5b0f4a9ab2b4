// JSON codec and validation of FunctionSpec.
#include "core/model/function_spec.hpp"

#include <algorithm>
#include <cctype>

#include "core/model/resources.hpp"
#include "core/model/text.hpp"

namespace colonies::model {

json::object to_json(const Gpu& gpu) {
  return {{"name", gpu.name}, {"mem", gpu.mem}, {"count", gpu.count}, {"nodecount", gpu.nodecount}};
}

Result<Gpu> gpu_from_json(const FieldReader& parent, std::string_view key) {
  Gpu gpu;
  const json::value* v = parent.find(key);
  if (!v) return gpu;
  COLONIES_TRY(r, FieldReader::of(*v, parent.path_of(key)));
  COLONIES_CHECK(r.str("name", gpu.name));
  COLONIES_CHECK(r.str("mem", gpu.mem));
  COLONIES_CHECK(r.i32("count", gpu.count));
  COLONIES_CHECK(r.i32("nodecount", gpu.nodecount));
  return gpu;
}

json::object to_json(const Fallback& f) {
  json::object o{{"executortype", f.executortype}, {"after", f.after}};
  if (f.locationname) o["locationname"] = *f.locationname;
  return o;
}

Result<Fallback> fallback_from_json(const json::value& v, const std::string& path) {
  Fallback f;
  COLONIES_TRY(r, FieldReader::of(v, path));
  COLONIES_CHECK(r.str("executortype", f.executortype));
  if (r.find("locationname")) {
    std::string location;
    COLONIES_CHECK(r.str("locationname", location));
    f.locationname = std::move(location);
  }
  COLONIES_CHECK(r.i64("after", f.after));
  return f;
}

json::object to_json(const Conditions& c) {
  json::object o{{"colonyname", c.colonyname},
          {"executornames", to_json_array(c.executornames)},
          {"executortype", c.executortype},
          {"locationname", c.locationname},
          {"dependencies", to_json_array(c.dependencies)},
          {"nodes", c.nodes},
          {"cpu", c.cpu},
          {"processes", c.processes},
          {"processespernode", c.processespernode},
          {"mem", c.mem},
          {"storage", c.storage},
          {"gpu", to_json(c.gpu)},
          {"walltime", c.walltime}};
  if (!c.fallback.empty()) {
    json::array fallback;
    for (const auto& f : c.fallback) fallback.push_back(to_json(f));
    o["fallback"] = std::move(fallback);
  }
  return o;
}

Result<Conditions> conditions_from_json(const json::value& v, const std::string& path) {
  Conditions c;
  COLONIES_TRY(r, FieldReader::of(v, path));
  COLONIES_CHECK(r.str("colonyname", c.colonyname));
  COLONIES_CHECK(r.strings("executornames", c.executornames));
  COLONIES_CHECK(r.str("executortype", c.executortype));
  COLONIES_CHECK(r.str("locationname", c.locationname));
  COLONIES_CHECK(r.strings("dependencies", c.dependencies));
  COLONIES_CHECK(r.i32("nodes", c.nodes));
  COLONIES_CHECK(r.str("cpu", c.cpu));
  COLONIES_CHECK(r.i32("processes", c.processes));
  COLONIES_CHECK(r.i32("processespernode", c.processespernode));
  COLONIES_CHECK(r.str("mem", c.mem));
  COLONIES_CHECK(r.str("storage", c.storage));
  COLONIES_TRY(gpu, gpu_from_json(r, "gpu"));
  c.gpu = std::move(gpu);
  COLONIES_CHECK(r.i64("walltime", c.walltime));
  if (const json::value* f = r.find("fallback"); f && !f->is_null()) {
    const std::string fpath = r.path_of("fallback");
    if (!f->is_array()) return fail(ErrorCode::BadRequest, "{} must be an array", fpath);
    for (std::size_t i = 0; i < f->as_array().size(); ++i) {
      COLONIES_TRY(entry, fallback_from_json(f->as_array()[i], fpath + "[" + std::to_string(i) + "]"));
      c.fallback.push_back(std::move(entry));
    }
  }
  return c;
}

json::object to_json(const FunctionSpec& s) {
  json::object o{{"nodename", s.nodename},
                 {"funcname", s.funcname},
                 {"args", s.args},
                 {"kwargs", s.kwargs},
                 {"priority", s.priority},
                 {"maxwaittime", s.maxwaittime},
                 {"maxexectime", s.maxexectime},
                 {"maxretries", s.maxretries},
                 {"conditions", to_json(s.conditions)},
                 {"label", s.label},
                 {"fs", s.fs},
                 {"env", to_json_object(s.env)}};
  if (!s.channels.empty()) o["channels"] = to_json_array(s.channels);
  return o;
}

Result<FunctionSpec> function_spec_from_json(const json::value& v, const std::string& path) {
  FunctionSpec s;
  COLONIES_TRY(r, FieldReader::of(v, path));
  COLONIES_CHECK(r.str("nodename", s.nodename));
  COLONIES_CHECK(r.str("funcname", s.funcname));
  COLONIES_CHECK(r.array("args", s.args));
  COLONIES_CHECK(r.object("kwargs", s.kwargs));
  COLONIES_CHECK(r.i32("priority", s.priority));
  COLONIES_CHECK(r.i64("maxwaittime", s.maxwaittime));
  COLONIES_CHECK(r.i64("maxexectime", s.maxexectime));
  COLONIES_CHECK(r.i32("maxretries", s.maxretries));
  if (const json::value* c = r.find("conditions")) {
    COLONIES_TRY(conditions, conditions_from_json(*c, r.path_of("conditions")));
    s.conditions = std::move(conditions);
  }
  COLONIES_CHECK(r.str("label", s.label));
  COLONIES_CHECK(r.any("fs", s.fs));
  COLONIES_CHECK(r.string_map("env", s.env));
  COLONIES_CHECK(r.strings("channels", s.channels));
  return s;
}

namespace {

Status validate_fallback(const Conditions& c) {
  if (c.fallback.empty()) return {};
  if (!c.executornames.empty()) {
    return fail(ErrorCode::BadRequest,
                "spec.conditions.fallback cannot be combined with spec.conditions.executornames: a process "
                "targeted at named executors has no executor type to fall back from");
  }
  if (c.fallback.size() > kMaxFallbacks) {
    return fail(ErrorCode::BadRequest, "spec.conditions.fallback has {} entries; at most {} are allowed",
                c.fallback.size(), kMaxFallbacks);
  }
  std::int64_t previous = -1;
  for (std::size_t i = 0; i < c.fallback.size(); ++i) {
    const Fallback& f = c.fallback[i];
    if (f.executortype.empty()) {
      return fail(ErrorCode::BadRequest, "spec.conditions.fallback[{}].executortype is required", i);
    }
    if (f.executortype == c.executortype) {
      return fail(ErrorCode::BadRequest,
                  "spec.conditions.fallback[{}].executortype '{}' is the process's own executor type", i,
                  f.executortype);
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (c.fallback[j].executortype == f.executortype) {
        return fail(ErrorCode::BadRequest, "spec.conditions.fallback names executor type '{}' twice",
                    f.executortype);
      }
    }
    if (f.after < 0 || f.after > kMaxFallbackAfter) {
      return fail(ErrorCode::BadRequest,
                  "spec.conditions.fallback[{}].after is {} s; use 0 (at once) up to {} s (a year)", i, f.after,
                  kMaxFallbackAfter);
    }
    if (f.after < previous) {
      return fail(ErrorCode::BadRequest,
                  "spec.conditions.fallback must be in increasing order of `after` ({} s comes after {} s)", f.after,
                  previous);
    }
    previous = f.after;
  }
  return {};
}

}  // namespace

Result<Requirements> validate(const FunctionSpec& spec) {
  const Conditions& c = spec.conditions;
  if (spec.priority < kMinPriority || spec.priority > kMaxPriority) {
    return fail(ErrorCode::BadRequest, "priority {} is outside [{}, {}]", spec.priority, kMinPriority,
                kMaxPriority);
  }
  if (c.colonyname.empty()) return fail(ErrorCode::BadRequest, "spec.conditions.colonyname is required");
  if (c.executortype.empty() && c.executornames.empty()) {
    return fail(ErrorCode::BadRequest,
                "spec.conditions.executortype is required (or name executors in spec.conditions.executornames)");
  }
  if (spec.maxretries < -1) {
    return fail(ErrorCode::BadRequest, "maxretries {} is invalid: use -1 (unlimited) or a count >= 0",
                spec.maxretries);
  }
  if (c.nodes < 0 || c.processes < 0 || c.processespernode < 0 || c.gpu.count < 0 || c.gpu.nodecount < 0 ||
      c.walltime < 0) {
    return fail(ErrorCode::BadRequest,
                "spec.conditions: nodes, processes, processespernode, gpu.count and walltime must not be negative");
  }
  COLONIES_CHECK(validate_fallback(c));
  Requirements req;
  COLONIES_TRY(cpu, parse_cpu(c.cpu));
  COLONIES_TRY(mem, parse_bytes(c.mem));
  COLONIES_TRY(storage, parse_bytes(c.storage));
  COLONIES_TRY(gpu_mem, parse_bytes(c.gpu.mem));
  req.cpu_millis = cpu;
  req.mem_bytes = mem;
  req.storage_bytes = storage;
  req.gpu_mem_bytes = gpu_mem;
  req.gpu_count = c.gpu.count;
  req.gpu_name = to_lower_ascii(c.gpu.name);
  req.nodes = c.nodes;
  req.processes = c.processes;
  req.processespernode = c.processespernode;
  req.walltime = c.walltime;
  if (req.processespernode > 0 && req.nodes > 0 && req.processes > 0 &&
      static_cast<std::int64_t>(req.processespernode) * req.nodes < req.processes) {
    return fail(ErrorCode::BadRequest, "{} processes do not fit on {} nodes with {} processes per node",
                req.processes, req.nodes, req.processespernode);
  }
  return req;
}

}  // namespace colonies::model
