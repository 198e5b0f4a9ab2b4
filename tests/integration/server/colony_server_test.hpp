// The usual fixture of a coloniesd integration test: a real coloniesd (the test target's
// COLONIESD_BINARY) owned by server_owner_, on a data directory in dir_, with setup_'s colony and
// user and one approved executor. `Base` is ::testing::Test or a TestWithParam<...>.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "tests/integration/server/colony_setup.hpp"
#include "tests/integration/server/server_process.hpp"

namespace colonies::testing {

template <class Base = ::testing::Test>
class ColonyServerTest : public Base {
 protected:
  // Starts the server, then adds the colony, its user and executor_ (`executor_name`, of
  // `executor_type`). `adjust` sets what else the test needs (gRPC, extra flags). A failure fails
  // the test in SetUp, so its body does not run.
  void start_server(const std::string& executor_name, const std::string& executor_type,
                    const std::function<void(ServerProcess::Options&)>& adjust = {}) {
    ServerProcess::Options options;
    options.binary = COLONIESD_BINARY;
    options.data_dir = dir_.path() / "data";
    options.server_id = server_owner_.id;
    if (adjust) adjust(options);
    server_ = std::make_unique<ServerProcess>(options);
    ASSERT_TRUE(server_->start()) << server_->error();
    create_colony(server_->port(), server_owner_, setup_);
    executor_ = add_executor(server_->port(), setup_, executor_name, executor_type);
  }

  void TearDown() override {
    if (server_ && server_->running()) server_->kill9();
  }

  TempDir dir_;
  Key server_owner_ = new_key();
  ColonySetup setup_;
  Key executor_;
  std::unique_ptr<ServerProcess> server_;
};

}  // namespace colonies::testing
