// The C++ SDK: one typed, signed call per message of the wire protocol (PROTOCOL.md, names and
// fields of spec §2.3), returning model types. It is not a retry layer, a cache or a scheduler:
// every method is one round trip, and a failure is reported as it came.
// Not thread-safe: use one Client per thread (they are cheap; each keeps one connection alive).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/replies.hpp"
#include "client/transport.hpp"
#include "core/error/error.hpp"
#include "core/model/audit.hpp"
#include "core/model/channel.hpp"
#include "core/model/entities.hpp"
#include "core/model/executor.hpp"
#include "core/model/files.hpp"
#include "core/model/function_spec.hpp"
#include "core/model/process.hpp"
#include "core/model/trigger.hpp"
#include "core/model/workflow.hpp"
#include "core/ports/clock.hpp"
#include "core/ports/crypto.hpp"

namespace colonies::client {

// How envelopes travel: POST /api and a WebSocket per subscription, or the colonies.v1.Colonies
// gRPC service (Call and Subscribe; coloniesd --grpc-port). Same messages, replies and errors.
enum class TransportKind { Http, Grpc };

// Where the server is and how to reach it.
struct ClientConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 50080;  // the port of `transport`: HTTP, or coloniesd's --grpc-port
  TransportKind transport = TransportKind::Http;
  bool tls = false;
  bool tls_verify = true;  // only with tls: check the certificate and the host name
  // Extra trusted CA (PEM) next to the system store over HTTP; over gRPC the only one when set.
  // The CLI and the executors take it from --tls-ca-file or COLONIES_TLS_CA_FILE.
  std::string ca_file;
  std::chrono::milliseconds request_timeout{30'000};
  // Added to a long-poll's own timeout (assign) so that the server answers before we give up.
  std::chrono::milliseconds long_poll_margin{10'000};
  // subscribe_processes and wait_for_process subscribe again when their subscription is cut by
  // a failover (the server relaying it lost its leader, or no leader is elected yet) and keep
  // trying for this long before they report Unavailable. 0 turns it off.
  std::chrono::milliseconds resubscribe_patience{30'000};
};

// Appended to "certificate verify failed (...)" when the server's certificate is not trusted.
inline constexpr std::string_view kTlsTrustHint =
    "the server's certificate is not signed by a CA this client trusts; give its CA certificate (PEM) with "
    "--tls-ca-file or COLONIES_TLS_CA_FILE (ClientConfig::ca_file in the SDK)";

// Sets transport, TLS, host and (when the URL has one) port from a server URL: http://, https://,
// grpc:// or grpcs:// (gRPC with TLS), e.g. "grpcs://colonies.example.org:50081". BadRequest for
// another scheme or a malformed URL; `config` is unchanged then.
Status apply_server_url(ClientConfig& config, std::string_view url);
// The transport `config` asks for. A gRPC transport in an SDK built without gRPC fails every call
// with BadRequest, saying so.
std::unique_ptr<Transport> make_transport(const ClientConfig& config);

// Injected collaborators; defaults are the real ones (system clock, libsodium randomness).
struct ClientDeps {
  std::shared_ptr<const ports::Clock> clock;    // timestamps
  std::shared_ptr<const ports::Crypto> crypto;  // nonces (random_hex)
};

// assignprocessmsg's optional offer: what the executor has free right now.
struct AssignOffer {
  std::string availablecpu;  // "4", "4000m"; "" = not stated
  std::string availablemem;  // "16Gi"; "" = not stated
  int availablegpu = -1;     // -1 = not stated (a Colonies addition)
};

// One entry of a batched close (closeprocessesmsg): success with its output, or failure with
// its errors.
struct ProcessClose {
  std::string processid;
  bool successful = true;
  json::array out;                  // successful
  std::vector<std::string> errors;  // failed
};

// The outcome of one item of a batch: the process, or why this item failed (the error code of
// its status). The other items are not affected by it.
using BatchResult = Result<model::Process>;
// The same in the brief form: the processid instead of the whole process.
using BatchIdResult = Result<std::string>;

// getprocessesmsg filter.
struct ProcessQuery {
  std::string colonyname;
  model::ProcessState state = model::ProcessState::Waiting;
  int count = 20;  // the server caps it at 100
  std::string executortype;
  std::string label;
  std::string initiator;  // a user name of the colony
};

// getprocesshistmsg: one page of a colony's history, newest first (docs/protocol.md). To read
// all of it, pass the last processid of each page as `before` until a page comes back short.
struct HistoryQuery {
  std::string colonyname;
  std::string executorid;                    // "" = any
  std::int64_t seconds = 0;                  // submitted within the last `seconds`; must be > 0
  std::optional<model::ProcessState> state;  // any state when empty
  int count = 0;                             // 1..10000; 0 = the server's default (10000)
  std::string before;                        // cursor: only processes listed after this one
};

// getlogsmsg filter: by process, or by executor when processid is empty.
struct LogQuery {
  std::string colonyname;
  std::string processid;
  std::string executorname;
  int count = 100;          // the server caps it at 500
  std::int64_t since = 0;   // Unix ns: only logs after this
  bool latest = false;      // the newest `count` instead of the oldest
};

// getauditmsg filter (docs/audit.md): entries after `after_seq` in seq order, matching every
// filter that is set. Only the server owner may leave colonyname empty.
struct AuditQuery {
  std::string colonyname;
  std::string processid;
  std::string signer;        // an ID
  std::int64_t since = 0;    // Unix ns: entries at or after it; 0 = any
  std::int64_t until = 0;    // Unix ns: entries before it; 0 = any
  std::int64_t after_seq = 0;
  int count = 0;             // 1..1000; 0 = the server's maximum (1000)
};

// getauditheadmsg: where the ledger stands.
struct AuditState {
  model::AuditHead head;
  std::optional<model::AuditCheckpoint> checkpoint;  // the newest; none before the first pruning
  std::int64_t first_seq = 0;  // the oldest stored entry; 0 when none
  std::int64_t entries = 0;
};

struct AuditVerifyOptions {
  // A seq and hash noted from an earlier verification (its head): the ledger must still hold
  // exactly that entry, which catches a rewrite that recomputed every hash after it.
  std::optional<model::AuditHead> anchor;
  // Called after each page with the entries checked so far and the total expected.
  std::function<void(std::int64_t checked, std::int64_t total)> progress;
  int page = 1000;
};

// The outcome of verify_audit: intact, or the first bad entry and why.
struct AuditVerification {
  std::optional<model::AuditCheckpoint> checkpoint;  // where the check started; none: entry 1
  std::int64_t checked = 0;  // entries found intact
  model::AuditHead head;     // the last intact entry
  std::int64_t bad_seq = 0;  // the first bad (or first missing) entry; 0 when intact
  std::string problem;       // why it is bad
  bool intact() const { return problem.empty(); }
};

// One open subscription (a WebSocket), read in blocking-iterator style. Not thread-safe.
class Subscription {
 public:
  Subscription(std::string msgtype, std::unique_ptr<StreamConnection> stream, std::string endpoint);
  // The next event's process. nullopt when the subscription ended normally: its timeout passed,
  // or the server closed it after its last event (subscribeprocessmsg). Timeout when nothing
  // arrived within `wait` (the subscription stays open: call again). Errors from the server
  // (403, 404, ...) come with their status; a subscriber too slow to read, a server shutting
  // down or a lost connection is Unavailable with the reason.
  Result<std::optional<model::Process>> next(std::chrono::milliseconds wait);
  // The same for subscribechannelmsg, whose events carry entries (in position order).
  Result<std::optional<std::vector<model::ChannelEntry>>> next_entries(std::chrono::milliseconds wait);
  // Whether the last nullopt from next() was the subscription's timeout (a 408 frame).
  bool timed_out() const { return timed_out_; }
  // Whether the subscription ended in a way that subscribing again may cure: the connection was
  // lost, the server went away or restarted a relay (close codes 1001, 1006, 1011, 1012, 1013),
  // or it answered 503 (a cluster member without a leader). Not for a normal end, an error of
  // the request (403, 404, ...) or a subscriber cut off for reading too slowly (1008).
  bool resumable() const { return resumable_; }

  // Waits for the server's acknowledgement (the subscribe payload asked for one): once it has
  // arrived, every change committed afterwards is delivered. A first frame that is not the
  // acknowledgement (an error, or an event) is kept for next(). Errors: Timeout, Unavailable.
  Status await_acknowledgement(std::chrono::milliseconds wait);

 private:
  // The next event's payload (nullopt: ended normally), shared by next() and next_entries().
  Result<std::optional<json::value>> next_payload(std::chrono::milliseconds wait);

  std::string msgtype_;
  std::unique_ptr<StreamConnection> stream_;
  std::string endpoint_;
  std::optional<std::string> pending_;  // a frame read by await_acknowledgement() for next()
  bool ended_ = false;
  bool timed_out_ = false;
  bool resumable_ = false;
};

class Client {
 public:
  // Over config.transport (HTTP by default). `signer` may be null: then only version() and server_info() work, and every
  // other call fails with Unauthenticated before anything is sent.
  Client(const ClientConfig& config, std::unique_ptr<ports::Signer> signer, ClientDeps deps = {});
  // Over any transport (tests, other transports).
  Client(std::unique_ptr<Transport> transport, std::unique_ptr<ports::Signer> signer, ClientConfig config = {},
         ClientDeps deps = {});
  // Over config.transport, signing with the private key `private_key_hex` (64 hex). BadRequest if malformed.
  static Result<Client> connect(const ClientConfig& config, std::string_view private_key_hex, ClientDeps deps = {});

  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  ~Client();

  // The signer's ID, or "" without a signer.
  std::string id() const;
  std::string endpoint() const;
  // The HTTP status of the last call's error reply; 0 if the last call succeeded or never got a
  // reply (transport failure). Lets a caller tell "the server said 503" from "no server".
  int last_reply_status() const { return last_reply_status_; }

  // Generic signed call: `payload` gets msgtype/nonce/timestamp, the reply's payload is returned.
  // An error reply becomes Error{code of its status, its message}; an unreadable reply is Internal.
  Result<json::value> call(std::string_view msgtype, json::object payload,
                           std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  // The same, unsigned (only versionmsg and getserverinfomsg are accepted so).
  Result<json::value> call_unsigned(std::string_view msgtype, json::object payload);

  // ---- Server (client_server.cpp)
  Result<VersionInfo> version();       // unsigned
  Result<ServerInfo> server_info();    // unsigned
  Result<model::Statistics> statistics();  // server owner
  Status change_server_id(const std::string& serverid);  // server owner
  Result<ClusterInfo> cluster_info();                   // server owner

  // ---- Colonies
  Result<model::Colony> add_colony(const model::Colony& colony);  // server owner
  Status remove_colony(const std::string& colonyname);            // server owner
  Result<model::Colony> get_colony(const std::string& colonyname);
  Result<std::vector<model::Colony>> get_colonies();  // server owner
  Result<model::Statistics> colony_statistics(const std::string& colonyname);
  Status change_colony_id(const std::string& colonyname, const std::string& colonyid);  // colony owner

  // ---- Users (client_members.cpp)
  Result<model::User> add_user(const model::User& user);  // colony owner
  Result<std::vector<model::User>> get_users(const std::string& colonyname);
  Result<model::User> get_user(const std::string& colonyname, const std::string& name);
  Result<model::User> get_user_by_id(const std::string& colonyname, const std::string& userid);
  Status remove_user(const std::string& colonyname, const std::string& name);  // colony owner
  Status change_user_id(const std::string& colonyname, const std::string& userid);  // the user itself

  // ---- Executors
  Result<model::Executor> add_executor(const model::Executor& executor);  // colony owner
  Status approve_executor(const std::string& colonyname, const std::string& executorname);  // colony owner
  Status reject_executor(const std::string& colonyname, const std::string& executorname);   // colony owner
  Status remove_executor(const std::string& colonyname, const std::string& executorname);   // colony owner
  Result<model::Executor> get_executor(const std::string& colonyname, const std::string& executorname);
  Result<std::vector<model::Executor>> get_executors(const std::string& colonyname);
  Result<model::Executor> get_executor_by_id(const std::string& colonyname, const std::string& executorid);
  // The executor itself.
  Status update_executor_capabilities(const std::string& colonyname, const std::string& executorname,
                                      const model::Capabilities& capabilities);
  // The executor itself; `allocations` is {projects: {name: {allocatedcpu, usedcpu, ...}}}.
  Status report_allocation(const std::string& colonyname, const std::string& executorname,
                           const json::value& allocations);
  Status change_executor_id(const std::string& colonyname, const std::string& executorid);  // the executor

  // ---- Function registry
  Result<model::Function> add_function(const model::Function& function);  // the executor itself
  // All functions of the colony when `executorname` is empty.
  Result<std::vector<model::Function>> get_functions(const std::string& colonyname,
                                                     const std::string& executorname = "");
  Status remove_function(const std::string& functionid);

  // ---- Processes (client_processes.cpp)
  Result<model::Process> submit(const model::FunctionSpec& spec);
  // Long-polls for a process for up to `timeout_s` seconds (-1: try once, NotFound when there is
  // none). Timeout when nothing arrived in time. Blocks; the HTTP timeout is timeout_s + margin.
  Result<model::Process> assign(const std::string& colonyname, int timeout_s, const AssignOffer& offer = {});
  // ---- Batches (a Colonies addition): many processes per signed request. The outer Result
  // fails for the request as a whole (signature, role, malformed, limit); the items succeed or
  // fail one by one, in the order given.
  Result<std::vector<BatchResult>> submit_batch(const std::vector<model::FunctionSpec>& specs);
  // Up to `count` processes that fit together in `offer`, waiting like assign() for the first.
  Result<std::vector<model::Process>> assign_batch(const std::string& colonyname, int count, int timeout_s,
                                                   const AssignOffer& offer = {});
  Result<std::vector<BatchResult>> close_batch(const std::vector<ProcessClose>& closes);  // assigned executor
  // The brief forms ("brief": true): each item answers with the processid only, so neither side
  // encodes or decodes whole processes. For large batches whose caller needs only the ids.
  Result<std::vector<BatchIdResult>> submit_batch_ids(const std::vector<model::FunctionSpec>& specs);
  Result<std::vector<BatchIdResult>> close_batch_ids(const std::vector<ProcessClose>& closes);
  Result<model::Process> get_process(const std::string& processid);
  Result<std::vector<model::Process>> get_processes(const ProcessQuery& query);
  // Processes submitted within the last `seconds`; executorid "" = any.
  Result<std::vector<model::Process>> get_process_history(const std::string& colonyname,
                                                          const std::string& executorid, std::int64_t seconds,
                                                          model::ProcessState state);
  Result<std::vector<model::Process>> get_process_history(const HistoryQuery& query);
  // Reads the whole history matching `query` (its `before` ignored), page by page, newest first,
  // handing each page to `page`. Stops at the first failed call or failed `page`. A page cursor
  // removed meanwhile (retention) is a NotFound error, never a silently short history.
  Status for_each_history_page(HistoryQuery query,
                               const std::function<Status(std::vector<model::Process>&)>& page);
  Status remove_process(const std::string& processid, bool all = false);
  // Every process of the colony in `state`, or in any state but RUNNING when nullopt. Colony owner.
  Status remove_all_processes(const std::string& colonyname, std::optional<model::ProcessState> state);
  Status close_successful(const std::string& processid, const json::array& out = {});  // assigned executor
  Status close_failed(const std::string& processid, const std::vector<std::string>& errors);  // assigned executor
  Status set_output(const std::string& processid, const json::array& out);  // assigned executor
  Status cancel_process(const std::string& processid);
  Status pause_assignments(const std::string& colonyname);   // colony owner
  Status resume_assignments(const std::string& colonyname);  // colony owner
  Result<PauseStatus> pause_status(const std::string& colonyname);

  // ---- Workflows (client_workflows.cpp)
  Result<model::ProcessGraph> submit_workflow(const model::WorkflowSpec& spec);
  Result<model::ProcessGraph> get_process_graph(const std::string& processgraphid);
  // The newest `count` (<= 100) graphs of the colony, in `state` or in any state when nullopt.
  Result<std::vector<model::ProcessGraph>> get_process_graphs(const std::string& colonyname, int count,
                                                              std::optional<model::ProcessState> state);
  // A graph must have no RUNNING node to be removed (cancel it first).
  Status remove_process_graph(const std::string& processgraphid);
  // Finished graphs in `state` (any but RUNNING when nullopt) and WAITING ones. Colony owner.
  Status remove_all_process_graphs(const std::string& colonyname, std::optional<model::ProcessState> state);
  Result<model::ProcessGraph> cancel_process_graph(const std::string& processgraphid);
  // The executor running `parentprocessid` adds a node below it. Append mode (insert=false):
  // a new child of the parent, also a parent of `childprocessid` when that is given. Insert mode:
  // the new node takes over all the parent's children. Returns the new process.
  Result<model::Process> add_child(const std::string& processgraphid, const std::string& parentprocessid,
                                   const model::FunctionSpec& spec, bool insert,
                                   const std::string& childprocessid = "");

  // ---- Attributes
  Result<model::Attribute> add_attribute(const model::Attribute& attribute);  // assigned executor
  Result<model::Attribute> get_attribute(const std::string& attributeid);

  // ---- Logs (client_logs.cpp)
  Status add_log(const std::string& processid, const std::string& message);  // assigned executor
  Status add_executor_log(const std::string& colonyname, const std::string& executorname,
                          const std::string& message);  // the executor itself
  Result<std::vector<model::Log>> get_logs(const LogQuery& query);
  Result<std::vector<model::Log>> search_logs(const std::string& colonyname, const std::string& text, int days,
                                              int count);

  // ---- Realtime subscriptions (client_subscriptions.cpp): one stream each (a WebSocket, or a gRPC
  // Subscribe stream), see docs/sdk.md.
  // Calls `on_event` with every committed change of a process of the colony that matches
  // (executortype "" = any type; state nullopt = any state), in commit order, until `on_event`
  // returns false (then Ok), the server's timeout of `timeout_s` seconds passes (Ok; 0 = the
  // server's maximum) or something fails (the error; a subscriber too slow to read is
  // disconnected by the server: Unavailable with the server's reason). Blocks.
  using ProcessEvent = std::function<bool(const model::Process&)>;
  Status subscribe_processes(const std::string& colonyname, const std::string& executortype,
                             std::optional<model::ProcessState> state, int timeout_s, const ProcessEvent& on_event);
  // Blocks until process `processid` of the colony is in `state`, and returns it. A process that
  // ends in another final state is returned as it is (compare its state). Timeout after
  // `timeout_s` seconds (0 = the server's maximum); NotFound for an unknown process.
  Result<model::Process> wait_for_process(const std::string& colonyname, const std::string& processid,
                                          model::ProcessState state, int timeout_s);
  // The same two subscriptions as iterators (Subscription::next), for callers that do other work
  // between events (e.g. `log get --follow` fetches logs while it waits for the end).
  Result<std::unique_ptr<Subscription>> open_processes_subscription(const std::string& colonyname,
                                                                    const std::string& executortype,
                                                                    std::optional<model::ProcessState> state,
                                                                    int timeout_s);
  Result<std::unique_ptr<Subscription>> open_process_subscription(const std::string& colonyname,
                                                                  const std::string& processid,
                                                                  model::ProcessState state, int timeout_s);
  // subscribechannelmsg: stored entries after `afterseq`, then new ones; ends with the process.
  Result<std::unique_ptr<Subscription>> open_channel_subscription(const std::string& processid,
                                                                  const std::string& name, std::int64_t afterseq,
                                                                  int timeout_s);
  // How long to wait for the next event of a subscription of `timeout_s` before giving up.
  std::chrono::milliseconds subscription_wait(int timeout_s) const;

  // ---- Channels (client_channels.cpp): only the process's submitter and assigned executor.
  // Appends raw bytes to a channel the process's spec declares; `sequence` must be greater than
  // this caller's previous one on the channel. Returns the entry with its position. Errors from
  // the server: 409 (sequence, full channel), 413 (size), 429 (rate), 403, 404.
  Result<model::ChannelEntry> channel_append(const std::string& processid, const std::string& name,
                                             std::int64_t sequence, std::string_view payload,
                                             const std::string& payloadtype = "data", std::int64_t inreplyto = 0);
  // Entries with position > `afterseq`, oldest first, at most `limit` (the server caps at 1000).
  Result<std::vector<model::ChannelEntry>> channel_read(const std::string& processid, const std::string& name,
                                                        std::int64_t afterseq = 0, int limit = 100);

  // ---- Locations
  Result<model::Location> add_location(const model::Location& location);  // colony owner
  Result<std::vector<model::Location>> get_locations(const std::string& colonyname);
  Result<model::Location> get_location(const std::string& colonyname, const std::string& name);
  Status remove_location(const std::string& colonyname, const std::string& name);  // colony owner

  // ---- Files and snapshots (client_files.cpp): metadata only. The bytes go to and from a
  // ports::BlobStore directly; client/file_sync.hpp does both halves together.
  // `file` needs colonyname, label, name, size, checksum and ref; the server assigns the rest.
  Result<model::File> add_file(const model::File& file);
  Result<model::File> get_file(const std::string& colonyname, const std::string& fileid);
  // Every revision of (label, name), newest first; only the newest with `latest`.
  Result<std::vector<model::File>> get_file_revisions(const std::string& colonyname, const std::string& label,
                                                      const std::string& name, bool latest = false);
  // The latest revision of every file under `label` (and its sub-labels with `recursive`).
  Result<std::vector<model::File>> get_files(const std::string& colonyname, const std::string& label,
                                             bool recursive = false, bool all_revisions = false);
  // Labels with files: all when `label` is empty, else `label` (exact) or it and those below.
  Result<std::vector<model::Label>> get_file_labels(const std::string& colonyname, const std::string& label = "",
                                                    bool exact = false);
  // Returns how many revisions were removed (1 by id).
  Result<std::int64_t> remove_file(const std::string& colonyname, const std::string& fileid);
  Result<std::int64_t> remove_file_revisions(const std::string& colonyname, const std::string& label,
                                             const std::string& name);
  Result<model::Snapshot> create_snapshot(const std::string& colonyname, const std::string& label,
                                          const std::string& name);
  Result<model::Snapshot> get_snapshot(const std::string& colonyname, const std::string& snapshotid);
  Result<model::Snapshot> get_snapshot_by_name(const std::string& colonyname, const std::string& name);
  Result<std::vector<model::Snapshot>> get_snapshots(const std::string& colonyname);
  Status remove_snapshot(const std::string& colonyname, const std::string& snapshotid);
  Status remove_snapshot_by_name(const std::string& colonyname, const std::string& name);
  Result<std::int64_t> remove_all_snapshots(const std::string& colonyname);  // how many were removed
  // ---- Crons and generators (client_triggers.cpp); members of the colony
  // `cron` needs colonyname, name, workflowspec (JSON text) and an interval or cronexpression.
  Result<model::Cron> add_cron(const model::Cron& cron);
  Result<model::Cron> get_cron(const std::string& cronid);
  Result<std::vector<model::Cron>> get_crons(const std::string& colonyname, int count = 0);  // 0: up to 100
  // Starts the cron's workflow now; the reply is the cron after the start.
  Result<model::Cron> run_cron(const std::string& cronid);
  Status remove_cron(const std::string& cronid);
  // `generator` needs colonyname, name, workflowspec (JSON text), trigger and optionally timeout.
  Result<model::Generator> add_generator(const model::Generator& generator);
  Result<model::Generator> get_generator(const std::string& generatorid);
  Result<model::Generator> resolve_generator(const std::string& colonyname, const std::string& name);
  Result<std::vector<model::Generator>> get_generators(const std::string& colonyname, int count = 0);
  // Queues `arg`; the reply is the generator with its queue size.
  Result<model::Generator> pack_generator(const std::string& generatorid, const std::string& arg);
  Status remove_generator(const std::string& generatorid);

  // ---- Audit ledger (client_audit.cpp, docs/audit.md); server owner, or a colony owner for
  // their colony's entries.
  Result<std::vector<model::AuditEntry>> get_audit(const AuditQuery& query);
  // Every entry matching `query` (from its after_seq on), page by page in seq order.
  Status for_each_audit_page(AuditQuery query, const std::function<Status(std::vector<model::AuditEntry>&)>& page);
  Result<AuditState> get_audit_head();  // server owner
  // Checks the whole ledger here, not on the server (server owner): reads it from the newest
  // checkpoint on and checks every entry's chain link, hash, payload digest and signature
  // (model::AuditChainCheck), that nothing is missing up to the head, and the anchor. A bad
  // ledger is a successful call with !intact(); errors are for calls that failed.
  Result<AuditVerification> verify_audit(const AuditVerifyOptions& options = {});

 private:
  Result<json::value> exchange(std::string_view msgtype, const std::string& body, std::chrono::milliseconds timeout);
  // One pass of verify_audit, from the checkpoint the server reports now.
  Result<AuditVerification> verify_audit_once(const AuditVerifyOptions& options);
  // A signed long-poll (assign): the transport deadline outlasts the server's `timeout_s`.
  Result<json::value> call_assign(std::string_view msgtype, json::object payload, int timeout_s);
  // Opens a stream and sends the signed subscribe message.
  // Opens a subscription again after a resumable end (Subscription::resumable), retrying what a
  // failover makes fail for a while (Unavailable) until config_.resubscribe_patience has passed.
  // `open` gets the seconds left of the caller's timeout (0: the server's maximum).
  Result<std::unique_ptr<Subscription>> resubscribe(
      const std::function<Result<std::unique_ptr<Subscription>>(int timeout_s)>& open, int timeout_s,
      std::chrono::steady_clock::time_point deadline, const Error& cause);
  Result<std::unique_ptr<Subscription>> open_subscription(std::string_view msgtype, json::object payload,
                                                          int timeout_s);

  std::unique_ptr<Transport> transport_;
  std::unique_ptr<ports::Signer> signer_;
  ClientConfig config_;
  ClientDeps deps_;
  int last_reply_status_ = 0;
};

}  // namespace colonies::client
