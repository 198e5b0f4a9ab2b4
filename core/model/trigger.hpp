// Crons and generators: the two ways a workflow starts without a user submitting it. A cron
// starts its workflow on a schedule (a cron expression or an interval); a generator starts it
// once enough arguments have been packed into it (or they have waited long enough). Both keep
// the workflow as the JSON text of a WorkflowSpec, as the original does on the wire.
#pragma once

#include <cstdint>
#include <string>

#include "core/model/json.hpp"

namespace colonies::model {

struct Cron {
  std::string cronid;
  std::string initiatorid;
  std::string initiatorname;
  std::string colonyname;
  std::string name;
  std::string cronexpression;  // used when interval <= 0
  int interval = -1;           // seconds between runs; -1 = use the expression; 0 is invalid
  bool random = false;         // with an interval: each run at a random point of the interval
  TimeNs nextrun = 0;
  TimeNs lastrun = 0;
  std::string workflowspec;  // JSON text of a WorkflowSpec
  std::string prevprocessgraphid;
  // Our addition: the concatenated `out` of the leaves of the graph `prevprocessgraphid`, recorded
  // when that graph ended; the next run's roots receive it as their `in`.
  json::array prevout;
  bool waitforprevprocessgraph = false;
  int checkerperiod = 0;  // ms; filled in by the server on get
};

struct Generator {
  std::string generatorid;
  std::string initiatorid;
  std::string initiatorname;
  std::string colonyname;
  std::string name;
  std::string workflowspec;  // JSON text of a WorkflowSpec
  int trigger = 0;           // release a workflow per `trigger` packed args
  int timeout = 0;           // seconds; > 0: release fewer args once the oldest waited this long
  TimeNs firstpack = 0;      // pack time of the oldest queued arg (0 when none is queued)
  TimeNs lastrun = 0;
  int queuesize = 0;      // filled in by the server on get
  int checkerperiod = 0;  // ms; filled in by the server on get
};

// One packed argument, queued until a release consumes it. `seq` orders the queue (pack order).
struct GeneratorArg {
  std::int64_t seq = 0;
  std::string generatorid;
  std::string colonyname;
  std::string arg;
  TimeNs packed = 0;
};

json::object to_json(const Cron& c);
Result<Cron> cron_from_json(const json::value& v, const std::string& path = "cron");
json::object to_json(const Generator& g);
Result<Generator> generator_from_json(const json::value& v, const std::string& path = "generator");
json::object to_json(const GeneratorArg& a);
Result<GeneratorArg> generator_arg_from_json(const json::value& v, const std::string& path = "arg");

}  // namespace colonies::model
