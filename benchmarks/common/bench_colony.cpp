// Creating the benchmarks' colony, user and executors over the signed API.
#include "benchmarks/common/bench_colony.hpp"

#include "adapters/crypto/sodium_crypto.hpp"

namespace colonies::bench {

std::string id_of(const std::string& private_key) {
  static crypto::SodiumCrypto crypto;
  return (*crypto.signer(private_key))->id();
}

std::vector<std::string> add_executors(const client::ClientConfig& config, const std::string& colony_key, int first,
                                       int count) {
  crypto::SodiumCrypto crypto;
  auto owner = client::Client::connect(config, colony_key);
  must(owner, "connect colony owner");
  std::vector<std::string> keys;
  for (int i = first; i < first + count; ++i) {
    keys.push_back(crypto.generate_private_key());
    model::Executor e;
    e.executorid = id_of(keys.back());
    e.executortype = "bench";
    e.executorname = "bench-" + std::to_string(i);
    e.colonyname = "bench";
    must(owner->add_executor(e), "add executor");
    must(owner->approve_executor("bench", e.executorname), "approve executor");
  }
  return keys;
}

BenchColony setup_colony(const client::ClientConfig& config, const std::string& server_key, int executors) {
  crypto::SodiumCrypto crypto;
  BenchColony colony{crypto.generate_private_key(), crypto.generate_private_key(), {}};
  auto admin = client::Client::connect(config, server_key);
  must(admin, "connect");
  must(admin->add_colony({id_of(colony.colony_key), "bench"}), "add colony");
  auto owner = client::Client::connect(config, colony.colony_key);
  must(owner, "connect colony owner");
  must(owner->add_user({"bench", id_of(colony.user_key), "bench-user", "", ""}), "add user");
  colony.executor_keys = add_executors(config, colony.colony_key, 0, executors);
  return colony;
}

model::FunctionSpec noop_spec() {
  model::FunctionSpec spec;
  spec.funcname = "noop";
  spec.conditions.colonyname = "bench";
  spec.conditions.executortype = "bench";
  return spec;
}

}  // namespace colonies::bench
