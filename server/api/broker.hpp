// The broker: one handler per message type, transport-independent. It authenticates each
// request, checks the caller's role, changes the in-memory state (registry + scheduler) under
// one lock, hands the changes to the group-commit queue, and replies once they are durable.
// History reads go to the store on a blocking pool, never on the caller's (I/O) thread.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/model/json.hpp"
#include "core/ports/clock.hpp"
#include "core/ports/crypto.hpp"
#include "core/ports/id_generator.hpp"
#include "core/ports/store.hpp"
#include "server/auth/authenticator.hpp"
#include "server/commit/commit_queue.hpp"
#include "server/realtime/event_hub.hpp"
#include "server/realtime/stream.hpp"
#include "server/registry/registry.hpp"
#include "server/scheduler/scheduler.hpp"

namespace colonies::server::api {

namespace json = boost::json;

struct ApiReply {
  int status = 200;
  std::string payloadtype;  // "error" for failures
  json::value payload;      // for failures: {"status", "message"}
};
// Receives the reply of one request; called exactly once, from any thread.
using ReplyFn = std::function<void(ApiReply)>;
// Runs blocking work (store reads) off the I/O threads.
using BlockingRunner = std::function<void(std::function<void()>)>;

struct BrokerOptions {
  std::string build_version = "dev";
  std::string build_time;
  std::string http_host = "127.0.0.1";
  int http_port = 50080;
  bool tls = false;
  std::int64_t replay_window_s = 300;
  std::int64_t max_poll_timeout_s = 3600;
  std::int64_t stale_executor_s = 600;  // <= 0 disables stale-executor cleanup
  // Channels (handlers_channels.cpp): bytes per message, messages per second per process with
  // bursts, entries per channel.
  std::size_t channel_message_limit = 1024 * 1024;
  double channel_rate = 100;
  double channel_burst = 500;
  std::int64_t channel_max_entries = 10000;
};

struct BrokerDeps {
  ports::Store& store;
  commit::CommitQueue& commits;
  const ports::Crypto& crypto;
  const ports::Clock& clock;
  ports::IdGenerator& ids;
  BlockingRunner blocking;
};

class Broker {
 public:
  // Installs the realtime hub as the commit queue's observer; the destructor removes it.
  Broker(BrokerDeps deps, BrokerOptions options);
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  // Rebuilds memory from the store: registry, active processes, deadlines, pause flags.
  // `initial_server_id`, when the store has none, becomes the server owner (and is stored).
  Status load(const std::string& initial_server_id);

  // Handles one request body (the POST /api envelope). Never blocks on I/O; thread-safe.
  // `alive` (optional, thread-safe) says whether the client is still connected; a parked
  // long-poll whose client left is not handed work.
  void handle(std::string body, ReplyFn reply, std::function<bool()> alive = {});

  // Starts a realtime subscription from the first frame of a subscriber connection (WebSocket):
  // the frame is authenticated like any request (signature, replay window, msgtype binding) and
  // role-checked; then events go to `stream` until the subscription ends. Failures are an error
  // frame followed by the end of the stream. Never blocks on I/O; thread-safe. (handlers_realtime.cpp)
  void subscribe(std::string frame, std::shared_ptr<realtime::Stream> stream);
  // The subscriber's connection is gone. Thread-safe.
  void unsubscribe(const realtime::Stream* stream) { hub_.unsubscribe(stream); }
  // Messages only a subscriber connection may carry (not POST /api).
  const std::vector<std::string>& stream_message_types() const { return stream_types_; }
  std::size_t subscriptions() const { return hub_.size(); }

  // Fires due deadlines: wait and exec limits, long-poll timeouts, stale executors. Call often
  // (every few tens of milliseconds) from any thread.
  void tick();

  // Fails every parked long-poll and ends every subscription with 503 (on shutdown, before the
  // transport closes).
  void shutdown();

  bool healthy() const { return commits_.healthy(); }
  struct Counters {
    std::size_t active_processes = 0;
    std::size_t queued_processes = 0;
    std::size_t parked_assigns = 0;
  };
  Counters counters();

  const std::vector<std::string>& message_types() const { return message_types_; }

  // One request as the handlers see it.
  struct Call {
    std::string msgtype;
    std::string caller;
    json::object payload;
    ReplyFn reply;
    std::function<bool()> alive;
  };
  // What a state-changing handler produced.
  struct Outcome {
    json::value payload = json::object{};
    std::vector<ports::Mutation> mutations;
    std::string payloadtype;  // defaults to the request's msgtype
  };

 private:
  using Handler = void (Broker::*)(Call&);
  void register_handlers();

  // Runs `body` under the lock; its mutations are committed and the reply sent once durable.
  void write(Call& call, const std::function<Result<Outcome>()>& body);
  // Runs `query` on the blocking pool and replies with its result.
  void read(Call& call, std::function<Result<json::value>()> query);
  // Replies through the commit queue so the reply follows everything committed before it.
  void reply_after_commit(ReplyFn reply, std::string payloadtype, Result<Outcome> outcome);
  static ApiReply error_reply(const Error& error);
  static ApiReply ok_reply(std::string payloadtype, json::value payload);

  // Helpers used under the lock.
  model::TimeNs now() const { return clock_.now(); }
  void touch(const std::string& colony, const std::string& caller, std::vector<ports::Mutation>& out);
  void persist(const scheduler::ActiveProcess& p, std::vector<ports::Mutation>& out);
  // Assigns `p` to the executor of `query`, returns the reply payload.
  json::value assign_to(scheduler::ActiveProcess* p, const scheduler::ExecutorQuery& query,
                        std::vector<ports::Mutation>& out);
  // Offers a newly assignable process to a parked long-poll.
  void dispatch(scheduler::ActiveProcess* p);
  // Re-queues a RUNNING process (exec deadline, executor removed); `count_retry` adds a retry.
  void requeue(scheduler::ActiveProcess* p, bool count_retry, std::vector<ports::Mutation>& out);
  // Moves an active process to a final state and forgets it. Returns the final process.
  model::Process finish(scheduler::ActiveProcess* p, model::ProcessState state, std::vector<ports::Mutation>& out);
  void record_function_stats(const model::Process& p, std::vector<ports::Mutation>& out);
  std::string wait_reason(const scheduler::ActiveProcess& p);
  // Puts an executor's RUNNING processes back in the queue (committed at once) and offers them.
  void requeue_executor_processes(const std::string& executorid, const std::string& colony);
  // Ends the long-polls of one executor (or all, with an empty id) of a colony; they get a 408
  // and learn what changed on their next call.
  void end_waiters_of(const std::string& colony, const std::string& executorid);
  void resume_waiters(const std::string& colony);
  void expire_stale_executors();

  // Handlers, grouped by file: handlers_server.cpp, handlers_users_executors.cpp,
  // handlers_processes.cpp, handlers_misc.cpp.
  void on_version(Call& call);
  void on_server_info(Call& call);
  void on_statistics(Call& call);
  void on_change_server_id(Call& call);
  void on_add_colony(Call& call);
  void on_remove_colony(Call& call);
  void on_get_colony(Call& call);
  void on_get_colonies(Call& call);
  void on_colony_stats(Call& call);
  void on_change_colony_id(Call& call);
  void on_add_user(Call& call);
  void on_get_users(Call& call);
  void on_get_user(Call& call);
  void on_get_user_by_id(Call& call);
  void on_remove_user(Call& call);
  void on_change_user_id(Call& call);
  void on_add_executor(Call& call);
  void on_get_executors(Call& call);
  void on_get_executor(Call& call);
  void on_get_executor_by_id(Call& call);
  void on_approve_executor(Call& call);
  void on_reject_executor(Call& call);
  void on_remove_executor(Call& call);
  void on_report_allocation(Call& call);
  void on_update_executor(Call& call);
  void on_change_executor_id(Call& call);
  void on_add_function(Call& call);
  void on_get_functions(Call& call);
  void on_remove_function(Call& call);
  void on_submit(Call& call);
  void on_assign(Call& call);
  void on_get_process(Call& call);
  void on_get_processes(Call& call);
  void on_process_history(Call& call);
  void on_remove_process(Call& call);
  void on_remove_all_processes(Call& call);
  void on_close_successful(Call& call);
  void on_close_failed(Call& call);
  void on_set_output(Call& call);
  void on_cancel(Call& call);
  void on_pause(Call& call);
  void on_resume(Call& call);
  void on_pause_status(Call& call);
  void on_add_attribute(Call& call);
  void on_get_attribute(Call& call);
  void on_add_log(Call& call);
  void on_add_executor_log(Call& call);
  void on_get_logs(Call& call);
  void on_search_logs(Call& call);
  void on_add_location(Call& call);
  void on_get_locations(Call& call);
  void on_get_location(Call& call);
  void on_remove_location(Call& call);
  void on_channel_append(Call& call);
  void on_channel_read(Call& call);

  // Realtime subscriptions (handlers_realtime.cpp); the reply goes to the stream, not call.reply.
  using StreamHandler = void (Broker::*)(Call&, const std::shared_ptr<realtime::Stream>&);
  void on_subscribe_processes(Call& call, const std::shared_ptr<realtime::Stream>& stream);
  void on_subscribe_process(Call& call, const std::shared_ptr<realtime::Stream>& stream);
  void on_subscribe_channel(Call& call, const std::shared_ptr<realtime::Stream>& stream);
  // Sends an error frame and ends the stream.
  static void refuse(realtime::Stream& stream, const Error& error);
  // The subscription deadline for a payload's `timeout` (seconds; <= 0 = the maximum).
  Result<model::TimeNs> subscription_deadline(const json::object& payload) const;

  // Shared by close successful / close failed: the final state of a process the caller holds,
  // or of one only the store knows (then a 409 or 404).
  void close_process(Call& call, model::ProcessState state);
  // Shared by the messages about one process (get, close, cancel, remove): see the .cpp.
  using ActiveFn = std::function<Result<Outcome>(scheduler::ActiveProcess*)>;
  using FinishedFn = std::function<Result<Outcome>(const model::Process&, const std::string& caller)>;
  void on_process(Call& call, const std::string& id, const ActiveFn& active, FinishedFn finished);
  // Shared by getprocessesmsg and getprocesshistmsg: answers `parsed`'s error, or the listing.
  void list_processes(Call& call, const Status& parsed, const ports::ProcessFilter& filter);
  // Forgets an active process: scheduler entry and channel state. Under the lock.
  void forget(const std::string& processid) {
    scheduler_.remove(processid);
    channels_.erase(processid);
  }
  // Channel state of an active process: positions, each sender's last sequence, rate budget.
  struct ChannelHead {
    std::int64_t last_position = 0;
    std::int64_t entries = 0;
    std::unordered_map<std::string, std::int64_t> last_sequence;  // by sender ID
  };
  struct ChannelBudget {
    double tokens = 0;
    model::TimeNs refilled = 0;  // 0: never used (a full bucket)
  };
  struct ProcessChannels {
    std::unordered_map<std::string, ChannelHead> heads;  // by channel name
    ChannelBudget budget;
  };
  // 403 unless the caller is the process's submitter or assigned executor; 404 for a channel
  // the spec does not declare.
  Status may_use_channel(const model::Process& p, const std::string& caller, const std::string& name) const;
  // Token bucket on the injected clock: false when the process's channels are over their rate.
  bool take_channel_token(ChannelBudget& budget);

  // Shared by statistics handlers.
  void statistics(Call& call, const std::string& colony);

  ports::Store& store_;
  commit::CommitQueue& commits_;
  const ports::Crypto& crypto_;
  const ports::Clock& clock_;
  ports::IdGenerator& ids_;
  BlockingRunner blocking_;
  BrokerOptions options_;
  std::unique_ptr<auth::Authenticator> auth_;
  std::unordered_map<std::string, Handler> handlers_;
  std::vector<std::string> message_types_;
  std::unordered_map<std::string, StreamHandler> stream_handlers_;
  std::vector<std::string> stream_types_;
  realtime::EventHub hub_;

  std::mutex mu_;  // guards everything below
  registry::Registry registry_;
  scheduler::Scheduler scheduler_;
  std::unordered_map<std::string, bool> paused_;
  std::unordered_map<std::string, ProcessChannels> channels_;  // by processid; active processes only
  model::TimeNs last_stale_check_ = 0;
  model::TimeNs started_at_ = 0;
  bool shutting_down_ = false;
};

}  // namespace colonies::server::api
