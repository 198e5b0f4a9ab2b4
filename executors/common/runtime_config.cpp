// Checks of the runtime configuration (see runtime_config.hpp): every message names the setting
// to fix.
#include "executors/common/runtime_config.hpp"

#include <algorithm>

namespace colonies::executors {

namespace {

bool is_hex_key(const std::string& key) {
  return key.size() == 64 && std::all_of(key.begin(), key.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
         });
}

}  // namespace

Status validate(const RuntimeConfig& config) {
  if (config.colony_name.empty()) return fail(ErrorCode::BadRequest, "no colony name: set COLONIES_COLONY_NAME or --colony");
  if (config.executor_name.empty()) return fail(ErrorCode::BadRequest, "no executor name: set COLONIES_EXECUTOR_NAME or --name");
  if (config.executor_type.empty()) return fail(ErrorCode::BadRequest, "no executor type: set COLONIES_EXECUTOR_TYPE or --type");
  if (config.executor_prvkey.empty()) {
    return fail(ErrorCode::BadRequest,
                "no executor private key: set COLONIES_EXECUTOR_PRVKEY (64 hex characters; `colonies security "
                "generate` makes one)");
  }
  if (!is_hex_key(config.executor_prvkey)) {
    return fail(ErrorCode::BadRequest, "COLONIES_EXECUTOR_PRVKEY must be 64 hex characters (an Ed25519 seed), got {} characters",
                config.executor_prvkey.size());
  }
  if (!config.colony_prvkey.empty() && !is_hex_key(config.colony_prvkey)) {
    return fail(ErrorCode::BadRequest, "COLONIES_COLONY_PRVKEY must be 64 hex characters (the colony owner's key), or unset");
  }
  if (config.max_jobs < 1) return fail(ErrorCode::BadRequest, "--max-jobs must be at least 1, got {}", config.max_jobs);
  if (config.poll_timeout_s < 1) {
    return fail(ErrorCode::BadRequest, "the assign poll timeout must be at least 1 s, got {}", config.poll_timeout_s);
  }
  if (config.log_max_bytes < 1024 || config.log_max_bytes > 512 * 1024) {
    return fail(ErrorCode::BadRequest, "log batches must be 1 KiB to 512 KiB, got {} bytes", config.log_max_bytes);
  }
  return ok();
}

}  // namespace colonies::executors
