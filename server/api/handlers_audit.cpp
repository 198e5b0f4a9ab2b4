// Handlers of the audit ledger (docs/audit.md): pages of entries and the ledger's head. Reads
// only; the entries themselves are made in Broker::handle and reply_after_commit.
#include "core/protocol/messages.hpp"
#include "server/api/broker.hpp"
#include "server/api/validation.hpp"
#include "server/auth/roles.hpp"

namespace colonies::server::api {

using model::FieldReader;

namespace {
constexpr int kMaxAuditCount = 1000;
}  // namespace

void Broker::on_get_audit(Call& call) {
  auto r = FieldReader::of(call.payload);
  ports::AuditQuery query;
  auto parsed = [&]() -> Status {
    COLONIES_CHECK(r.str("colonyname", query.colonyname));
    COLONIES_CHECK(r.str("processid", query.processid));
    COLONIES_CHECK(r.str("signer", query.signer));
    COLONIES_CHECK(r.i64("since", query.since));
    COLONIES_CHECK(r.i64("until", query.until));
    COLONIES_CHECK(r.i64("afterseq", query.after_seq));
    COLONIES_CHECK(r.i32("count", query.count));
    if (query.count > kMaxAuditCount) {
      return fail(ErrorCode::BadRequest, "count {} is over the limit of {}", query.count, kMaxAuditCount);
    }
    if (query.count <= 0) query.count = kMaxAuditCount;
    if (query.after_seq < 0 || query.since < 0 || query.until < 0) {
      return fail(ErrorCode::BadRequest, "afterseq, since and until must not be negative");
    }
    // The server owner reads the whole ledger; a colony owner only the entries of their colony
    // (fails closed: no colony named is no colony owned).
    std::lock_guard lock(mu_);
    if (auth::require_server_owner(registry_, call.caller)) return ok();
    if (query.colonyname.empty()) {
      return fail(ErrorCode::Forbidden, "only the server owner reads the whole audit ledger; a colony owner names the colony");
    }
    return auth::require_colony_owner(registry_, call.caller, query.colonyname);
  }();
  if (!parsed) return call.reply(error_reply(parsed.error()));
  read(call, [this, query]() -> Result<json::value> {
    COLONIES_TRY(entries, store_.list_audit(query));
    return json_list(entries);
  });
}

void Broker::on_get_audit_head(Call& call) {
  {
    std::lock_guard lock(mu_);
    if (auto s = auth::require_server_owner(registry_, call.caller); !s) return call.reply(error_reply(s.error()));
  }
  read(call, [this]() -> Result<json::value> {
    COLONIES_TRY(state, store_.audit_state());
    return json::object{{"head", model::to_json(state.head)},
                        {"checkpoint", state.checkpoint ? json::value(model::to_json(*state.checkpoint)) : json::value(nullptr)},
                        {"firstseq", state.first_seq},
                        {"entries", state.entries}};
  });
}

}  // namespace colonies::server::api
