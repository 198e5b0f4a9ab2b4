// The small entities of a colony: Colony, User, Location, Function (registry entry), Log and
// Statistics, with their JSON codecs. Process and Executor have files of their own.
#pragma once

#include <cstdint>
#include <string>

#include "core/model/json.hpp"

namespace colonies::model {

struct Colony {
  std::string colonyid;  // the owner's ID
  std::string name;
};

struct User {
  std::string colonyname;
  std::string userid;
  std::string name;
  std::string email;
  std::string phone;
};

struct Location {
  std::string locationid;
  std::string name;
  std::string colonyname;
  std::string description;
  double long_ = 0;
  double lat = 0;
};

struct Function {
  std::string functionid;
  std::string executorname;
  std::string executortype;
  std::string colonyname;
  std::string funcname;
  std::string description;
  json::array args;
  std::int64_t counter = 0;
  double minwaittime = 0;
  double maxwaittime = 0;
  double minexectime = 0;
  double maxexectime = 0;
  double avgwaittime = 0;  // true running mean, seconds
  double avgexectime = 0;
  std::string locationname;
};

struct Log {
  std::string processid;
  std::string colonyname;
  std::string executorname;
  std::string message;
  std::int64_t timestamp = 0;  // Unix ns, UTC
};

struct Statistics {
  std::int64_t colonies = 0;
  std::int64_t executors = 0;
  std::int64_t activeexecutors = 0;
  std::int64_t unregisteredexecutors = 0;
  std::int64_t waitingprocesses = 0;
  std::int64_t runningprocesses = 0;
  std::int64_t successfulprocesses = 0;
  std::int64_t failedprocesses = 0;
  std::int64_t cancelledprocesses = 0;
  std::int64_t waitingworkflows = 0;
  std::int64_t runningworkflows = 0;
  std::int64_t successfulworkflows = 0;
  std::int64_t failedworkflows = 0;
  std::int64_t cancelledworkflows = 0;
};

json::object to_json(const Colony& c);
Result<Colony> colony_from_json(const json::value& v, const std::string& path = "colony");
json::object to_json(const User& u);
Result<User> user_from_json(const json::value& v, const std::string& path = "user");
json::object to_json(const Location& l);
Result<Location> location_from_json(const json::value& v, const std::string& path = "location");
json::object to_json(const Function& f);
Result<Function> function_from_json(const json::value& v, const std::string& path = "fun");
json::object to_json(const Log& l);
Result<Log> log_from_json(const json::value& v, const std::string& path = "log");
json::object to_json(const Statistics& s);
Result<Statistics> statistics_from_json(const json::value& v, const std::string& path = "statistics");

// True if `id` is 64 lowercase hex characters (an Ed25519 public key, or a random ID).
bool is_valid_id(std::string_view id);

}  // namespace colonies::model
