// Shared set-up of the broker tests: a BrokerHarness with one colony, its owner, an approved
// executor and a user, plus small accessors for reply payloads.
#pragma once

#include <gtest/gtest.h>

#include "core/protocol/messages.hpp"
#include "tests/support/broker_harness.hpp"

namespace colonies::server::api {

namespace json = boost::json;
namespace msg = protocol::msg;
using testing::BrokerHarness;
using testing::Identity;

class BrokerTest : public ::testing::Test {
 protected:
  BrokerTest() : colony_(h_.add_colony("alpha")) {
    executor_ = h_.add_executor(colony_, "exec");
    user_ = h_.add_user(colony_, "user");
  }

  json::object spec(const std::string& funcname = "compute") { return BrokerHarness::spec(colony_.name, "worker", funcname); }
  // Submits as the user; returns the processid.
  std::string submit(json::object s) { return id_of(h_.submit(user_, std::move(s))); }
  std::string submit() { return submit(spec()); }

  static std::string id_of(const json::object& process) {
    const auto* id = process.if_contains("processid");
    return id && id->is_string() ? std::string(id->as_string()) : std::string();
  }
  static std::string id_of(const ApiReply& reply) {
    return reply.payload.is_object() ? id_of(reply.payload.as_object()) : std::string();
  }
  // The process as getprocessmsg returns it (for the user), or {} after a failure.
  json::object process(const std::string& id) {
    auto reply = h_.get_process(user_, id);
    EXPECT_EQ(reply.status, 200) << testing::describe(reply);
    return reply.payload.is_object() ? reply.payload.as_object() : json::object{};
  }
  std::int64_t state_of(const std::string& id) {
    auto p = process(id);
    return p.contains("state") ? p.at("state").to_number<std::int64_t>() : -1;
  }
  std::int64_t retries_of(const std::string& id) {
    auto p = process(id);
    return p.contains("retries") ? p.at("retries").to_number<std::int64_t>() : -1;
  }

  BrokerHarness h_;
  BrokerHarness::Colony colony_;
  Identity executor_;
  Identity user_;
};

}  // namespace colonies::server::api
