// Client calls about crons and generators.
#include "client/client.hpp"
#include "client/reply_decoding.hpp"
#include "core/protocol/messages.hpp"

namespace colonies::client {

namespace msg = protocol::msg;
using detail::decode_list;
using detail::decode_one;

// ---- Crons

Result<model::Cron> Client::add_cron(const model::Cron& cron) {
  COLONIES_TRY(reply, call(msg::kAddCron, {{"cron", model::to_json(cron)}}));
  return decode_one(msg::kAddCron, reply, model::cron_from_json, "cron");
}

Result<model::Cron> Client::get_cron(const std::string& cronid) {
  COLONIES_TRY(reply, call(msg::kGetCron, {{"cronid", cronid}}));
  return decode_one(msg::kGetCron, reply, model::cron_from_json, "cron");
}

Result<std::vector<model::Cron>> Client::get_crons(const std::string& colonyname, int count) {
  COLONIES_TRY(reply, call(msg::kGetCrons, {{"colonyname", colonyname}, {"count", count}}));
  return decode_list(msg::kGetCrons, reply, model::cron_from_json, "crons");
}

Result<model::Cron> Client::run_cron(const std::string& cronid) {
  COLONIES_TRY(reply, call(msg::kRunCron, {{"cronid", cronid}}));
  return decode_one(msg::kRunCron, reply, model::cron_from_json, "cron");
}

Status Client::remove_cron(const std::string& cronid) {
  COLONIES_CHECK(call(msg::kRemoveCron, {{"cronid", cronid}, {"all", false}}));
  return ok();
}

// ---- Generators

Result<model::Generator> Client::add_generator(const model::Generator& generator) {
  COLONIES_TRY(reply, call(msg::kAddGenerator, {{"generator", model::to_json(generator)}}));
  return decode_one(msg::kAddGenerator, reply, model::generator_from_json, "generator");
}

Result<model::Generator> Client::get_generator(const std::string& generatorid) {
  COLONIES_TRY(reply, call(msg::kGetGenerator, {{"generatorid", generatorid}}));
  return decode_one(msg::kGetGenerator, reply, model::generator_from_json, "generator");
}

Result<model::Generator> Client::resolve_generator(const std::string& colonyname, const std::string& name) {
  COLONIES_TRY(reply, call(msg::kResolveGenerator, {{"colonyname", colonyname}, {"generatorname", name}}));
  return decode_one(msg::kResolveGenerator, reply, model::generator_from_json, "generator");
}

Result<std::vector<model::Generator>> Client::get_generators(const std::string& colonyname, int count) {
  COLONIES_TRY(reply, call(msg::kGetGenerators, {{"colonyname", colonyname}, {"count", count}}));
  return decode_list(msg::kGetGenerators, reply, model::generator_from_json, "generators");
}

Result<model::Generator> Client::pack_generator(const std::string& generatorid, const std::string& arg) {
  COLONIES_TRY(reply, call(msg::kPackGenerator, {{"generatorid", generatorid}, {"arg", arg}}));
  return decode_one(msg::kPackGenerator, reply, model::generator_from_json, "generator");
}

Status Client::remove_generator(const std::string& generatorid) {
  COLONIES_CHECK(call(msg::kRemoveGenerator, {{"generatorid", generatorid}, {"all", false}}));
  return ok();
}

}  // namespace colonies::client
