// Handlers of realtime subscriptions (WebSocket only): subscribeprocessesmsg,
// subscribeprocessmsg and subscribechannelmsg. They authenticate and role-check the first frame like any request, then
// register with the event hub, which the commit queue feeds after each durable batch. Not the
// transport (server/main bridges the WebSocket) and not the delivery (server/realtime).
#include <spdlog/spdlog.h>

#include "core/protocol/envelope.hpp"
#include "core/protocol/messages.hpp"
#include "core/protocol/status.hpp"
#include "server/api/broker.hpp"
#include "server/api/validation.hpp"
#include "server/auth/roles.hpp"

namespace colonies::server::api {

using model::FieldReader;
using model::ProcessState;
namespace msg = protocol::msg;

namespace {
constexpr model::TimeNs kSecond = 1'000'000'000LL;
}  // namespace

void Broker::refuse(realtime::Stream& stream, const Error& error) {
  const int status = protocol::http_status(error.code);
  stream.send(protocol::encode_error_reply(status, error.message));
  stream.end(error.message);
}

namespace {

// The optional acknowledgement: with `"ack": true` in the subscribe payload, the server sends one
// `subscribed` frame once the subscription is registered, before any event. A client that waits
// for it knows that every change committed after it arrived will be delivered. Opt-in, so that
// clients of the original protocol never see a frame they do not know.
Result<bool> wants_ack(const json::object& payload) {
  bool ack = false;
  COLONIES_CHECK(FieldReader::of(payload).boolean("ack", ack));
  return ack;
}

void acknowledge(realtime::Stream& stream, std::string_view msgtype) {
  stream.send(protocol::encode_reply(msg::kSubscribed, json::object{{"msgtype", msgtype}}));
}

}  // namespace

Result<model::TimeNs> Broker::subscription_deadline(const json::object& payload) const {
  std::int64_t timeout = 0;
  COLONIES_CHECK(FieldReader::of(payload).i64("timeout", timeout));
  const std::int64_t max = options_.max_poll_timeout_s;
  if (timeout > max) {
    return fail(ErrorCode::BadRequest, "timeout {} s is over the limit of {} s (subscribe again to follow longer)",
                timeout, max);
  }
  if (timeout <= 0) timeout = max;
  return now() + timeout * kSecond;
}

void Broker::subscribe(std::string frame, std::shared_ptr<realtime::Stream> stream) {
  auto request = auth_->authenticate(frame);
  if (!request) return refuse(*stream, request.error());
  if (auto admitted = admit_rate(request->caller, request->msgtype); !admitted) return refuse(*stream, admitted.error());
  auto it = stream_handlers_.find(request->msgtype);
  if (it == stream_handlers_.end()) {
    return refuse(*stream, Error{ErrorCode::BadRequest,
                                 fmt::format("{} cannot be sent over the WebSocket: it accepts {}, {} and {}; other "
                                             "messages go to POST /api",
                                             request->msgtype, msg::kSubscribeProcesses, msg::kSubscribeProcess,
                                             msg::kSubscribeChannel)});
  }
  Call call{std::move(request->msgtype), std::move(request->caller), std::move(request->payload), nullptr, nullptr};
  (this->*(it->second))(call, stream);
}

void Broker::on_subscribe_processes(Call& call, const std::shared_ptr<realtime::Stream>& stream) {
  auto r = FieldReader::of(call.payload);
  realtime::ProcessSelector selector;
  auto status = [&]() -> Status {
    std::int64_t state = -1;
    COLONIES_CHECK(r.str("colonyname", selector.colonyname));
    COLONIES_CHECK(r.str("executortype", selector.executortype));
    COLONIES_CHECK(r.i64("state", state));
    if (state != -1) {
      COLONIES_TRY(s, model::process_state_from_int(state));
      selector.state = s;
    }
    COLONIES_TRY(deadline, subscription_deadline(call.payload));
    COLONIES_TRY(ack, wants_ack(call.payload));
    // Fix of spec §14.11: the caller must be a member of the colony, not just any known key.
    std::lock_guard lock(mu_);
    COLONIES_CHECK(auth::require_member(registry_, call.caller, selector.colonyname));
    // Under the broker lock: no change can be enqueued between the check and the subscription,
    // so every change after the check is delivered. The acknowledgement is queued before the
    // registration, so that it precedes every event.
    if (ack) acknowledge(*stream, call.msgtype);
    hub_.subscribe_processes(stream, std::move(selector), deadline);
    return ok();
  }();
  if (!status) refuse(*stream, status.error());
}

void Broker::on_subscribe_process(Call& call, const std::shared_ptr<realtime::Stream>& stream) {
  auto r = FieldReader::of(call.payload);
  std::string colony;
  std::string id;
  ProcessState wanted = ProcessState::Waiting;
  std::optional<model::Process> current;  // set when the process is active
  bool ack = false;
  auto status = [&]() -> Status {
    std::int64_t state = 0;
    COLONIES_CHECK(r.str("colonyname", colony));
    COLONIES_CHECK(r.str("processid", id));
    if (id.empty()) return fail(ErrorCode::BadRequest, "processid is required");
    if (!r.find("state")) return fail(ErrorCode::BadRequest, "state is required (0 WAITING ... 4 CANCELLED)");
    COLONIES_CHECK(r.i64("state", state));
    COLONIES_TRY(s, model::process_state_from_int(state));
    wanted = s;
    COLONIES_TRY(deadline, subscription_deadline(call.payload));
    COLONIES_TRY(wanted_ack, wants_ack(call.payload));
    ack = wanted_ack;
    std::lock_guard lock(mu_);
    COLONIES_CHECK(auth::require_member(registry_, call.caller, colony));
    if (scheduler::ActiveProcess* p = scheduler_.find(id)) {
      // Fix of spec §14.11: the process must belong to the colony the caller is a member of.
      if (p->process.spec.conditions.colonyname != colony) {
        return fail(ErrorCode::NotFound, "process {} not found in colony {}", id, colony);
      }
      current = p->process;
      if (ack) acknowledge(*stream, call.msgtype);
      hub_.subscribe_process(stream, colony, id, wanted, deadline);
    }
    return ok();
  }();
  if (!status) return refuse(*stream, status.error());

  if (current) {
    // `current` may not be durable yet: report it once everything enqueued before is committed.
    // Events of later changes reach the hub first (same commit thread, earlier or same batch), and
    // then win over this older view.
    commits_.submit({}, [this, stream, current = std::move(*current)](Status) { hub_.initial_state(stream.get(), current); });
    return;
  }
  // Not active: finished (then final, and its commit may still be in flight) or unknown. Read the
  // store after everything enqueued so far is durable; a final process is sent and ends at once.
  commits_.submit({}, [this, stream, colony, id, ack](Status) {
    blocking_([this, stream, colony, id, ack] {
      auto found = store_.get_process(id);
      if (!found) return refuse(*stream, found.error());
      if (!*found || (*found)->spec.conditions.colonyname != colony) {
        return refuse(*stream, Error{ErrorCode::NotFound, fmt::format("process {} not found in colony {}", id, colony)});
      }
      const model::Process& p = **found;
      if (ack) acknowledge(*stream, msg::kSubscribeProcess);
      stream->send(protocol::encode_reply(msg::kSubscribeProcess, model::to_json(p)));
      stream->end(fmt::format("process ended in state {}", model::to_string(p.state)));
    });
  });
}

void Broker::on_subscribe_channel(Call& call, const std::shared_ptr<realtime::Stream>& stream) {
  auto r = FieldReader::of(call.payload);
  ports::ChannelQuery query;
  bool active = false;
  bool ack = false;
  auto status = [&]() -> Status {
    COLONIES_CHECK(r.str("processid", query.processid));
    COLONIES_CHECK(r.str("name", query.name));
    COLONIES_CHECK(r.i64("afterseq", query.after_position));
    if (query.processid.empty()) return fail(ErrorCode::BadRequest, "processid is required");
    COLONIES_CHECK(valid_name("channel", query.name));
    if (query.after_position < 0) return fail(ErrorCode::BadRequest, "afterseq must be >= 0 (a position)");
    COLONIES_TRY(deadline, subscription_deadline(call.payload));
    COLONIES_TRY(wanted_ack, wants_ack(call.payload));
    ack = wanted_ack;
    std::lock_guard lock(mu_);
    if (scheduler::ActiveProcess* p = scheduler_.find(query.processid)) {
      COLONIES_CHECK(auth::require_member(registry_, call.caller, p->process.spec.conditions.colonyname));
      COLONIES_CHECK(may_use_channel(p->process, call.caller, query.name));
      // Under the lock: every entry appended after this point reaches the hub as an event.
      if (ack) acknowledge(*stream, call.msgtype);
      hub_.subscribe_channel(stream, p->process.spec.conditions.colonyname, query.processid, query.name,
                             query.after_position, deadline,
                             static_cast<std::size_t>(options_.channel_max_entries));
      active = true;
    }
    return ok();
  }();
  if (!status) return refuse(*stream, status.error());
  // The backlog from the store, once everything enqueued before is durable. A finished process
  // (or an unknown one) is checked there too; its backlog is all there will ever be.
  commits_.submit({}, [this, stream, query, active, ack, caller = call.caller](Status) {
    blocking_([this, stream, query, active, ack, caller] {
      auto outcome = [&]() -> Status {
        bool ended = active ? false : true;
        if (!active) {
          COLONIES_TRY(found, store_.get_process(query.processid));
          if (!found) return fail(ErrorCode::NotFound, "process {} not found", query.processid);
          {
            std::lock_guard lock(mu_);
            COLONIES_CHECK(auth::require_member(registry_, caller, found->spec.conditions.colonyname));
          }
          COLONIES_CHECK(may_use_channel(*found, caller, query.name));
          if (ack) acknowledge(*stream, msg::kSubscribeChannel);
          hub_.subscribe_channel(stream, found->spec.conditions.colonyname, query.processid, query.name,
                                 query.after_position, now() + kSecond, 1);
        }
        std::vector<model::ChannelEntry> backlog;
        ports::ChannelQuery page = query;
        page.limit = 1000;
        for (;;) {
          COLONIES_TRY(entries, store_.list_channel_entries(page));
          if (entries.empty()) break;
          page.after_position = entries.back().position;
          const bool last_page = static_cast<int>(entries.size()) < page.limit;
          backlog.insert(backlog.end(), std::make_move_iterator(entries.begin()), std::make_move_iterator(entries.end()));
          if (last_page) break;
        }
        hub_.channel_backlog(stream.get(), backlog, ended);
        return ok();
      }();
      if (!outcome) {
        hub_.unsubscribe(stream.get());
        refuse(*stream, outcome.error());
      }
    });
  });
}

}  // namespace colonies::server::api
