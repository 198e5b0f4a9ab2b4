// Client calls about processes: submit, assign (a long-poll), get/list, close, cancel, remove,
// pause/resume, and process attributes. No waiting loops here; the CLI and executors build those.
#include "client/client.hpp"
#include "client/reply_decoding.hpp"
#include "core/protocol/messages.hpp"

namespace colonies::client {

namespace msg = protocol::msg;
using detail::decode_list;
using detail::decode_one;

namespace {
int state_number(model::ProcessState state) { return static_cast<int>(state); }
}  // namespace

Result<model::Process> Client::submit(const model::FunctionSpec& spec) {
  COLONIES_TRY(reply, call(msg::kSubmitFunctionSpec, {{"spec", model::to_json(spec)}}));
  return decode_one(msg::kSubmitFunctionSpec, reply, model::process_from_json, "process");
}

Result<model::Process> Client::assign(const std::string& colonyname, int timeout_s, const AssignOffer& offer) {
  // The server holds the request up to timeout_s; our HTTP deadline must outlast it.
  auto http_timeout = config_.long_poll_margin + std::chrono::seconds(timeout_s > 0 ? timeout_s : 0);
  if (timeout_s <= 0) http_timeout = std::max(http_timeout, config_.request_timeout);
  COLONIES_TRY(reply, call(msg::kAssignProcess,
                           {{"colonyname", colonyname},
                            {"timeout", timeout_s},
                            {"availablecpu", offer.availablecpu},
                            {"availablemem", offer.availablemem},
                            {"availablegpu", offer.availablegpu}},
                           http_timeout));
  return decode_one(msg::kAssignProcess, reply, model::process_from_json, "process");
}

Result<model::Process> Client::get_process(const std::string& processid) {
  COLONIES_TRY(reply, call(msg::kGetProcess, {{"processid", processid}}));
  return decode_one(msg::kGetProcess, reply, model::process_from_json, "process");
}

Result<std::vector<model::Process>> Client::get_processes(const ProcessQuery& query) {
  COLONIES_TRY(reply, call(msg::kGetProcesses, {{"colonyname", query.colonyname},
                                                {"count", query.count},
                                                {"state", state_number(query.state)},
                                                {"executortype", query.executortype},
                                                {"label", query.label},
                                                {"initiator", query.initiator}}));
  return decode_list(msg::kGetProcesses, reply, model::process_from_json, "processes");
}

Result<std::vector<model::Process>> Client::get_process_history(const std::string& colonyname,
                                                                const std::string& executorid,
                                                                std::int64_t seconds, model::ProcessState state) {
  COLONIES_TRY(reply, call(msg::kGetProcessHistory, {{"colonyname", colonyname},
                                                     {"executorid", executorid},
                                                     {"seconds", seconds},
                                                     {"state", state_number(state)}}));
  return decode_list(msg::kGetProcessHistory, reply, model::process_from_json, "processes");
}

Status Client::remove_process(const std::string& processid, bool all) {
  COLONIES_CHECK(call(msg::kRemoveProcess, {{"processid", processid}, {"all", all}}));
  return ok();
}

Status Client::remove_all_processes(const std::string& colonyname, std::optional<model::ProcessState> state) {
  int state_value = state ? state_number(*state) : -1;  // -1: every state the server allows
  COLONIES_CHECK(call(msg::kRemoveAllProcesses, {{"colonyname", colonyname}, {"state", state_value}}));
  return ok();
}

Status Client::close_successful(const std::string& processid, const json::array& out) {
  COLONIES_CHECK(call(msg::kCloseSuccessful, {{"processid", processid}, {"out", out}}));
  return ok();
}

Status Client::close_failed(const std::string& processid, const std::vector<std::string>& errors) {
  COLONIES_CHECK(call(msg::kCloseFailed, {{"processid", processid}, {"errors", model::to_json_array(errors)}}));
  return ok();
}

Status Client::set_output(const std::string& processid, const json::array& out) {
  COLONIES_CHECK(call(msg::kSetOutput, {{"processid", processid}, {"out", out}}));
  return ok();
}

Status Client::cancel_process(const std::string& processid) {
  COLONIES_CHECK(call(msg::kCancelProcess, {{"processid", processid}}));
  return ok();
}

Status Client::pause_assignments(const std::string& colonyname) {
  COLONIES_CHECK(call(msg::kPauseAssignments, {{"colonyname", colonyname}}));
  return ok();
}

Status Client::resume_assignments(const std::string& colonyname) {
  COLONIES_CHECK(call(msg::kResumeAssignments, {{"colonyname", colonyname}}));
  return ok();
}

Result<PauseStatus> Client::pause_status(const std::string& colonyname) {
  COLONIES_TRY(reply, call(msg::kGetPauseStatus, {{"colonyname", colonyname}}));
  return decode_one(msg::kGetPauseStatus, reply,
                    [](const json::value& v, const std::string&) { return pause_status_from_json(v); }, "pausestatus");
}

// ---- Attributes

Result<model::Attribute> Client::add_attribute(const model::Attribute& attribute) {
  COLONIES_TRY(reply, call(msg::kAddAttribute, {{"attribute", model::to_json(attribute)}}));
  return decode_one(msg::kAddAttribute, reply, model::attribute_from_json, "attribute");
}

Result<model::Attribute> Client::get_attribute(const std::string& attributeid) {
  COLONIES_TRY(reply, call(msg::kGetAttribute, {{"attributeid", attributeid}}));
  return decode_one(msg::kGetAttribute, reply, model::attribute_from_json, "attribute");
}

}  // namespace colonies::client
