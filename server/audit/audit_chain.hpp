// The audit ledger's chain on the server: the commit thread's Sealer that gives each AppendAudit
// of a batch its seq, time, prevhash and hash just before the batch is written, so that the
// ledger's order is the commit order and a batch the store rejects leaves no gap (its entries
// are taken back). It is not where entries are drafted (the broker) or checked (the client,
// model::AuditChainCheck).
#pragma once

#include <mutex>

#include "core/model/audit.hpp"
#include "core/ports/clock.hpp"
#include "server/commit/commit_queue.hpp"

namespace colonies::server::audit {

class AuditChain final : public commit::Sealer {
 public:
  explicit AuditChain(const ports::Clock& clock) : clock_(clock) {}

  // Continues the chain after `head` (what the store holds: Snapshot::audit_head). Called at
  // load(), also when a server becomes the leader. Thread-safe.
  void reset(model::AuditHead head);
  // The last entry sealed (durable or about to be). Thread-safe.
  model::AuditHead head() const;

  // Commit thread only (commit::Sealer).
  void seal(std::span<ports::Mutation> batch) override;
  void settle(bool durable) override;

 private:
  const ports::Clock& clock_;
  mutable std::mutex mu_;  // uncontended but for reset() and head()
  model::AuditHead head_;
  model::AuditHead before_batch_;  // restored when the store rejects the sealed batch
};

}  // namespace colonies::server::audit
