// Client core: envelope building, the round trip and reply decoding shared by every typed call,
// and the server and colony messages. Typed calls of other groups are in client_*.cpp.
#include "client/client.hpp"

#include "adapters/crypto/sodium_crypto.hpp"
#include "client/reply_decoding.hpp"
#include "core/protocol/envelope.hpp"
#include "core/protocol/messages.hpp"
#include "core/protocol/status.hpp"

namespace colonies::client {

namespace msg = protocol::msg;
using detail::decode_list;
using detail::decode_one;

namespace {

// The project version from CMake (project(... VERSION ...)), set on this file only.
constexpr std::string_view kClientVersion = COLONIES_VERSION;

ClientDeps with_defaults(ClientDeps deps) {
  if (!deps.clock) deps.clock = std::make_shared<ports::SystemClock>();
  if (!deps.crypto) deps.crypto = std::make_shared<crypto::SodiumCrypto>();
  return deps;
}

}  // namespace

Client::Client(std::unique_ptr<Transport> transport, std::unique_ptr<ports::Signer> signer, ClientConfig config,
               ClientDeps deps)
    : transport_(std::move(transport)),
      signer_(std::move(signer)),
      config_(std::move(config)),
      deps_(with_defaults(std::move(deps))) {}

Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;
Client::~Client() = default;

std::string Client::id() const { return signer_ ? signer_->id() : std::string(); }
std::string Client::endpoint() const { return transport_->endpoint(); }

Result<json::value> Client::call(std::string_view msgtype, json::object payload,
                                 std::optional<std::chrono::milliseconds> timeout) {
  if (!signer_) {
    last_reply_status_ = 0;
    return fail(ErrorCode::Unauthenticated, "{} must be signed, but this client has no private key", msgtype);
  }
  // A fresh nonce and the current time on every call: the server rejects replays (PROTOCOL.md).
  std::string nonce = deps_.crypto->random_hex(16);
  std::int64_t now_s = deps_.clock->now() / 1'000'000'000;
  std::string body = protocol::build_request(msgtype, std::move(payload), *signer_, nonce, now_s);
  return exchange(msgtype, body, timeout.value_or(config_.request_timeout));
}

Result<json::value> Client::call_unsigned(std::string_view msgtype, json::object payload) {
  return exchange(msgtype, protocol::build_unsigned_request(msgtype, std::move(payload)), config_.request_timeout);
}

Result<json::value> Client::exchange(std::string_view msgtype, const std::string& body,
                                     std::chrono::milliseconds timeout) {
  last_reply_status_ = 0;
  COLONIES_TRY(reply_body, transport_->call(body, timeout));
  auto reply = protocol::decode_reply(reply_body);
  if (!reply) return std::unexpected(detail::malformed(msgtype, reply.error()));
  if (reply->error) {
    // The failure payload is {status, message}; without a usable status it is still an error.
    int status = 500;
    std::string message = "the server reported an error without a message";
    if (reply->payload.is_object()) {
      const auto& failure = reply->payload.get_object();
      if (auto it = failure.find("status"); it != failure.end() && it->value().is_int64()) {
        status = static_cast<int>(it->value().get_int64());
      }
      if (auto it = failure.find("message"); it != failure.end() && it->value().is_string()) {
        message = std::string(it->value().get_string());
      }
    }
    last_reply_status_ = status;
    return fail(protocol::error_code_from_http(status), std::move(message));
  }
  return std::move(reply->payload);
}

// ---- Server

Result<VersionInfo> Client::version() {
  COLONIES_TRY(reply, call_unsigned(msg::kVersion, {{"buildversion", kClientVersion}, {"buildtime", ""}}));
  return decode_one(msg::kVersion, reply, [](const json::value& v, const std::string&) { return version_info_from_json(v); },
                    "version");
}

Result<ServerInfo> Client::server_info() {
  COLONIES_TRY(reply, call_unsigned(msg::kGetServerInfo, {}));
  return decode_one(msg::kGetServerInfo, reply,
                    [](const json::value& v, const std::string&) { return server_info_from_json(v); }, "serverinfo");
}

Result<model::Statistics> Client::statistics() {
  COLONIES_TRY(reply, call(msg::kGetStatistics, {}));
  return decode_one(msg::kGetStatistics, reply, model::statistics_from_json, "statistics");
}

Result<ClusterInfo> Client::cluster_info() {
  COLONIES_TRY(reply, call(msg::kGetCluster, {}));
  return decode_one(msg::kGetCluster, reply,
                    [](const json::value& v, const std::string&) { return cluster_info_from_json(v); }, "cluster");
}

Status Client::change_server_id(const std::string& serverid) {
  COLONIES_CHECK(call(msg::kChangeServerId, {{"serverid", serverid}}));
  return ok();
}

// ---- Colonies

Result<model::Colony> Client::add_colony(const model::Colony& colony) {
  COLONIES_TRY(reply, call(msg::kAddColony, {{"colony", model::to_json(colony)}}));
  return decode_one(msg::kAddColony, reply, model::colony_from_json, "colony");
}

Status Client::remove_colony(const std::string& colonyname) {
  COLONIES_CHECK(call(msg::kRemoveColony, {{"colonyname", colonyname}}));
  return ok();
}

Result<model::Colony> Client::get_colony(const std::string& colonyname) {
  COLONIES_TRY(reply, call(msg::kGetColony, {{"colonyname", colonyname}}));
  return decode_one(msg::kGetColony, reply, model::colony_from_json, "colony");
}

Result<std::vector<model::Colony>> Client::get_colonies() {
  COLONIES_TRY(reply, call(msg::kGetColonies, {}));
  return decode_list(msg::kGetColonies, reply, model::colony_from_json, "colonies");
}

Result<model::Statistics> Client::colony_statistics(const std::string& colonyname) {
  COLONIES_TRY(reply, call(msg::kGetColonyStats, {{"colonyname", colonyname}}));
  return decode_one(msg::kGetColonyStats, reply, model::statistics_from_json, "statistics");
}

Status Client::change_colony_id(const std::string& colonyname, const std::string& colonyid) {
  COLONIES_CHECK(call(msg::kChangeColonyId, {{"colonyname", colonyname}, {"colonyid", colonyid}}));
  return ok();
}

}  // namespace colonies::client
