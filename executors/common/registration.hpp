// Registering the executor with its colony at start: add + approve with the colony owner's key
// (self-registration) when one is given, then publish the current capabilities. Idempotent, so a
// restarted executor goes through it again. Not the pull loop, and no retries: the caller retries
// errors that is_transient() calls transient.
#pragma once

#include "client/client.hpp"
#include "core/error/error.hpp"
#include "executors/common/runtime_config.hpp"

namespace colonies::executors {

// True for failures worth retrying later: server unreachable or overloaded, long-poll timeouts,
// internal faults. False for answers that will not change by asking again (bad key, not allowed).
bool is_transient(const Error& error);

// `owner` signs with the colony owner's key, or is null when the executor was registered by the
// owner beforehand; `self` signs with the executor's key. Blocks on a few round trips.
// Errors, besides transient ones: the name is registered with another key, or this key under
// another name (Conflict, saying what to change); the colony key is not the colony's owner
// (Forbidden). Capabilities that cannot be published are only a warning.
Status ensure_registered(const RuntimeConfig& config, client::Client* owner, client::Client& self);

}  // namespace colonies::executors
