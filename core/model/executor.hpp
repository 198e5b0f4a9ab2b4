// Executor: a program that pulls processes of its type from a colony. Its capabilities say what
// it could ever run (used for matching and for "why is this waiting" reasons).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/function_spec.hpp"
#include "core/model/json.hpp"

namespace colonies::model {

enum class ExecutorState : int { Pending = 0, Approved = 1, Rejected = 2, Unregistered = 3 };
std::string_view to_string(ExecutorState state);

// One kind of node the executor can offer. Empty strings and zero counts mean "not declared,
// no limit" — except gpu.count, where 0 in a declared entry means "no GPUs".
struct Hardware {
  std::string model;
  int nodes = 0;  // 0 = one node
  std::string cpu;  // total per node, "8" or "8000m"
  int cores = 0;
  std::string mem;  // per node
  std::string storage;
  Gpu gpu;  // per node
  std::string platform;
  std::string architecture;
  std::vector<std::string> network;
  std::int64_t walltime = 0;  // longest walltime accepted, seconds; 0 = unlimited (Colonies addition)
};

struct Software {
  std::string name;
  std::string type;
  std::string version;
};

struct Capabilities {
  std::vector<Hardware> hardware;
  std::vector<Software> software;
};

struct Executor {
  std::string executorid;
  std::string executortype;
  std::string executorname;
  std::string colonyname;
  ExecutorState state = ExecutorState::Pending;
  bool requirefuncreg = false;
  TimeNs commissiontime = 0;
  TimeNs lastheardfromtime = 0;
  std::string locationname;
  Capabilities capabilities;
  json::value allocations;  // {projects: {...}}, reported by the executor, stored as given
};

json::object to_json(const Capabilities& c);
Result<Capabilities> capabilities_from_json(const json::value& v, const std::string& path = "capabilities");
json::object to_json(const Executor& e);
Result<Executor> executor_from_json(const json::value& v, const std::string& path = "executor");

}  // namespace colonies::model
