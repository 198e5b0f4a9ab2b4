// JSON codecs of the small entities.
#include "core/model/entities.hpp"

namespace colonies::model {

bool is_valid_id(std::string_view id) {
  if (id.size() != 64) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

json::object to_json(const Colony& c) { return {{"colonyid", c.colonyid}, {"name", c.name}}; }

Result<Colony> colony_from_json(const json::value& v, const std::string& path) {
  Colony c;
  COLONIES_TRY(r, FieldReader::of(v, path));
  COLONIES_CHECK(r.str("colonyid", c.colonyid));
  COLONIES_CHECK(r.str("name", c.name));
  return c;
}

json::object to_json(const User& u) {
  return {{"colonyname", u.colonyname}, {"userid", u.userid}, {"name", u.name}, {"email", u.email},
          {"phone", u.phone}};
}

Result<User> user_from_json(const json::value& v, const std::string& path) {
  User u;
  COLONIES_TRY(r, FieldReader::of(v, path));
  COLONIES_CHECK(r.str("colonyname", u.colonyname));
  COLONIES_CHECK(r.str("userid", u.userid));
  COLONIES_CHECK(r.str("name", u.name));
  COLONIES_CHECK(r.str("email", u.email));
  COLONIES_CHECK(r.str("phone", u.phone));
  return u;
}

json::object to_json(const Location& l) {
  return {{"locationid", l.locationid}, {"name", l.name}, {"colonyname", l.colonyname},
          {"description", l.description}, {"long", l.long_}, {"lat", l.lat}};
}

Result<Location> location_from_json(const json::value& v, const std::string& path) {
  Location l;
  COLONIES_TRY(r, FieldReader::of(v, path));
  COLONIES_CHECK(r.str("locationid", l.locationid));
  COLONIES_CHECK(r.str("name", l.name));
  COLONIES_CHECK(r.str("colonyname", l.colonyname));
  COLONIES_CHECK(r.str("description", l.description));
  COLONIES_CHECK(r.f64("long", l.long_));
  COLONIES_CHECK(r.f64("lat", l.lat));
  return l;
}

json::object to_json(const Function& f) {
  return {{"functionid", f.functionid},   {"executorname", f.executorname}, {"executortype", f.executortype},
          {"colonyname", f.colonyname},   {"funcname", f.funcname},         {"description", f.description},
          {"args", f.args},               {"counter", f.counter},           {"minwaittime", f.minwaittime},
          {"maxwaittime", f.maxwaittime}, {"minexectime", f.minexectime},   {"maxexectime", f.maxexectime},
          {"avgwaittime", f.avgwaittime}, {"avgexectime", f.avgexectime},   {"locationname", f.locationname}};
}

Result<Function> function_from_json(const json::value& v, const std::string& path) {
  Function f;
  COLONIES_TRY(r, FieldReader::of(v, path));
  COLONIES_CHECK(r.str("functionid", f.functionid));
  COLONIES_CHECK(r.str("executorname", f.executorname));
  COLONIES_CHECK(r.str("executortype", f.executortype));
  COLONIES_CHECK(r.str("colonyname", f.colonyname));
  COLONIES_CHECK(r.str("funcname", f.funcname));
  COLONIES_CHECK(r.str("description", f.description));
  COLONIES_CHECK(r.array("args", f.args));
  COLONIES_CHECK(r.i64("counter", f.counter));
  COLONIES_CHECK(r.f64("minwaittime", f.minwaittime));
  COLONIES_CHECK(r.f64("maxwaittime", f.maxwaittime));
  COLONIES_CHECK(r.f64("minexectime", f.minexectime));
  COLONIES_CHECK(r.f64("maxexectime", f.maxexectime));
  COLONIES_CHECK(r.f64("avgwaittime", f.avgwaittime));
  COLONIES_CHECK(r.f64("avgexectime", f.avgexectime));
  COLONIES_CHECK(r.str("locationname", f.locationname));
  return f;
}

json::object to_json(const Log& l) {
  return {{"processid", l.processid}, {"colonyname", l.colonyname}, {"executorname", l.executorname},
          {"message", l.message}, {"timestamp", l.timestamp}};
}

Result<Log> log_from_json(const json::value& v, const std::string& path) {
  Log l;
  COLONIES_TRY(r, FieldReader::of(v, path));
  COLONIES_CHECK(r.str("processid", l.processid));
  COLONIES_CHECK(r.str("colonyname", l.colonyname));
  COLONIES_CHECK(r.str("executorname", l.executorname));
  COLONIES_CHECK(r.str("message", l.message));
  COLONIES_CHECK(r.i64("timestamp", l.timestamp));
  return l;
}

json::object to_json(const Statistics& s) {
  return {{"colonies", s.colonies},
          {"executors", s.executors},
          {"activeexecutors", s.activeexecutors},
          {"unregisteredexecutors", s.unregisteredexecutors},
          {"waitingprocesses", s.waitingprocesses},
          {"runningprocesses", s.runningprocesses},
          {"successfulprocesses", s.successfulprocesses},
          {"failedprocesses", s.failedprocesses},
          {"cancelledprocesses", s.cancelledprocesses},
          {"waitingworkflows", s.waitingworkflows},
          {"runningworkflows", s.runningworkflows},
          {"successfulworkflows", s.successfulworkflows},
          {"failedworkflows", s.failedworkflows},
          {"cancelledworkflows", s.cancelledworkflows}};
}

Result<Statistics> statistics_from_json(const json::value& v, const std::string& path) {
  Statistics s;
  COLONIES_TRY(r, FieldReader::of(v, path));
  COLONIES_CHECK(r.i64("colonies", s.colonies));
  COLONIES_CHECK(r.i64("executors", s.executors));
  COLONIES_CHECK(r.i64("activeexecutors", s.activeexecutors));
  COLONIES_CHECK(r.i64("unregisteredexecutors", s.unregisteredexecutors));
  COLONIES_CHECK(r.i64("waitingprocesses", s.waitingprocesses));
  COLONIES_CHECK(r.i64("runningprocesses", s.runningprocesses));
  COLONIES_CHECK(r.i64("successfulprocesses", s.successfulprocesses));
  COLONIES_CHECK(r.i64("failedprocesses", s.failedprocesses));
  COLONIES_CHECK(r.i64("cancelledprocesses", s.cancelledprocesses));
  COLONIES_CHECK(r.i64("waitingworkflows", s.waitingworkflows));
  COLONIES_CHECK(r.i64("runningworkflows", s.runningworkflows));
  COLONIES_CHECK(r.i64("successfulworkflows", s.successfulworkflows));
  COLONIES_CHECK(r.i64("failedworkflows", s.failedworkflows));
  COLONIES_CHECK(r.i64("cancelledworkflows", s.cancelledworkflows));
  return s;
}

}  // namespace colonies::model
