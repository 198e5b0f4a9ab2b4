// The broker: one handler per message type, transport-independent. It authenticates each
// request, checks the caller's role, changes the in-memory state (registry + scheduler) under
// one lock, hands the changes to the group-commit queue, and replies once they are durable.
// History reads go to the store on a blocking pool, never on the caller's (I/O) thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/model/cron_schedule.hpp"
#include "core/model/json.hpp"
#include "core/model/workflow.hpp"
#include "core/ports/clock.hpp"
#include "core/ports/crypto.hpp"
#include "core/ports/id_generator.hpp"
#include "core/ports/leader_election.hpp"
#include "core/ports/random.hpp"
#include "core/ports/store.hpp"
#include "server/api/request_metrics.hpp"
#include "server/audit/audit_chain.hpp"
#include "server/auth/authenticator.hpp"
#include "server/commit/commit_queue.hpp"
#include "server/limits/rate_limiter.hpp"
#include "server/realtime/event_hub.hpp"
#include "server/realtime/stream.hpp"
#include "server/registry/registry.hpp"
#include "server/scheduler/scheduler.hpp"
#include "server/triggers/triggers.hpp"
#include "server/workflow/graph.hpp"

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
  int grpc_port = 0;  // 0: no gRPC listener (getserverinfomsg lists it otherwise)
  std::int64_t replay_window_s = 300;
  std::int64_t max_poll_timeout_s = 3600;
  // Items in one batched request (submitfuncspecsmsg specs, closeprocessesmsg closes) and the
  // most processes one assignprocessesmsg may take.
  std::size_t batch_limit = 10000;
  std::int64_t stale_executor_s = 600;  // <= 0 disables stale-executor cleanup
  // Channels (handlers_channels.cpp): bytes per message, messages per second per process with
  // bursts, entries per channel.
  std::size_t channel_message_limit = 1024 * 1024;
  limits::RateLimit channel_rate{100, 500};
  std::int64_t channel_max_entries = 10000;
  // Retention (leader only): finished processes, graphs and logs older than this many seconds
  // are deleted every `retention_period_s`; 0 keeps everything.
  std::int64_t retention_s = 0;
  std::int64_t retention_period_s = 60;
  // Audit ledger entries older than this many seconds are pruned (leader only, every
  // `retention_period_s`), leaving a checkpoint; 0 keeps the whole ledger (docs/audit.md).
  std::int64_t audit_retention_s = 0;
  int cron_checker_period_ms = 1000;       // how often the leader looks for due crons
  int generator_checker_period_ms = 1000;  // how often the leader looks at generator queues
  // Signed requests per second of one identity (the signer), with bursts: refused with 429 past
  // it (coloniesd --rate-limit, --rate-burst). Off (rate 0) unless set: coloniesd sets its default.
  limits::RateLimit request_rate{};
  // Which parked long-poll gets a new process (coloniesd --long-poll-order).
  scheduler::WaiterOrder waiter_order = scheduler::WaiterOrder::Fifo;
  // Zone of cron expressions without a CRON_TZ=/TZ= prefix.
  model::CronZone cron_default_zone = model::CronZone::local_or_utc();
};

struct BrokerDeps {
  ports::Store& store;
  commit::CommitQueue& commits;
  const ports::Crypto& crypto;
  const ports::Clock& clock;
  ports::IdGenerator& ids;
  BlockingRunner blocking;
  // Whether this server runs the leader-only work (crons, generators).
  const ports::LeaderElection& leadership;
  ports::Random& random;  // `random` crons
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

  // Fires due deadlines: wait and exec limits, long-poll timeouts, stale executors; and, on the
  // leader, due crons and ready generators. Call often (every few tens of milliseconds) from any
  // thread.
  void tick();

  // Fails every parked long-poll and ends every subscription with 503 (on shutdown, before the
  // transport closes).
  void shutdown();

  bool healthy() const { return commits_.healthy(); }
  struct Counters {
    std::size_t active_processes = 0;
    std::size_t queued_processes = 0;
    std::size_t parked_assigns = 0;
    std::uint64_t rate_limited = 0;  // requests refused by the per-identity rate limit since start
  };
  Counters counters();

  // Hot-path measurements (request_metrics.hpp); lock-free to read.
  const RequestMetrics& request_metrics() const { return *request_metrics_; }
  // What a metrics scrape reads under the lock: cheap (no pass over the processes), but it does
  // hold the lock for a pass over the executors and the queue keys.
  struct ExecutorGauge {
    std::string colony;
    std::string type;
    std::size_t pending = 0;
    std::size_t approved = 0;
    std::size_t rejected = 0;
    std::size_t alive = 0;  // approved, and parked in a long-poll or heard from within kAliveWindow
  };
  static constexpr std::int64_t kAliveWindowS = 60;
  struct Gauges {
    std::vector<scheduler::TypeCount> queued;  // assignable processes per (colony, executor type)
    std::vector<scheduler::TypeCount> parked;  // parked long-polls per (colony, executor type)
    std::vector<ExecutorGauge> executors;      // sorted by colony, then type
    std::size_t active_processes = 0;          // WAITING and RUNNING
    std::size_t active_graphs = 0;
    std::size_t colonies = 0;
    std::uint64_t rate_limited = 0;
  };
  Gauges gauges();

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
  // Replacements for the root nodes of a new graph (crons pass the previous run's leaf outputs
  // as `in`; generators pass the packed arguments as `args`). Unset = the spec's own.
  struct GraphOverrides {
    std::optional<json::array> in;
    std::optional<json::array> args;
  };

 private:
  using Handler = void (Broker::*)(Call&);
  void register_handlers();

  // Charges one request of `caller` to the per-identity rate limit: RateLimited (429) when its
  // bucket is empty. Thread-safe; takes no broker lock.
  Status admit_rate(const std::string& caller, std::string_view msgtype);
  // Runs `body` under the lock; its mutations are committed and the reply sent once durable.
  void write(Call& call, const std::function<Result<Outcome>()>& body);
  // Runs `query` on the blocking pool and replies with its result.
  void read(Call& call, std::function<Result<json::value>()> query);
  // Replies through the commit queue so the reply follows everything committed before it. For a
  // recorded request (an AuditedReply) its audit entry joins the outcome's mutations. Under the lock.
  void reply_after_commit(ReplyFn reply, std::string payloadtype, Result<Outcome> outcome);
  // The reply of a request the audit ledger records (handle() installs it; docs/audit.md).
  // reply_after_commit takes the entry out and commits it with the request's mutations; a reply
  // sent any other way (an error found before the lock) commits the entry alone first. Either
  // way the client hears back only once its entry is durable.
  struct AuditedReply {
    std::shared_ptr<model::AuditEntry> entry;  // shared: std::function copies its target
    ReplyFn reply;
    commit::CommitQueue* commits;
    void operator()(ApiReply r);
  };
  // The AppendAudit of a recorded request with this outcome, unwrapping `reply` to the client's
  // own; nullopt for a request not recorded. `payload` is the reply's, when it succeeded.
  std::optional<ports::Mutation> take_audit(ReplyFn& reply, int status, const json::value* payload);
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
  // Moves an active process to a final state and forgets it; a node of a graph then updates its
  // graph (releases children, failure policy). Returns the final process.
  model::Process finish(scheduler::ActiveProcess* p, model::ProcessState state, std::vector<ports::Mutation>& out);
  // finish() without the graph update, for the graph's own cascades.
  model::Process retire(scheduler::ActiveProcess* p, model::ProcessState state, std::vector<ports::Mutation>& out);
  void record_function_stats(const model::Process& p, std::vector<ports::Mutation>& out);
  std::string wait_reason(const scheduler::ActiveProcess& p);
  // Puts an executor's RUNNING processes back in the queue (committed at once) and offers them.
  void requeue_executor_processes(const std::string& executorid, const std::string& colony);
  // Ends the long-polls of one executor (or all, with an empty id) of a colony; they get a 408
  // and learn what changed on their next call.
  void end_waiters_of(const std::string& colony, const std::string& executorid);
  void resume_waiters(const std::string& colony);
  void expire_stale_executors();

  // ---- workflows (workflows.cpp); all under the lock.
  // Creates a graph from a validated workflow: one process per node, roots queued, the rest
  // waiting for their parents. `initiatorid`/`initiatorname` become every process's initiator.
  // Appends the processes' and the graph's mutations to `out`; the roots are offered to parked
  // executors once `out` has been handed to the commit queue (reply_after_commit does that).
  // Fails only when an id collides; nothing is changed then.
  Result<model::ProcessGraph> create_process_graph(const model::ValidatedWorkflow& workflow,
                                                   const std::string& initiatorid, const std::string& initiatorname,
                                                   const GraphOverrides& overrides, std::vector<ports::Mutation>& out);
  workflow::Graph* graph_of(const model::Process& p);
  // A node of a graph moved between WAITING and RUNNING (assign, re-queue).
  void graph_node_moved(const model::Process& p, std::vector<ports::Mutation>& out);
  // A node of a graph reached a final state: release, failure policy, graph state.
  void graph_node_final(const model::Process& p, std::vector<ports::Mutation>& out);
  // Makes a node whose parents all succeeded assignable, with its input.
  void release_node(workflow::Graph& g, workflow::Node& node, std::vector<ports::Mutation>& out);
  // The failure policy: closes the graph's WAITING nodes as FAILED, naming the failed node.
  void stop_after_failure(workflow::Graph& g, const model::Process& failed, std::vector<ports::Mutation>& out);
  // Cancels the graph's WAITING and RUNNING nodes.
  void cancel_graph(workflow::Graph& g, std::vector<ports::Mutation>& out);
  // Writes the graph record when its state or end changed; forgets the graph once it ended.
  void sync_graph(workflow::Graph& g, std::vector<ports::Mutation>& out, bool force = false);
  // Forgets a graph and its (WAITING) processes from memory, for removal.
  void drop_graph(const std::string& processgraphid);
  // Rebuilds the active graphs of a snapshot (after the processes were added to the scheduler).
  Status restore_graphs(ports::Snapshot& snapshot);
  // Offers the nodes released since the last call to parked executors. Called right after the
  // mutations that released them were handed to the commit queue, so the store sees the
  // release before any assignment.
  void dispatch_released();
  json::object graph_json(const workflow::Graph& g) const { return model::to_json(g.record()); }

  // Handlers, grouped by file: handlers_server.cpp, handlers_users_executors.cpp,
  // handlers_processes.cpp, handlers_misc.cpp.
  void on_version(Call& call);
  void on_server_info(Call& call);
  void on_statistics(Call& call);
  void on_cluster(Call& call);
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
  // Batches (handlers_batches.cpp): many processes per signed request, per-item results.
  void on_submit_batch(Call& call);
  void on_assign_batch(Call& call);
  void on_close_batch(Call& call);
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
  // handlers_audit.cpp: the audit ledger.
  void on_get_audit(Call& call);
  void on_get_audit_head(Call& call);

  // Realtime subscriptions (handlers_realtime.cpp); the reply goes to the stream, not call.reply.
  using StreamHandler = void (Broker::*)(Call&, const std::shared_ptr<realtime::Stream>&);
  void on_subscribe_processes(Call& call, const std::shared_ptr<realtime::Stream>& stream);
  void on_subscribe_process(Call& call, const std::shared_ptr<realtime::Stream>& stream);
  void on_subscribe_channel(Call& call, const std::shared_ptr<realtime::Stream>& stream);
  // Sends an error frame and ends the stream.
  static void refuse(realtime::Stream& stream, const Error& error);
  // The subscription deadline for a payload's `timeout` (seconds; <= 0 = the maximum).
  Result<model::TimeNs> subscription_deadline(const json::object& payload) const;
  // handlers_files.cpp: ColonyFS metadata.
  void on_add_file(Call& call);
  void on_get_file(Call& call);
  void on_get_files(Call& call);
  void on_get_file_labels(Call& call);
  void on_remove_file(Call& call);
  void on_create_snapshot(Call& call);
  void on_get_snapshot(Call& call);
  void on_get_snapshots(Call& call);
  void on_remove_snapshot(Call& call);
  void on_remove_all_snapshots(Call& call);
  // Runs `query` (store reads) on the blocking pool, then `apply` with its result under the
  // lock; apply's mutations are committed and the reply sent once durable.
  template <class T>
  void read_then_write(Call& call, std::function<Result<T>()> query, std::function<Result<Outcome>(T&)> apply);
  // handlers_triggers.cpp
  void on_add_cron(Call& call);
  void on_get_cron(Call& call);
  void on_get_crons(Call& call);
  void on_run_cron(Call& call);
  void on_remove_cron(Call& call);
  void on_add_generator(Call& call);
  void on_get_generator(Call& call);
  void on_resolve_generator(Call& call);
  void on_get_generators(Call& call);
  void on_pack_generator(Call& call);
  void on_remove_generator(Call& call);
  void on_submit_workflow(Call& call);
  void on_get_process_graph(Call& call);
  void on_get_process_graphs(Call& call);
  void on_remove_process_graph(Call& call);
  void on_remove_all_process_graphs(Call& call);
  void on_cancel_process_graph(Call& call);
  void on_add_child(Call& call);

  // Shared by close successful / close failed: the final state of a process the caller holds,
  // or of one only the store knows (then a 409 or 404).
  void close_process(Call& call, model::ProcessState state);

  // ---- Shared by the single and the batched process messages (handlers_processes.cpp,
  // handlers_batches.cpp).
  struct NewProcess {
    model::Process process;
    model::Requirements req;
  };
  // Decodes and validates one FunctionSpec (`path` names it in errors) and gives the process its
  // ids. No lock needed.
  Result<NewProcess> prepare_submission(const json::value* spec, const std::string& path);
  // Under the lock: the caller must be a member of the spec's colony; queues the process and
  // appends its mutations to `out`, and its JSON to `reply` unless that is null (a brief batch
  // item needs only the id). The caller dispatches the returned process once `out` has been
  // handed to the commit queue, so its assignment commits after it.
  Result<scheduler::ActiveProcess*> admit(NewProcess np, const std::string& caller,
                                          std::vector<ports::Mutation>& out, json::value* reply);
  struct AssignRequest {
    std::string colony;
    std::int64_t timeout = 0;
    scheduler::Availability available;
  };
  static Result<AssignRequest> parse_assign(const json::object& payload);
  // Answers an assign for up to `count` processes: at once when some fit, else by parking a
  // long-poll. A batch replies with the array of processes, a single assign with the process.
  void serve_assign(Call& call, const AssignRequest& request, std::size_t count, bool batch);
  // Under the lock: assigns `first` (when set) and then the best fitting processes until `count`
  // are taken, deducting each one's CPU, memory and GPUs from the executor's offer.
  json::array assign_up_to(scheduler::ActiveProcess* first, scheduler::ExecutorQuery query, std::size_t count,
                           std::vector<ports::Mutation>& out);
  // Under the lock: closes a RUNNING process the caller holds (403 otherwise) in `state`, with
  // its output (success) or errors (failure). Returns the final process.
  Result<model::Process> close_active(scheduler::ActiveProcess* p, const std::string& caller, model::ProcessState state,
                                      json::array out_values, std::vector<std::string> errors,
                                      std::vector<ports::Mutation>& out);
  // Why a process only the store knows (it is final) cannot be closed by `caller`: 403 or 409.
  static Error closed_already(const model::Process& found, const std::string& caller);
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
  struct ProcessChannels {
    std::unordered_map<std::string, ChannelHead> heads;  // by channel name
    limits::TokenBucket budget;
  };
  // 403 unless the caller is the process's submitter or assigned executor; 404 for a channel
  // the spec does not declare.
  Status may_use_channel(const model::Process& p, const std::string& caller, const std::string& name) const;

  // Shared by statistics handlers.
  void statistics(Call& call, const std::string& colony);

  // Crons and generators (triggers.cpp, handlers_triggers.cpp), under the lock.
  // The cron or generator named by the payload, if the caller is a member of its colony.
  Result<const model::Cron*> member_cron(const Call& call);
  Result<const model::Generator*> member_generator(const Call& call);
  json::object cron_json(const model::Cron& c) const;
  json::object generator_json(const model::Generator& g) const;
  // Checks the JSON text of a WorkflowSpec for a cron or generator of `colony`; returns it
  // normalised (colonyname filled in).
  Result<std::string> check_workflowspec(const std::string& text, const std::string& colony, std::string_view what);
  // When the cron runs next after `now` (interval, random point of the interval, or expression).
  Result<model::TimeNs> next_cron_run(const model::Cron& cron, model::TimeNs now);
  // Starts the cron's workflow now, unless it waits for a previous graph still active (then a
  // Conflict when `manual`, nothing otherwise). Advances nextrun/lastrun either way it starts.
  Status start_cron(const std::string& cronid, model::TimeNs now, bool manual, std::vector<ports::Mutation>& out);
  // Starts one workflow of the generator with its `n` oldest queued args.
  Status release_generator(const std::string& generatorid, std::size_t n, model::TimeNs now,
                           std::vector<ports::Mutation>& out);
  // Due crons and ready generators, every checker period, on the leader only.
  void run_triggers(model::TimeNs now, std::vector<ports::Mutation>& out);
  // A graph ended: crons that started it record its leaves' output for their next run.
  void graph_ended(const workflow::Graph& g, std::vector<ports::Mutation>& out);

  ports::Store& store_;
  commit::CommitQueue& commits_;
  const ports::Crypto& crypto_;
  const ports::Clock& clock_;
  ports::IdGenerator& ids_;
  BlockingRunner blocking_;
  const ports::LeaderElection& leadership_;
  ports::Random& random_;
  BrokerOptions options_;
  std::unique_ptr<auth::Authenticator> auth_;
  std::unique_ptr<RequestMetrics> request_metrics_;  // set in the constructor, after the handler table
  limits::RateLimiter request_limiter_;
  audit::AuditChain audit_chain_;  // the commit queue's sealer while this broker lives
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
  // ColonyFS: the last sequencenr handed out (files are metadata in the store only), and every
  // snapshot's name per colony (name -> snapshotid), so names stay unique per colony although
  // two creates race through the group commit.
  std::int64_t file_sequencenr_ = 0;
  std::unordered_map<std::string, std::map<std::string, std::string>> snapshot_names_;
  std::unordered_map<std::string, std::unique_ptr<workflow::Graph>> graphs_;  // active graphs by id
  std::vector<std::string> released_;  // see dispatch_released()
  model::TimeNs last_stale_check_ = 0;
  model::TimeNs started_at_ = 0;
  bool shutting_down_ = false;
  triggers::Triggers triggers_;
  model::TimeNs next_cron_check_ = 0;
  model::TimeNs next_generator_check_ = 0;
  model::TimeNs next_retention_ = 0;
  model::TimeNs next_audit_retention_ = 0;
};

}  // namespace colonies::server::api
