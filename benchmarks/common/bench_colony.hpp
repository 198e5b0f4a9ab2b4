// The colony every load-generator benchmark works in: colony "bench" (its owner's key), one user
// "bench-user" who submits, and approved executors "bench-<i>" of type "bench", created with
// signed requests as the server owner and colony owner. Not a fixture for tests.
#pragma once

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "client/client.hpp"

namespace colonies::bench {

struct BenchColony {
  std::string colony_key;
  std::string user_key;
  std::vector<std::string> executor_keys;  // executor i is "bench-<i>"
};

// Exits the program with a message when the server refuses a step (a benchmark cannot go on).
BenchColony setup_colony(const client::ClientConfig& config, const std::string& server_key, int executors);

// Adds `count` more approved executors (bench-<first>, ...) to an existing bench colony.
std::vector<std::string> add_executors(const client::ClientConfig& config, const std::string& colony_key, int first,
                                       int count);

// What every load generator submits: funcname "noop" for executors of type "bench" in colony
// "bench" (nothing runs it; the bench executors close it as it comes).
model::FunctionSpec noop_spec();

// The hex ID of a private key.
std::string id_of(const std::string& private_key);

// Prints "<what>: <error>" and exits when `result` is an error.
template <typename R>
void must(const R& result, const char* what) {
  if (!result) {
    std::cerr << what << ": " << result.error().message << "\n";
    std::exit(1);
  }
}

}  // namespace colonies::bench
