// Shared set-up of the SDK tests: a Client over a FakeTransport, signing with a fresh key, with a
// fixed clock so timestamps are exact.
#pragma once

#include <memory>

#include <gtest/gtest.h>

#include "adapters/crypto/sodium_crypto.hpp"
#include "client/client.hpp"
#include "tests/support/fake_transport.hpp"

namespace colonies::client {

class FixedClock final : public ports::Clock {
 public:
  explicit FixedClock(model::TimeNs now) : now_(now) {}
  model::TimeNs now() const override { return now_; }

 private:
  model::TimeNs now_;
};

class ClientFixture : public ::testing::Test {
 protected:
  static constexpr model::TimeNs kNow = 1'790'000'000'123'456'789;

  ClientFixture() {
    auto transport = std::make_unique<colonies::testing::FakeTransport>();
    transport_ = transport.get();
    sent_ = transport->sent();
    private_key_ = sodium_.generate_private_key();
    auto signer = sodium_.signer(private_key_);
    signer_id_ = (*signer)->id();
    ClientDeps deps;
    deps.clock = std::make_shared<FixedClock>(kNow);
    client_ = std::make_unique<Client>(std::move(transport), std::move(*signer), config_, deps);
  }

  const std::string& last_body() const { return sent_->back().body; }
  boost::json::object last_payload() const { return colonies::testing::sent_payload(last_body()); }

  crypto::SodiumCrypto sodium_;
  ClientConfig config_;
  std::string private_key_;
  std::string signer_id_;
  colonies::testing::FakeTransport* transport_ = nullptr;  // owned by client_
  std::shared_ptr<std::vector<colonies::testing::FakeTransport::Sent>> sent_;
  std::unique_ptr<Client> client_;
};

}  // namespace colonies::client
