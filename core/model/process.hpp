// Process: one submitted FunctionSpec and its life (WAITING -> RUNNING -> SUCCESS/FAILED/CANCELLED).
// Attributes ride along inside the process, as in the original.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/function_spec.hpp"
#include "core/model/json.hpp"

namespace colonies::model {

enum class ProcessState : int { Waiting = 0, Running = 1, Success = 2, Failed = 3, Cancelled = 4 };
std::string_view to_string(ProcessState state);
// Accepts 0..4 only.
Result<ProcessState> process_state_from_int(std::int64_t value);
inline bool is_final(ProcessState s) { return s == ProcessState::Success || s == ProcessState::Failed || s == ProcessState::Cancelled; }

enum class AttributeType : int { In = 0, Out = 1, Err = 2, Env = 3 };

struct Attribute {
  std::string attributeid;
  std::string targetid;
  std::string targetcolonyname;
  std::string targetprocessgraphid;
  int state = 0;
  int attributetype = 0;
  std::string key;
  std::string value;
};

struct Process {
  std::string processid;
  std::string initiatorid;
  std::string initiatorname;
  std::string assignedexecutorid;
  bool isassigned = false;
  ProcessState state = ProcessState::Waiting;
  std::int64_t prioritytime = 0;
  TimeNs submissiontime = 0;
  TimeNs starttime = 0;
  TimeNs endtime = 0;
  TimeNs waitdeadline = 0;
  TimeNs execdeadline = 0;
  int retries = 0;
  std::vector<Attribute> attributes;
  FunctionSpec spec;
  bool waitforparents = false;
  std::vector<std::string> parents;
  std::vector<std::string> children;
  std::string processgraphid;
  json::array in;
  json::array out;
  std::vector<std::string> errors;
  // Not stored: why a WAITING process has not been assigned, filled in by the server on get.
  std::string waitreason;
};

json::object to_json(const Attribute& a);
Result<Attribute> attribute_from_json(const json::value& v, const std::string& path = "attribute");
json::object to_json(const Process& p);
Result<Process> process_from_json(const json::value& v, const std::string& path = "process");

// Priority time as in the original: each priority unit is a day's head start; lower runs first.
inline std::int64_t priority_time(int priority, TimeNs submission) {
  return static_cast<std::int64_t>(priority) * -86'400'000'000'000LL + submission;
}

}  // namespace colonies::model
