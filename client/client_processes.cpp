// Client calls about processes: submit, assign (a long-poll), get/list, close, cancel, remove,
// pause/resume, and process attributes. No waiting loops here; the CLI and executors build those.
#include "client/client.hpp"
#include "client/reply_decoding.hpp"
#include "core/protocol/messages.hpp"
#include "core/protocol/status.hpp"

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

Result<json::value> Client::call_assign(std::string_view msgtype, json::object payload, int timeout_s) {
  // The server holds the request up to timeout_s; our HTTP deadline must outlast it.
  auto http_timeout = config_.long_poll_margin + std::chrono::seconds(timeout_s > 0 ? timeout_s : 0);
  if (timeout_s <= 0) http_timeout = std::max(http_timeout, config_.request_timeout);
  return call(msgtype, std::move(payload), http_timeout);
}

namespace {
json::object assign_payload(const std::string& colonyname, int timeout_s, const AssignOffer& offer) {
  return {{"colonyname", colonyname},
          {"timeout", timeout_s},
          {"availablecpu", offer.availablecpu},
          {"availablemem", offer.availablemem},
          {"availablegpu", offer.availablegpu}};
}

// {"results": [{"status": 200, ...} | {"status": 4xx, "message": ...}]}; `decode_ok` reads the
// rest of a 200 item (its FieldReader and path) into the item's value.
template <class T, class DecodeOk>
Result<std::vector<Result<T>>> batch_results(std::string_view msgtype, const json::value& reply, DecodeOk&& decode_ok) {
  const json::value* results = reply.is_object() ? reply.get_object().if_contains("results") : nullptr;
  if (!results || !results->is_array()) {
    return std::unexpected(Error{ErrorCode::Internal, fmt::format("malformed reply to {}: no results array", msgtype)});
  }
  std::vector<Result<T>> items;
  items.reserve(results->get_array().size());
  for (std::size_t i = 0; i < results->get_array().size(); ++i) {
    const json::value& item = results->get_array()[i];
    const std::string path = fmt::format("results[{}]", i);
    auto r = model::FieldReader::of(item, path);
    if (!r) return std::unexpected(detail::malformed(msgtype, r.error()));
    int status = 0;
    if (auto s = r->i32("status", status); !s) return std::unexpected(detail::malformed(msgtype, s.error()));
    if (status == 200) {
      items.push_back(decode_ok(*r, path));
      if (!items.back()) return std::unexpected(items.back().error());
    } else {
      std::string message;
      if (auto s = r->str("message", message); !s) return std::unexpected(detail::malformed(msgtype, s.error()));
      items.push_back(std::unexpected(Error{protocol::error_code_from_http(status), std::move(message)}));
    }
  }
  return items;
}

Result<std::vector<BatchResult>> process_results(std::string_view msgtype, const json::value& reply) {
  return batch_results<model::Process>(msgtype, reply, [&](const model::FieldReader& r, const std::string& path) -> BatchResult {
    const json::value* process = r.find("process");
    if (!process) return std::unexpected(detail::malformed(msgtype, Error{ErrorCode::Internal, path + ".process is missing"}));
    return decode_one(msgtype, *process, model::process_from_json, "process");
  });
}

Result<std::vector<BatchIdResult>> id_results(std::string_view msgtype, const json::value& reply) {
  return batch_results<std::string>(msgtype, reply, [&](const model::FieldReader& r, const std::string&) -> BatchIdResult {
    std::string id;
    if (auto s = r.str("processid", id); !s || id.empty())
      return std::unexpected(detail::malformed(msgtype, s ? Error{ErrorCode::Internal, "a brief result has no processid"} : s.error()));
    return id;
  });
}

json::array close_items(const std::vector<ProcessClose>& closes) {
  json::array list;
  list.reserve(closes.size());
  for (const auto& c : closes) {
    json::object item{{"processid", c.processid}, {"successful", c.successful}};
    if (c.successful) item["out"] = c.out;
    else item["errors"] = model::to_json_array(c.errors);
    list.push_back(std::move(item));
  }
  return list;
}

json::array spec_items(const std::vector<model::FunctionSpec>& specs) {
  json::array list;
  list.reserve(specs.size());
  for (const auto& spec : specs) list.push_back(model::to_json(spec));
  return list;
}
}  // namespace

Result<model::Process> Client::assign(const std::string& colonyname, int timeout_s, const AssignOffer& offer) {
  COLONIES_TRY(reply, call_assign(msg::kAssignProcess, assign_payload(colonyname, timeout_s, offer), timeout_s));
  return decode_one(msg::kAssignProcess, reply, model::process_from_json, "process");
}

Result<std::vector<BatchResult>> Client::submit_batch(const std::vector<model::FunctionSpec>& specs) {
  COLONIES_TRY(reply, call(msg::kSubmitFunctionSpecs, {{"specs", spec_items(specs)}}));
  return process_results(msg::kSubmitFunctionSpecs, reply);
}

Result<std::vector<BatchIdResult>> Client::submit_batch_ids(const std::vector<model::FunctionSpec>& specs) {
  COLONIES_TRY(reply, call(msg::kSubmitFunctionSpecs, {{"specs", spec_items(specs)}, {"brief", true}}));
  return id_results(msg::kSubmitFunctionSpecs, reply);
}

Result<std::vector<model::Process>> Client::assign_batch(const std::string& colonyname, int count, int timeout_s,
                                                         const AssignOffer& offer) {
  json::object payload = assign_payload(colonyname, timeout_s, offer);
  payload["count"] = count;
  COLONIES_TRY(reply, call_assign(msg::kAssignProcesses, std::move(payload), timeout_s));
  return decode_list(msg::kAssignProcesses, reply, model::process_from_json, "processes");
}

Result<std::vector<BatchResult>> Client::close_batch(const std::vector<ProcessClose>& closes) {
  COLONIES_TRY(reply, call(msg::kCloseProcesses, {{"closes", close_items(closes)}}));
  return process_results(msg::kCloseProcesses, reply);
}

Result<std::vector<BatchIdResult>> Client::close_batch_ids(const std::vector<ProcessClose>& closes) {
  COLONIES_TRY(reply, call(msg::kCloseProcesses, {{"closes", close_items(closes)}, {"brief", true}}));
  return id_results(msg::kCloseProcesses, reply);
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
  return get_process_history(
      HistoryQuery{.colonyname = colonyname, .executorid = executorid, .seconds = seconds, .state = state});
}

Result<std::vector<model::Process>> Client::get_process_history(const HistoryQuery& query) {
  json::object payload{{"colonyname", query.colonyname},
                       {"executorid", query.executorid},
                       {"seconds", query.seconds},
                       {"state", query.state ? state_number(*query.state) : -1}};
  if (query.count != 0) payload["count"] = query.count;
  if (!query.before.empty()) payload["before"] = query.before;
  COLONIES_TRY(reply, call(msg::kGetProcessHistory, std::move(payload)));
  return decode_list(msg::kGetProcessHistory, reply, model::process_from_json, "processes");
}

Status Client::for_each_history_page(HistoryQuery query,
                                     const std::function<Status(std::vector<model::Process>&)>& page) {
  constexpr int kServerPage = 10000;
  const int size = query.count > 0 ? query.count : kServerPage;
  query.count = size;
  query.before.clear();
  for (;;) {
    COLONIES_TRY(processes, get_process_history(query));
    const bool last = static_cast<int>(processes.size()) < size;
    if (!processes.empty()) query.before = processes.back().processid;
    COLONIES_CHECK(page(processes));
    if (last) return ok();
  }
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
