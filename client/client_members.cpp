// Client calls about who belongs to a colony: users, executors and the executors' function
// registry. Role rules are the server's; these only build payloads and decode replies.
#include "client/client.hpp"
#include "client/reply_decoding.hpp"
#include "core/protocol/messages.hpp"

namespace colonies::client {

namespace msg = protocol::msg;
using detail::decode_list;
using detail::decode_one;

// ---- Users

Result<model::User> Client::add_user(const model::User& user) {
  COLONIES_TRY(reply, call(msg::kAddUser, {{"user", model::to_json(user)}}));
  return decode_one(msg::kAddUser, reply, model::user_from_json, "user");
}

Result<std::vector<model::User>> Client::get_users(const std::string& colonyname) {
  COLONIES_TRY(reply, call(msg::kGetUsers, {{"colonyname", colonyname}}));
  return decode_list(msg::kGetUsers, reply, model::user_from_json, "users");
}

Result<model::User> Client::get_user(const std::string& colonyname, const std::string& name) {
  COLONIES_TRY(reply, call(msg::kGetUser, {{"colonyname", colonyname}, {"name", name}}));
  return decode_one(msg::kGetUser, reply, model::user_from_json, "user");
}

Result<model::User> Client::get_user_by_id(const std::string& colonyname, const std::string& userid) {
  COLONIES_TRY(reply, call(msg::kGetUserById, {{"colonyname", colonyname}, {"userid", userid}}));
  return decode_one(msg::kGetUserById, reply, model::user_from_json, "user");
}

Status Client::remove_user(const std::string& colonyname, const std::string& name) {
  COLONIES_CHECK(call(msg::kRemoveUser, {{"colonyname", colonyname}, {"name", name}}));
  return ok();
}

Status Client::change_user_id(const std::string& colonyname, const std::string& userid) {
  COLONIES_CHECK(call(msg::kChangeUserId, {{"colonyname", colonyname}, {"userid", userid}}));
  return ok();
}

// ---- Executors

Result<model::Executor> Client::add_executor(const model::Executor& executor) {
  COLONIES_TRY(reply, call(msg::kAddExecutor, {{"executor", model::to_json(executor)}}));
  return decode_one(msg::kAddExecutor, reply, model::executor_from_json, "executor");
}

Status Client::approve_executor(const std::string& colonyname, const std::string& executorname) {
  COLONIES_CHECK(call(msg::kApproveExecutor, {{"colonyname", colonyname}, {"executorname", executorname}}));
  return ok();
}

Status Client::reject_executor(const std::string& colonyname, const std::string& executorname) {
  COLONIES_CHECK(call(msg::kRejectExecutor, {{"colonyname", colonyname}, {"executorname", executorname}}));
  return ok();
}

Status Client::remove_executor(const std::string& colonyname, const std::string& executorname) {
  COLONIES_CHECK(call(msg::kRemoveExecutor, {{"colonyname", colonyname}, {"executorname", executorname}}));
  return ok();
}

Result<model::Executor> Client::get_executor(const std::string& colonyname, const std::string& executorname) {
  COLONIES_TRY(reply, call(msg::kGetExecutor, {{"colonyname", colonyname}, {"executorname", executorname}}));
  return decode_one(msg::kGetExecutor, reply, model::executor_from_json, "executor");
}

Result<std::vector<model::Executor>> Client::get_executors(const std::string& colonyname) {
  COLONIES_TRY(reply, call(msg::kGetExecutors, {{"colonyname", colonyname}}));
  return decode_list(msg::kGetExecutors, reply, model::executor_from_json, "executors");
}

Result<model::Executor> Client::get_executor_by_id(const std::string& colonyname, const std::string& executorid) {
  COLONIES_TRY(reply, call(msg::kGetExecutorById, {{"colonyname", colonyname}, {"executorid", executorid}}));
  return decode_one(msg::kGetExecutorById, reply, model::executor_from_json, "executor");
}

Status Client::update_executor_capabilities(const std::string& colonyname, const std::string& executorname,
                                            const model::Capabilities& capabilities) {
  COLONIES_CHECK(call(msg::kUpdateExecutor, {{"colonyname", colonyname},
                                             {"executorname", executorname},
                                             {"capabilities", model::to_json(capabilities)}}));
  return ok();
}

Status Client::report_allocation(const std::string& colonyname, const std::string& executorname,
                                 const json::value& allocations) {
  COLONIES_CHECK(call(msg::kReportAllocation,
                      {{"colonyname", colonyname}, {"executorname", executorname}, {"allocations", allocations}}));
  return ok();
}

Status Client::change_executor_id(const std::string& colonyname, const std::string& executorid) {
  COLONIES_CHECK(call(msg::kChangeExecutorId, {{"colonyname", colonyname}, {"executorid", executorid}}));
  return ok();
}

// ---- Function registry

Result<model::Function> Client::add_function(const model::Function& function) {
  COLONIES_TRY(reply, call(msg::kAddFunction, {{"fun", model::to_json(function)}}));
  return decode_one(msg::kAddFunction, reply, model::function_from_json, "fun");
}

Result<std::vector<model::Function>> Client::get_functions(const std::string& colonyname,
                                                           const std::string& executorname) {
  COLONIES_TRY(reply, call(msg::kGetFunctions, {{"colonyname", colonyname}, {"executorname", executorname}}));
  return decode_list(msg::kGetFunctions, reply, model::function_from_json, "functions");
}

Status Client::remove_function(const std::string& functionid) {
  COLONIES_CHECK(call(msg::kRemoveFunction, {{"functionid", functionid}}));
  return ok();
}

}  // namespace colonies::client
