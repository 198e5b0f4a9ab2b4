// Node: leading, following and the hand-over between them. See node.hpp.
#include "server/main/node.hpp"

#include <cstdlib>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "core/protocol/envelope.hpp"
#include "core/protocol/messages.hpp"

namespace colonies::server {

namespace asio = boost::asio;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

// A relayed call may be a long-poll: the leader holds it for up to its timeout.
constexpr auto kRelayTimeout = std::chrono::minutes(15);
constexpr auto kRetryDelay = std::chrono::milliseconds(100);
constexpr auto kLeadRetryDelay = std::chrono::seconds(1);
constexpr auto kRelayConnectTimeout = std::chrono::seconds(10);
// WebSocket close codes (RFC 6455) a relayed subscription ends with.
constexpr int kServiceRestart = 1012;
constexpr int kTryAgainLater = 1013;

EncodedReply unavailable(std::string message) { return {503, protocol::encode_error_reply(503, message)}; }

}  // namespace

struct Node::Relay {
  std::string body;
  EncodedReplyFn reply;
  std::function<bool()> alive;
  bool assign = false;  // an assign long-poll: safe to ask the next leader again
  bool retried = false;  // waited for a leader at least once
  Clock::time_point give_up;
  std::string last_error;
};

Node::Node(api::BrokerDeps deps, api::BrokerOptions broker_options, NodeOptions options, asio::io_context& io)
    : deps_(deps), broker_options_(std::move(broker_options)), options_(std::move(options)), io_(io), forwarder_(io), ws_forwarder_(io) {}

Node::~Node() = default;

Status Node::start() {
  if (options_.clustered) return ok();
  return lead();
}

Status Node::lead() {
  const auto started = Clock::now();
  const std::int64_t epoch = deps_.leadership.epoch();
  if (options_.clustered) {
    // Fences the previous leader: from this commit on, its transactions fail.
    COLONIES_CHECK(deps_.store.claim_epoch(epoch, options_.member_name));
  }
  auto broker = std::make_unique<api::Broker>(deps_, broker_options_);
  COLONIES_CHECK(broker->load(options_.initial_server_id));
  broker_ = std::move(broker);
  led_epoch_ = epoch;
  active_ = broker_.get();
  if (options_.clustered) {
    const auto counters = broker_->counters();
    spdlog::info("leading the cluster as {} in epoch {}: state rebuilt from the store in {} ms ({} active processes)",
                 options_.member_name, epoch,
                 std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count(),
                 counters.active_processes);
  }
  return ok();
}

void Node::tick() {
  if (auto* broker = active_.load()) {
    if (deps_.store.fenced()) step_down("the store is claimed by a newer leader (fenced)");
    if (!deps_.leadership.is_leader()) step_down("the election lease was lost");
    broker->tick();
    return;
  }
  if (!options_.clustered || !deps_.leadership.is_leader() || Clock::now() < next_attempt_) return;
  if (taking_lead_.exchange(true)) return;
  // Claiming the store and loading it block: off the io threads.
  deps_.blocking([this] {
    if (auto led = lead(); !led) {
      if (led.error().code == ErrorCode::Conflict) step_down(led.error().message);
      spdlog::error("elected, but cannot take the lead yet (retrying): {}", led.error().message);
      next_attempt_ = Clock::now() + kLeadRetryDelay;
    }
    taking_lead_ = false;
  });
}

void Node::step_down(const std::string& why) {
  spdlog::critical("{} stops leading (epoch {}): {}; exiting so that it restarts as a follower", options_.member_name,
                   led_epoch_.load(), why);
  spdlog::default_logger()->flush();
  // No destructor runs: nothing more may reach the store from this process.
  std::_Exit(3);
}

void Node::handle(std::string body, EncodedReplyFn reply, std::function<bool()> alive) {
  if (auto* broker = active_.load()) {
    broker->handle(std::move(body), [this, reply = std::move(reply)](api::ApiReply r) {
      // Encoding happens on an I/O thread, not on the commit thread that may call this.
      asio::post(io_, [reply, r = std::move(r)] {
        EncodedReply encoded;
        encoded.status = r.status;
        encoded.body = r.payloadtype == "error"
                           ? protocol::encode_error_reply(r.status, r.payload.at("message").as_string())
                           : protocol::encode_reply(r.payloadtype, r.payload);
        reply(std::move(encoded));
      });
    }, std::move(alive));
    return;
  }
  relayed_.add();
  auto call = std::make_shared<Relay>();
  if (auto envelope = protocol::decode_envelope(body)) {
    call->assign = envelope->payloadtype == protocol::msg::kAssignProcess ||
                   envelope->payloadtype == protocol::msg::kAssignProcesses;
  }
  call->body = std::move(body);
  call->reply = std::move(reply);
  call->alive = std::move(alive);
  call->give_up = Clock::now() + options_.relay_patience;
  relay(std::move(call));
}

void Node::relay(std::shared_ptr<Relay> call) {
  if (active_.load() != nullptr) {  // became leader meanwhile
    handle(std::move(call->body), std::move(call->reply), std::move(call->alive));
    return;
  }
  auto leader = deps_.leadership.leader();
  if (!leader || leader->name == options_.member_name) {
    call->last_error = leader ? "this server was just elected and is taking the lead" : "no leader is elected";
    retry_later(std::move(call));
    return;
  }
  auto target = transport::parse_member_url(leader->url);
  if (!target) {
    call->reply(unavailable(fmt::format("cannot relay to the leader {}: {}", leader->name, target.error().message)));
    return;
  }
  const auto body = call->body;
  forwarder_.post(*target, "/api", body, kRelayTimeout,
                  [this, call, name = leader->name](transport::ForwardResult result) {
                    if (result.status == 401 && call->retried) {
                      // A leader elected while the call waited refuses envelopes signed before
                      // it took the lead (it cannot know the nonces its predecessor saw): the
                      // caller signs it again, which a 503 makes every client do.
                      call->reply(unavailable(fmt::format(
                          "the leader changed while this request waited ({}); send it again", call->last_error)));
                      return;
                    }
                    if (result.status != 0) {
                      call->reply({result.status, std::move(result.body)});
                      return;
                    }
                    call->last_error = fmt::format("leader {}: {}", name, result.error);
                    // A call the leader may have carried out is not repeated, except a long-poll
                    // for work: the worst a repeat does is leave one assignment to expire.
                    if (!result.delivered || call->assign) {
                      retry_later(call);
                      return;
                    }
                    call->reply(unavailable(fmt::format(
                        "the leader was lost while handling this request; its outcome is unknown ({})",
                        call->last_error)));
                  });
}

void Node::retry_later(std::shared_ptr<Relay> call) {
  call->retried = true;
  if (Clock::now() >= call->give_up || (call->alive && !call->alive())) {
    call->reply(unavailable(fmt::format("no leader to handle this request: {}; retry shortly", call->last_error)));
    return;
  }
  auto timer = std::make_shared<asio::steady_timer>(io_, kRetryDelay);
  timer->async_wait([this, timer, call](const boost::system::error_code& error) {
    if (error) {
      call->reply(unavailable("server is shutting down"));
      return;
    }
    relay(call);
  });
}

void Node::shutdown() {
  if (auto* broker = active_.load()) broker->shutdown();
}

std::shared_ptr<transport::WsRelay> Node::relay_subscription(std::string first_frame, RelayedSubscriber subscriber) {
  // No leader to relay to: a 503 frame, then "try again later".
  auto refuse = [&subscriber](const std::string& frame_message, std::string why) {
    subscriber.send(protocol::encode_error_reply(503, frame_message));
    subscriber.close(kTryAgainLater, std::move(why));
    return nullptr;
  };
  auto leader = deps_.leadership.leader();
  if (!leader || leader->name == options_.member_name) {
    const std::string why = leader ? "this server was just elected and is taking the lead" : "no leader is elected";
    return refuse(why + "; subscribe again shortly", why);
  }
  auto target = transport::parse_member_url(leader->url);
  if (!target) {
    auto why = fmt::format("cannot relay to the leader {}: {}", leader->name, target.error().message);
    return refuse(why, why);
  }
  transport::WsRelayHandlers handlers;
  // The relay is closed when the subscriber leaves; a weak reference keeps the two from owning
  // each other.
  auto relay_slot = std::make_shared<std::weak_ptr<transport::WsRelay>>();
  handlers.on_frame = [send = subscriber.send, relay_slot](std::string frame) {
    if (send(std::move(frame))) return;
    if (auto relay = relay_slot->lock()) relay->close();
  };
  handlers.on_end = [close = subscriber.close, name = leader->name](int code, std::string reason) {
    if (code != 0) return close(code, std::move(reason));
    close(kServiceRestart, fmt::format("leader {}: {}; subscribe again", name, reason));
  };
  auto relay = ws_forwarder_.open(*target, "/api/ws", std::move(first_frame), kRelayConnectTimeout, std::move(handlers));
  *relay_slot = relay;
  return relay;
}

std::pair<bool, json::object> Node::health() {
  json::object body;
  auto* broker = active_.load();
  const bool healthy = broker != nullptr ? broker->healthy() : true;
  body["status"] = healthy ? "ok" : "storage unavailable";
  body["leader"] = broker != nullptr;
  if (options_.clustered) {
    body["role"] = broker != nullptr ? "leader" : "follower";
    body["member"] = options_.member_name;
    auto leader = deps_.leadership.leader();
    body["leadername"] = leader ? leader->name : "";
    body["epoch"] = broker != nullptr ? led_epoch_.load() : 0;
  }
  if (broker != nullptr) {
    auto counters = broker->counters();
    body["activeprocesses"] = counters.active_processes;
    body["queuedprocesses"] = counters.queued_processes;
    body["parkedassigns"] = counters.parked_assigns;
    body["ratelimited"] = counters.rate_limited;
  }
  return {healthy, std::move(body)};
}

}  // namespace colonies::server
