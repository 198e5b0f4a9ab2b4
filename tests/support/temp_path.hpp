// A file name under the test temporary directory that no other test process uses.
// ctest runs every test case as its own process, several at once, so a fixed name such as
// "/tmp/spec.json" is written by one case while another reads it; the pid keeps them apart.
#pragma once

#include <unistd.h>

#include <string>

#include <gtest/gtest.h>

namespace colonies::testing {

inline std::string unique_temp_path(const std::string& name) {
  return ::testing::TempDir() + "/" + std::to_string(::getpid()) + "-" + name;
}

}  // namespace colonies::testing
