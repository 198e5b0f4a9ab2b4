// Client calls about logs (process and executor logs, search) and locations.
#include "client/client.hpp"
#include "client/reply_decoding.hpp"
#include "core/protocol/messages.hpp"

namespace colonies::client {

namespace msg = protocol::msg;
using detail::decode_list;
using detail::decode_one;

// ---- Logs

Status Client::add_log(const std::string& processid, const std::string& message) {
  COLONIES_CHECK(call(msg::kAddLog, {{"processid", processid}, {"message", message}}));
  return ok();
}

Status Client::add_executor_log(const std::string& colonyname, const std::string& executorname,
                                const std::string& message) {
  COLONIES_CHECK(call(msg::kAddExecutorLog,
                      {{"colonyname", colonyname}, {"executorname", executorname}, {"message", message}}));
  return ok();
}

Result<std::vector<model::Log>> Client::get_logs(const LogQuery& query) {
  COLONIES_TRY(reply, call(msg::kGetLogs, {{"colonyname", query.colonyname},
                                           {"processid", query.processid},
                                           {"executorname", query.executorname},
                                           {"count", query.count},
                                           {"since", query.since},
                                           {"latest", query.latest}}));
  return decode_list(msg::kGetLogs, reply, model::log_from_json, "logs");
}

Result<std::vector<model::Log>> Client::search_logs(const std::string& colonyname, const std::string& text, int days,
                                                    int count) {
  COLONIES_TRY(reply, call(msg::kSearchLogs,
                           {{"colonyname", colonyname}, {"text", text}, {"days", days}, {"count", count}}));
  return decode_list(msg::kSearchLogs, reply, model::log_from_json, "logs");
}

// ---- Locations

Result<model::Location> Client::add_location(const model::Location& location) {
  COLONIES_TRY(reply, call(msg::kAddLocation, {{"location", model::to_json(location)}}));
  return decode_one(msg::kAddLocation, reply, model::location_from_json, "location");
}

Result<std::vector<model::Location>> Client::get_locations(const std::string& colonyname) {
  COLONIES_TRY(reply, call(msg::kGetLocations, {{"colonyname", colonyname}}));
  return decode_list(msg::kGetLocations, reply, model::location_from_json, "locations");
}

Result<model::Location> Client::get_location(const std::string& colonyname, const std::string& name) {
  COLONIES_TRY(reply, call(msg::kGetLocation, {{"colonyname", colonyname}, {"name", name}}));
  return decode_one(msg::kGetLocation, reply, model::location_from_json, "location");
}

Status Client::remove_location(const std::string& colonyname, const std::string& name) {
  COLONIES_CHECK(call(msg::kRemoveLocation, {{"colonyname", colonyname}, {"name", name}}));
  return ok();
}

}  // namespace colonies::client
