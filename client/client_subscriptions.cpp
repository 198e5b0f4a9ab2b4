// Client subscriptions: subscribeprocessesmsg and subscribeprocessmsg over a stream (the
// WebSocket at GET /api/ws). One stream per subscription; the first frame is the signed
// subscribe envelope, every later frame from the server is a reply envelope (an event, or an
// error such as the 408 that ends a subscription at its timeout).
#include "client/client.hpp"

#include <thread>

#include "client/reply_decoding.hpp"
#include "core/protocol/envelope.hpp"
#include "core/protocol/messages.hpp"
#include "core/protocol/status.hpp"

namespace colonies::client {

namespace msg = protocol::msg;

namespace {
// What the server uses when a subscription names no timeout (its maximum, by default).
constexpr int kServerMaxTimeoutS = 3600;
constexpr int kNormalClose = 1000;
// How long to wait between attempts to subscribe again after a failover.
constexpr auto kResubscribeDelay = std::chrono::milliseconds(250);

// Close codes (RFC 6455) after which another attempt may succeed: no close frame (0, 1006),
// going away (1001), internal error (1011), service restart (1012), try again later (1013).
bool resumable_close(int code) {
  return code == 0 || code == 1001 || code == 1006 || code == 1011 || code == 1012 || code == 1013;
}
}  // namespace

Subscription::Subscription(std::string msgtype, std::unique_ptr<StreamConnection> stream, std::string endpoint)
    : msgtype_(std::move(msgtype)), stream_(std::move(stream)), endpoint_(std::move(endpoint)) {}

Status Subscription::await_acknowledgement(std::chrono::milliseconds wait) {
  auto read = stream_->read(wait);
  if (!read) {
    resumable_ = read.error().code == ErrorCode::Unavailable;
    return std::unexpected(read.error());
  }
  auto frame = std::move(*read);
  if (!frame) {
    pending_.reset();
    ended_ = true;
    auto closed = stream_->closed();
    resumable_ = resumable_close(closed.code);
    return fail(ErrorCode::Unavailable, "{} closed the {} subscription before acknowledging it: {}", endpoint_, msgtype_,
                closed.reason.empty() ? fmt::format("close code {}", closed.code) : closed.reason);
  }
  auto reply = protocol::decode_reply(*frame);
  if (reply && !reply->error && reply->payloadtype == msg::kSubscribed) return ok();
  pending_ = std::move(*frame);  // an error frame or an event: next() reports it
  return ok();
}

Result<std::optional<json::value>> Subscription::next_payload(std::chrono::milliseconds wait) {
  if (ended_) return std::optional<json::value>{};
  std::optional<std::string> frame;
  if (pending_) {
    frame = std::move(pending_);
    pending_.reset();
  } else {
    auto read = stream_->read(wait);
    if (!read) {
      if (read.error().code == ErrorCode::Unavailable) {
        ended_ = true;
        resumable_ = true;
      }
      return std::unexpected(read.error());
    }
    frame = std::move(*read);
  }
  if (!frame) {
    ended_ = true;
    auto closed = stream_->closed();
    if (closed.code == kNormalClose) return std::optional<json::value>{};
    resumable_ = resumable_close(closed.code);
    return fail(ErrorCode::Unavailable, "{} ended by {}: {}", msgtype_, endpoint_,
                closed.reason.empty() ? fmt::format("close code {}", closed.code) : closed.reason);
  }
  auto reply = protocol::decode_reply(*frame);
  if (!reply) return std::unexpected(detail::malformed(msgtype_, reply.error()));
  if (reply->error) {
    ended_ = true;
    int status = 500;
    std::string message = "the server reported an error without a message";
    if (const auto* failure = reply->payload.if_object()) {
      if (const auto* s = failure->if_contains("status"); s && s->is_int64()) status = static_cast<int>(s->get_int64());
      if (const auto* m = failure->if_contains("message"); m && m->is_string()) message = std::string(m->get_string());
    }
    if (status == 408) {
      timed_out_ = true;
      return std::optional<json::value>{};
    }
    resumable_ = status == 503;
    return fail(protocol::error_code_from_http(status), "{}", message);
  }
  return std::optional<json::value>{std::move(reply->payload)};
}

Result<std::optional<model::Process>> Subscription::next(std::chrono::milliseconds wait) {
  COLONIES_TRY(payload, next_payload(wait));
  if (!payload) return std::optional<model::Process>{};
  auto process = detail::decode_one(msgtype_, *payload, model::process_from_json, "process");
  if (!process) return std::unexpected(process.error());
  return std::optional<model::Process>{std::move(*process)};
}

Result<std::optional<std::vector<model::ChannelEntry>>> Subscription::next_entries(std::chrono::milliseconds wait) {
  COLONIES_TRY(payload, next_payload(wait));
  if (!payload) return std::optional<std::vector<model::ChannelEntry>>{};
  auto entries = detail::decode_list(msgtype_, *payload, model::channel_entry_from_json, "entries");
  if (!entries) return std::unexpected(entries.error());
  return std::optional<std::vector<model::ChannelEntry>>{std::move(*entries)};
}

std::chrono::milliseconds Client::subscription_wait(int timeout_s) const {
  // The server ends the subscription at its timeout; the margin covers the trip back.
  return std::chrono::seconds(timeout_s > 0 ? timeout_s : kServerMaxTimeoutS) + config_.long_poll_margin;
}

Result<std::unique_ptr<Subscription>> Client::open_subscription(std::string_view msgtype, json::object payload,
                                                                int timeout_s) {
  last_reply_status_ = 0;
  if (!signer_) return fail(ErrorCode::Unauthenticated, "{} must be signed, but this client has no private key", msgtype);
  COLONIES_TRY(stream, transport_->open_stream(config_.request_timeout));
  payload["timeout"] = timeout_s;
  // Ask for the acknowledgement and wait for it, so that a caller that acts after this returns
  // (submits, closes, appends) is sure to see the events of what it did.
  payload["ack"] = true;
  // A fresh nonce and the current time, as for every call: the server refuses replays.
  std::string nonce = deps_.crypto->random_hex(16);
  std::int64_t now_s = deps_.clock->now() / 1'000'000'000;
  COLONIES_CHECK(stream->send(protocol::build_request(msgtype, std::move(payload), *signer_, nonce, now_s),
                              config_.request_timeout));
  auto subscription = std::make_unique<Subscription>(std::string(msgtype), std::move(stream), endpoint());
  COLONIES_CHECK(subscription->await_acknowledgement(config_.request_timeout));
  return subscription;
}

Result<std::unique_ptr<Subscription>> Client::open_processes_subscription(const std::string& colonyname,
                                                                          const std::string& executortype,
                                                                          std::optional<model::ProcessState> state,
                                                                          int timeout_s) {
  return open_subscription(msg::kSubscribeProcesses,
                           {{"colonyname", colonyname},
                            {"executortype", executortype},
                            {"state", state ? static_cast<int>(*state) : -1}},
                           timeout_s);
}

Result<std::unique_ptr<Subscription>> Client::open_process_subscription(const std::string& colonyname,
                                                                        const std::string& processid,
                                                                        model::ProcessState state, int timeout_s) {
  return open_subscription(
      msg::kSubscribeProcess,
      {{"colonyname", colonyname}, {"processid", processid}, {"executortype", ""}, {"state", static_cast<int>(state)}},
      timeout_s);
}

Result<std::unique_ptr<Subscription>> Client::open_channel_subscription(const std::string& processid,
                                                                        const std::string& name, std::int64_t afterseq,
                                                                        int timeout_s) {
  return open_subscription(msg::kSubscribeChannel, {{"processid", processid}, {"name", name}, {"afterseq", afterseq}},
                           timeout_s);
}

Result<std::unique_ptr<Subscription>> Client::resubscribe(
    const std::function<Result<std::unique_ptr<Subscription>>(int timeout_s)>& open, int timeout_s,
    std::chrono::steady_clock::time_point deadline, const Error& cause) {
  const auto give_up = std::chrono::steady_clock::now() + config_.resubscribe_patience;
  Error last = cause;
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= give_up) {
      return fail(ErrorCode::Unavailable, "{} (subscribing again for {} ms did not succeed: {})", cause.message,
                  config_.resubscribe_patience.count(), last.message);
    }
    int left_s = 0;
    if (timeout_s > 0) {
      left_s = static_cast<int>(std::chrono::ceil<std::chrono::seconds>(deadline - now).count());
      if (left_s <= 0) return std::unique_ptr<Subscription>{};  // the caller's timeout passed meanwhile
    }
    auto opened = open(left_s);
    if (opened) return opened;
    if (opened.error().code != ErrorCode::Unavailable) return std::unexpected(opened.error());
    last = opened.error();
    std::this_thread::sleep_for(kResubscribeDelay);
  }
}

Status Client::subscribe_processes(const std::string& colonyname, const std::string& executortype,
                                   std::optional<model::ProcessState> state, int timeout_s,
                                   const ProcessEvent& on_event) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  auto open = [&](int left_s) { return open_processes_subscription(colonyname, executortype, state, left_s); };
  COLONIES_TRY(subscription, open(timeout_s));
  for (;;) {
    auto event = subscription->next(subscription_wait(timeout_s));
    if (!event && subscription->resumable() && config_.resubscribe_patience.count() > 0) {
      // A failover cut the subscription: subscribe again (changes committed in between are not
      // replayed; docs/sdk.md).
      COLONIES_TRY(again, resubscribe(open, timeout_s, deadline, event.error()));
      if (!again) return ok();  // the timeout passed while subscribing again
      subscription = std::move(again);
      continue;
    }
    if (!event) {
      if (event.error().code != ErrorCode::Unavailable) last_reply_status_ = protocol::http_status(event.error().code);
      return std::unexpected(event.error());
    }
    if (!*event || !on_event(**event)) return ok();
  }
}

Result<model::Process> Client::wait_for_process(const std::string& colonyname, const std::string& processid,
                                                model::ProcessState state, int timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  auto open = [&](int left_s) { return open_process_subscription(colonyname, processid, state, left_s); };
  COLONIES_TRY(subscription, open(timeout_s));
  auto event = subscription->next(subscription_wait(timeout_s));
  // A failover cut the subscription: subscribe again; the server sends the process at once if it
  // reached the state meanwhile.
  while (!event && subscription->resumable() && config_.resubscribe_patience.count() > 0) {
    COLONIES_TRY(again, resubscribe(open, timeout_s, deadline, event.error()));
    if (!again) {
      last_reply_status_ = 408;
      return fail(ErrorCode::Timeout, "process {} did not reach state {} within the timeout", processid,
                  model::to_string(state));
    }
    subscription = std::move(again);
    event = subscription->next(subscription_wait(timeout_s));
  }
  if (!event) {
    if (event.error().code != ErrorCode::Unavailable) last_reply_status_ = protocol::http_status(event.error().code);
    return std::unexpected(event.error());
  }
  if (!*event) {
    if (subscription->timed_out()) {
      last_reply_status_ = 408;
      return fail(ErrorCode::Timeout, "process {} did not reach state {} within the timeout", processid,
                  model::to_string(state));
    }
    return fail(ErrorCode::Unavailable, "{} closed the subscription to process {} without an event", endpoint(),
                processid);
  }
  return std::move(**event);
}

}  // namespace colonies::client
