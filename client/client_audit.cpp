// Client calls of the audit ledger, and its verification, which runs here on purpose: a server
// (or whoever controls its database) cannot vouch for its own ledger (docs/audit.md).
#include <fmt/format.h>

#include "client/client.hpp"
#include "client/reply_decoding.hpp"
#include "core/protocol/messages.hpp"

namespace colonies::client {

namespace msg = protocol::msg;
using detail::decode_list;

Result<std::vector<model::AuditEntry>> Client::get_audit(const AuditQuery& q) {
  COLONIES_TRY(reply, call(msg::kGetAudit, {{"colonyname", q.colonyname},
                                            {"processid", q.processid},
                                            {"signer", q.signer},
                                            {"since", q.since},
                                            {"until", q.until},
                                            {"afterseq", q.after_seq},
                                            {"count", q.count}}));
  return decode_list(msg::kGetAudit, reply, model::audit_entry_from_json, "entries");
}

Status Client::for_each_audit_page(AuditQuery query,
                                   const std::function<Status(std::vector<model::AuditEntry>&)>& page) {
  for (;;) {
    COLONIES_TRY(entries, get_audit(query));
    if (entries.empty()) return ok();
    const std::int64_t last = entries.back().seq;
    COLONIES_CHECK(page(entries));
    query.after_seq = last;
  }
}

Result<AuditState> Client::get_audit_head() {
  COLONIES_TRY(reply, call(msg::kGetAuditHead, {}));
  auto malformed = [](const Error& e) {
    return std::unexpected(Error{ErrorCode::Internal, fmt::format("malformed reply to {}: {}", msg::kGetAuditHead, e.message)});
  };
  if (!reply.is_object()) return malformed(Error{ErrorCode::Internal, "expected an object"});
  const auto& o = reply.get_object();
  AuditState state;
  const json::value* head = o.if_contains("head");
  if (!head) return malformed(Error{ErrorCode::Internal, "head is missing"});
  auto h = model::audit_head_from_json(*head);
  if (!h) return malformed(h.error());
  state.head = std::move(*h);
  if (const json::value* c = o.if_contains("checkpoint"); c && !c->is_null()) {
    auto checkpoint = model::audit_checkpoint_from_json(*c);
    if (!checkpoint) return malformed(checkpoint.error());
    state.checkpoint = std::move(*checkpoint);
  }
  auto r = model::FieldReader::of(o);
  if (auto s = r.i64("firstseq", state.first_seq); !s) return malformed(s.error());
  if (auto s = r.i64("entries", state.entries); !s) return malformed(s.error());
  return state;
}

Result<AuditVerification> Client::verify_audit(const AuditVerifyOptions& options) {
  COLONIES_TRY(first, verify_audit_once(options));
  // Retention may prune the oldest entries between reading the checkpoint and the first page:
  // a gap right at the start is then the new checkpoint's doing. Once more from it settles it.
  if (first.intact() || first.checked > 0) return first;
  COLONIES_TRY(state, get_audit_head());
  const std::int64_t before = first.checkpoint ? first.checkpoint->seq : 0;
  if (!state.checkpoint || state.checkpoint->seq <= before) return first;
  return verify_audit_once(options);
}

Result<AuditVerification> Client::verify_audit_once(const AuditVerifyOptions& options) {
  COLONIES_TRY(state, get_audit_head());
  AuditVerification v;
  v.checkpoint = state.checkpoint;
  model::AuditHead start;
  if (state.checkpoint) start = {state.checkpoint->seq, state.checkpoint->hash, state.checkpoint->time};
  model::AuditChainCheck check(*deps_.crypto, start);
  const std::int64_t total = state.head.seq - start.seq;
  bool anchor_seen = false;
  auto note_anchor = [&](std::int64_t seq, const std::string& hash) {
    if (!options.anchor || options.anchor->seq != seq) return true;
    anchor_seen = true;
    return options.anchor->hash == hash;
  };
  if (state.checkpoint && !note_anchor(state.checkpoint->seq, state.checkpoint->hash)) {
    v.bad_seq = state.checkpoint->seq;
    v.problem = fmt::format("the checkpoint's hash differs from the anchor {}:{}", options.anchor->seq, options.anchor->hash);
    return v;
  }
  AuditQuery query;
  query.after_seq = start.seq;
  query.count = options.page;
  // A stop after the first bad entry: the callback's error ends paging, not the call.
  const Error stop{ErrorCode::Conflict, "stop"};
  Status paged = for_each_audit_page(query, [&](std::vector<model::AuditEntry>& entries) -> Status {
    for (const auto& e : entries) {
      if (auto problem = check.next(e)) {
        v.bad_seq = e.seq > check.head().seq + 1 ? check.head().seq + 1 : e.seq;
        v.problem = std::move(*problem);
        return std::unexpected(stop);
      }
      if (!note_anchor(e.seq, e.hash)) {
        v.bad_seq = e.seq;
        v.problem = fmt::format("hash differs from the anchor {}:{}: the ledger was rewritten", options.anchor->seq,
                                options.anchor->hash);
        return std::unexpected(stop);
      }
      ++v.checked;
    }
    if (options.progress) options.progress(v.checked, std::max(total, v.checked));
    return ok();
  });
  v.head = check.head();
  if (!paged && v.problem.empty()) return std::unexpected(paged.error());
  if (!v.problem.empty()) return v;
  if (v.head.seq < state.head.seq) {
    v.bad_seq = v.head.seq + 1;
    v.problem = v.head.seq + 1 == state.head.seq
                    ? fmt::format("gap: entry {} (the head) is missing", state.head.seq)
                    : fmt::format("gap: entries {} to {} (the head) are missing", v.head.seq + 1, state.head.seq);
    return v;
  }
  if (options.anchor && !anchor_seen) {
    v.bad_seq = options.anchor->seq;
    v.problem = options.anchor->seq > v.head.seq
                    ? fmt::format("the anchor {} is beyond the ledger's head {}: entries were removed", options.anchor->seq,
                                  v.head.seq)
                    : fmt::format("the anchor {} was pruned (the checkpoint is at {}); verify against a newer one",
                                  options.anchor->seq, start.seq);
  }
  return v;
}

}  // namespace colonies::client
