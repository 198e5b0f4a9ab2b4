// Handlers of channels: channelappendmsg and channelreadmsg (spec §7). Only the process's
// submitter and its assigned executor may use its channels, and only the channels its spec
// declares. Appends are accepted while the process is WAITING or RUNNING, ordered per sender by
// sequence, limited in size, number and rate, and persisted; reads work for any process.
// Subscriptions to a channel are in handlers_realtime.cpp.
#include <algorithm>

#include "core/model/channel.hpp"
#include "core/protocol/encoding.hpp"
#include "core/protocol/messages.hpp"
#include "server/api/broker.hpp"
#include "server/api/validation.hpp"
#include "server/auth/roles.hpp"

namespace colonies::server::api {

using model::FieldReader;
namespace mutation = ports::mutation;

namespace {
constexpr int kDefaultReadLimit = 100;
constexpr int kMaxReadLimit = 1000;

bool declares(const model::Process& p, const std::string& name) {
  return std::ranges::find(p.spec.channels, name) != p.spec.channels.end();
}
}  // namespace

Status Broker::may_use_channel(const model::Process& p, const std::string& caller, const std::string& name) const {
  // Fails closed: only these two parties, whatever else the caller may do in the colony.
  const bool submitter = caller == p.initiatorid;
  const bool executor = p.isassigned && caller == p.assignedexecutorid;
  if (!submitter && !executor) {
    return fail(ErrorCode::Forbidden, "only the submitter and the assigned executor of process {} may use its channels",
                p.processid);
  }
  if (!declares(p, name)) {
    return fail(ErrorCode::NotFound, "process {} declares no channel named '{}' (spec.channels)", p.processid, name);
  }
  return ok();
}

void Broker::on_channel_append(Call& call) {
  auto r = FieldReader::of(call.payload);
  model::ChannelEntry entry;
  auto parsed = [&]() -> Status {
    std::string payload;
    COLONIES_CHECK(r.str("processid", entry.processid));
    COLONIES_CHECK(r.str("name", entry.name));
    COLONIES_CHECK(r.i64("sequence", entry.sequence));
    COLONIES_CHECK(r.i64("inreplyto", entry.inreplyto));
    COLONIES_CHECK(r.str("payload", payload));
    COLONIES_CHECK(r.str("payloadtype", entry.payloadtype));
    if (entry.processid.empty()) return fail(ErrorCode::BadRequest, "processid is required");
    COLONIES_CHECK(valid_name("channel", entry.name));
    if (entry.payloadtype.empty()) entry.payloadtype = "data";
    if (!model::is_valid_channel_payloadtype(entry.payloadtype)) {
      return fail(ErrorCode::BadRequest, "payloadtype must be \"data\", \"end\" or \"error\", not '{}'", entry.payloadtype);
    }
    if (entry.sequence <= 0) return fail(ErrorCode::BadRequest, "sequence must be a positive number, got {}", entry.sequence);
    if (entry.inreplyto < 0) return fail(ErrorCode::BadRequest, "inreplyto must be 0 (none) or a position");
    auto bytes = protocol::base64_decode(payload);
    if (!bytes) return fail(ErrorCode::BadRequest, "payload must be standard base64 (with padding)");
    if (bytes->size() > options_.channel_message_limit) {
      return fail(ErrorCode::TooLarge, "channel message of {} bytes exceeds the limit of {} bytes", bytes->size(),
                  options_.channel_message_limit);
    }
    entry.payload = std::move(*bytes);
    return ok();
  }();
  write(call, [&]() -> Result<Outcome> {
    COLONIES_CHECK(parsed);
    scheduler::ActiveProcess* p = scheduler_.find(entry.processid);
    if (!p) {
      return fail(ErrorCode::NotFound,
                  "process {} is not waiting or running: its channels take messages only until it ends",
                  entry.processid);
    }
    COLONIES_CHECK(auth::require_member(registry_, call.caller, p->process.spec.conditions.colonyname));
    COLONIES_CHECK(may_use_channel(p->process, call.caller, entry.name));
    ProcessChannels& channels = channels_[entry.processid];
    ChannelHead& head = channels.heads[entry.name];
    if (head.entries >= options_.channel_max_entries) {
      return fail(ErrorCode::Conflict, "channel '{}' of process {} is full ({} entries)", entry.name, entry.processid,
                  options_.channel_max_entries);
    }
    auto& last = head.last_sequence[call.caller];
    if (entry.sequence <= last) {
      return fail(ErrorCode::Conflict, "sequence {} is not after {}, the last one this sender appended to channel '{}'",
                  entry.sequence, last, entry.name);
    }
    if (entry.inreplyto > head.last_position) {
      return fail(ErrorCode::BadRequest, "inreplyto {} is not a position of channel '{}' (last is {})", entry.inreplyto,
                  entry.name, head.last_position);
    }
    if (!channels.budget.take(now(), options_.channel_rate)) {
      return fail(ErrorCode::RateLimited,
                  "too many channel messages for process {}: at most {}/s (bursts of {}); retry later",
                  entry.processid, options_.channel_rate.rate, options_.channel_rate.burst);
    }
    last = entry.sequence;
    entry.position = ++head.last_position;
    ++head.entries;
    entry.senderid = call.caller;
    entry.timestamp = now();
    json::object reply = model::to_json(entry);
    return Outcome{std::move(reply), {mutation::AppendChannelEntry{std::move(entry)}}};
  });
}

void Broker::on_channel_read(Call& call) {
  auto r = FieldReader::of(call.payload);
  ports::ChannelQuery query;
  auto parsed = [&]() -> Status {
    COLONIES_CHECK(r.str("processid", query.processid));
    COLONIES_CHECK(r.str("name", query.name));
    COLONIES_CHECK(r.i64("afterseq", query.after_position));
    COLONIES_CHECK(r.i32("limit", query.limit));
    if (query.processid.empty()) return fail(ErrorCode::BadRequest, "processid is required");
    COLONIES_CHECK(valid_name("channel", query.name));
    if (query.after_position < 0) return fail(ErrorCode::BadRequest, "afterseq must be >= 0 (a position; 0 = from the start)");
    if (query.limit > kMaxReadLimit) return fail(ErrorCode::BadRequest, "limit {} is over the limit of {}", query.limit, kMaxReadLimit);
    if (query.limit <= 0) query.limit = kDefaultReadLimit;
    return ok();
  }();
  if (!parsed) return call.reply(error_reply(parsed.error()));
  auto list = [this, query]() -> Result<json::value> {
    COLONIES_TRY(entries, store_.list_channel_entries(query));
    return json_list(entries);
  };
  {
    std::lock_guard lock(mu_);
    if (scheduler::ActiveProcess* p = scheduler_.find(query.processid)) {
      auto allowed = [&]() -> Status {
        COLONIES_CHECK(auth::require_member(registry_, call.caller, p->process.spec.conditions.colonyname));
        return may_use_channel(p->process, call.caller, query.name);
      }();
      if (!allowed) return call.reply(error_reply(allowed.error()));
      return read(call, std::move(list));
    }
  }
  // Finished (or unknown): the store has the process, and its channels stay readable.
  read(call, [this, query, caller = call.caller, list = std::move(list)]() -> Result<json::value> {
    COLONIES_TRY(found, store_.get_process(query.processid));
    if (!found) return fail(ErrorCode::NotFound, "process {} not found", query.processid);
    {
      std::lock_guard lock(mu_);
      COLONIES_CHECK(auth::require_member(registry_, caller, found->spec.conditions.colonyname));
    }
    COLONIES_CHECK(may_use_channel(*found, caller, query.name));
    return list();
  });
}

}  // namespace colonies::server::api
