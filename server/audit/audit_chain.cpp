// Sealing audit entries on the commit thread.
#include "server/audit/audit_chain.hpp"

#include <algorithm>

namespace colonies::server::audit {

void AuditChain::reset(model::AuditHead head) {
  std::lock_guard lock(mu_);
  head_ = std::move(head);
  before_batch_ = head_;
}

model::AuditHead AuditChain::head() const {
  std::lock_guard lock(mu_);
  return head_;
}

void AuditChain::seal(std::span<ports::Mutation> batch) {
  std::lock_guard lock(mu_);
  before_batch_ = head_;
  // One time per batch: its entries become durable together. Never before the previous entry,
  // so that times order like seqs even if the clock steps back (retention prunes by time).
  const model::TimeNs time = std::max(clock_.now(), head_.time);
  for (auto& m : batch) {
    auto* append = std::get_if<ports::mutation::AppendAudit>(&m);
    if (!append) continue;
    model::AuditEntry& e = append->entry;
    e.seq = head_.seq + 1;
    e.time = time;
    e.prevhash = head_.hash;
    e.hash = model::audit_hash(e);
    head_ = model::AuditHead{e.seq, e.hash, e.time};
  }
}

void AuditChain::settle(bool durable) {
  if (durable) return;
  std::lock_guard lock(mu_);
  head_ = before_batch_;
}

}  // namespace colonies::server::audit
