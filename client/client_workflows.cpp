// Client calls about workflows (process graphs): submit, get, list, remove, cancel, and
// addchild. No waiting loop here; `colonies workflow submit --wait` builds that.
#include "client/client.hpp"
#include "client/reply_decoding.hpp"
#include "core/protocol/messages.hpp"

namespace colonies::client {

namespace msg = protocol::msg;
using detail::decode_list;
using detail::decode_one;

namespace {
int state_or_any(std::optional<model::ProcessState> state) { return state ? static_cast<int>(*state) : -1; }
}  // namespace

Result<model::ProcessGraph> Client::submit_workflow(const model::WorkflowSpec& spec) {
  COLONIES_TRY(reply, call(msg::kSubmitWorkflowSpec, {{"spec", model::to_json(spec)}}));
  return decode_one(msg::kSubmitWorkflowSpec, reply, model::process_graph_from_json, "processgraph");
}

Result<model::ProcessGraph> Client::get_process_graph(const std::string& processgraphid) {
  COLONIES_TRY(reply, call(msg::kGetProcessGraph, {{"processgraphid", processgraphid}}));
  return decode_one(msg::kGetProcessGraph, reply, model::process_graph_from_json, "processgraph");
}

Result<std::vector<model::ProcessGraph>> Client::get_process_graphs(const std::string& colonyname, int count,
                                                                    std::optional<model::ProcessState> state) {
  COLONIES_TRY(reply, call(msg::kGetProcessGraphs,
                           {{"colonyname", colonyname}, {"count", count}, {"state", state_or_any(state)}}));
  return decode_list(msg::kGetProcessGraphs, reply, model::process_graph_from_json, "processgraphs");
}

Status Client::remove_process_graph(const std::string& processgraphid) {
  COLONIES_CHECK(call(msg::kRemoveProcessGraph, {{"processgraphid", processgraphid}, {"all", false}}));
  return ok();
}

Status Client::remove_all_process_graphs(const std::string& colonyname, std::optional<model::ProcessState> state) {
  COLONIES_CHECK(call(msg::kRemoveAllProcessGraphs, {{"colonyname", colonyname}, {"state", state_or_any(state)}}));
  return ok();
}

Result<model::ProcessGraph> Client::cancel_process_graph(const std::string& processgraphid) {
  COLONIES_TRY(reply, call(msg::kCancelProcessGraph, {{"processgraphid", processgraphid}}));
  return decode_one(msg::kCancelProcessGraph, reply, model::process_graph_from_json, "processgraph");
}

Result<model::Process> Client::add_child(const std::string& processgraphid, const std::string& parentprocessid,
                                         const model::FunctionSpec& spec, bool insert,
                                         const std::string& childprocessid) {
  COLONIES_TRY(reply, call(msg::kAddChild, {{"processgraphid", processgraphid},
                                            {"parentprocessid", parentprocessid},
                                            {"childprocessid", childprocessid},
                                            {"spec", model::to_json(spec)},
                                            {"insert", insert}}));
  return decode_one(msg::kAddChild, reply, model::process_from_json, "process");
}

}  // namespace colonies::client
