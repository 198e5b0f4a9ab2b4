// GrpcServer on the callback API: one reactor per call. A unary reactor answers once, from
// whichever thread the handler replies on; a write reactor keeps a bounded queue of event frames
// and writes one at a time. Every reactor finishes exactly once, also when the client cancels,
// so Shutdown never waits for a reply that cannot come.
#include "adapters/transport/grpc/grpc_server.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <deque>
#include <limits>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <spdlog/spdlog.h>

#include "colonies.grpc.pb.h"
#include "core/protocol/envelope.hpp"

namespace colonies::transport {

namespace {

namespace v1 = colonies::v1;
constexpr std::string_view kShuttingDown = "server is shutting down";
// Room for the protobuf framing around an envelope of message_limit bytes, so that an envelope
// just over the limit reaches the handler and gets our 413, not the gRPC layer's bare refusal.
constexpr std::size_t kFramingSlack = 64 * 1024;
// gRPC sends no message with an OK status; a normal end's reason travels in this trailer.
constexpr const char* kCloseReasonTrailer = "colonies-close-reason-bin";
// How often gRPC's certificate provider looks at the in-memory identity (IdentityFile): a reload
// reaches new gRPC connections within about this long.
constexpr unsigned kIdentityRefreshSeconds = 1;

grpc::Status to_status(protocol::GrpcCode code, std::string message, std::string details = {}) {
  return grpc::Status(static_cast<grpc::StatusCode>(code), std::move(message), std::move(details));
}

// An error reply as a gRPC status: the code from the one table, the reply's message as the status
// message (for tools such as grpcurl), the reply itself as details (for the SDK).
grpc::Status error_status(int http_status, std::string body) {
  std::string message = fmt::format("error {}", http_status);
  if (auto reply = protocol::decode_reply(body); reply && reply->error) {
    if (const auto* failure = reply->payload.if_object()) {
      if (const auto* m = failure->if_contains("message"); m && m->is_string()) message = std::string(m->get_string());
    }
  }
  return to_status(protocol::grpc_code_from_http(http_status), std::move(message), std::move(body));
}

std::string too_large_message(std::size_t size, std::size_t limit) {
  return fmt::format("request body of {} bytes is over the limit of {} bytes", size, limit);
}

class SubscribeReactor;

// What the reactors share with the server; outlives every reactor.
struct Shared {
  GrpcCallHandler on_call;
  GrpcSubscribeHandler on_subscribe;
  std::size_t max_queued = 1024;
  std::size_t message_limit = 0;
  std::atomic<std::size_t> active{0};
  std::mutex mu;
  bool stopping = false;  // guarded by mu
  std::unordered_map<SubscribeReactor*, std::weak_ptr<SubscribeReactor>> streams;  // guarded by mu
};

class CallReactor final : public grpc::ServerUnaryReactor {
 public:
  CallReactor(Shared& shared, v1::Reply* response) : shared_(shared), response_(response), state_(std::make_shared<State>()) {
    state_->reactor = this;
    ++shared_.active;
  }

  void start(std::string body) {
    if (body.size() > shared_.message_limit) {
      const auto message = too_large_message(body.size(), shared_.message_limit);
      answer(state_, 413, protocol::encode_error_reply(413, message));
      return;
    }
    bool stopping = false;
    {
      std::lock_guard lock(shared_.mu);
      stopping = shared_.stopping;
    }
    if (stopping) {
      answer(state_, 503, protocol::encode_error_reply(503, kShuttingDown));
      return;
    }
    auto state = state_;
    shared_.on_call(
        std::move(body), [state](int status, std::string reply) { answer(state, status, std::move(reply)); },
        [state] { return !state->cancelled.load(); });
  }

  void OnCancel() override {
    state_->cancelled = true;
    // Finishes now: the handler's reply, if it ever comes, goes nowhere.
    if (claim(state_)) Finish(grpc::Status::CANCELLED);
  }

  void OnDone() override {
    --shared_.active;
    delete this;
  }

 private:
  struct State {
    CallReactor* reactor = nullptr;
    std::mutex mu;
    bool finished = false;  // guarded by mu
    std::atomic<bool> cancelled{false};
  };

  // True for the one caller that may call Finish. The reactor lives at least until Finish.
  static bool claim(const std::shared_ptr<State>& state) {
    std::lock_guard lock(state->mu);
    if (state->finished) return false;
    state->finished = true;
    return true;
  }

  static void answer(const std::shared_ptr<State>& state, int status, std::string body) {
    if (!claim(state)) return;
    auto* self = state->reactor;
    if (status < 400) {
      self->response_->set_json(std::move(body));
      self->Finish(grpc::Status::OK);
    } else {
      self->Finish(error_status(status, std::move(body)));
    }
  }

  Shared& shared_;
  v1::Reply* response_;
  std::shared_ptr<State> state_;
};

class SubscribeReactor final : public grpc::ServerWriteReactor<v1::Event>,
                               public GrpcSubscription,
                               public std::enable_shared_from_this<SubscribeReactor> {
 public:
  SubscribeReactor(Shared& shared, grpc::CallbackServerContext* context) : shared_(shared), context_(context) {
    ++shared_.active;
  }

  // Hands the stream to the application. `self` is gRPC's reference, dropped in OnDone.
  void begin(std::shared_ptr<SubscribeReactor> self, std::string envelope) {
    self_ = self;
    if (envelope.size() > shared_.message_limit) {
      const auto message = too_large_message(envelope.size(), shared_.message_limit);
      finish(protocol::grpc_code(ErrorCode::TooLarge), message, protocol::encode_error_reply(413, message));
      return;
    }
    bool stopping = false;
    {
      std::lock_guard lock(shared_.mu);
      stopping = shared_.stopping;
      if (!stopping) shared_.streams.emplace(this, self);
    }
    if (stopping) {  // outside the lock: OnDone takes it
      finish(protocol::GrpcCode::Unavailable, std::string(kShuttingDown), {});
      return;
    }
    auto on_closed = shared_.on_subscribe(std::move(envelope), self);
    std::unique_lock lock(mu_);
    if (!done_) {
      on_closed_ = std::move(on_closed);
      return;
    }
    lock.unlock();
    if (on_closed) on_closed();  // the stream ended before the handler returned
  }

  SendResult send(std::string frame) override {
    std::unique_lock lock(mu_);
    if (finishing_ || done_) return SendResult::Closed;
    if (queue_.size() >= shared_.max_queued) return SendResult::Full;
    queue_.push_back(std::move(frame));
    if (!writing_) write_next(lock);
    return SendResult::Queued;
  }

  void finish(protocol::GrpcCode code, std::string message, std::string details) override {
    std::unique_lock lock(mu_);
    if (finishing_ || done_) return;
    finishing_ = true;
    status_ = to_status(code, std::move(message), std::move(details));
    if (!status_.ok()) queue_.clear();
    if (!writing_) finish_now(lock);
  }

  std::size_t queued() const override {
    std::lock_guard lock(mu_);
    return queue_.size();
  }

  void OnWriteDone(bool ok) override {
    std::unique_lock lock(mu_);
    writing_ = false;
    if (!ok) {  // the client is gone (OnCancel says so too)
      queue_.clear();
      if (!finishing_) {
        finishing_ = true;
        status_ = grpc::Status::CANCELLED;
      }
    }
    if (!queue_.empty()) {
      write_next(lock);
      return;
    }
    if (finishing_) finish_now(lock);
  }

  void OnCancel() override {
    std::unique_lock lock(mu_);
    queue_.clear();
    if (!finishing_) {
      finishing_ = true;
      status_ = grpc::Status::CANCELLED;
    }
    // A write in flight completes (not ok) and finishes from OnWriteDone.
    if (!writing_) finish_now(lock);
  }

  void OnDone() override {
    std::function<void()> on_closed;
    {
      std::lock_guard lock(mu_);
      done_ = true;
      queue_.clear();
      on_closed = std::move(on_closed_);
    }
    if (on_closed) on_closed();
    {
      std::lock_guard lock(shared_.mu);
      shared_.streams.erase(this);
    }
    --shared_.active;
    auto last = std::move(self_);  // may destroy this at the end of the scope
  }

 private:
  // Called with mu_ held and no write in flight; releases the lock before calling into gRPC,
  // whose reactions may run on this thread.
  void write_next(std::unique_lock<std::mutex>& lock) {
    writing_ = true;
    current_.set_json(std::move(queue_.front()));
    queue_.pop_front();
    lock.unlock();
    StartWrite(&current_);
  }
  void finish_now(std::unique_lock<std::mutex>& lock) {
    if (finish_called_) return;
    finish_called_ = true;
    auto status = status_;
    lock.unlock();
    if (status.ok() && !status.error_message().empty()) {
      context_->AddTrailingMetadata(kCloseReasonTrailer, status.error_message());
    }
    Finish(status);
  }

  Shared& shared_;
  grpc::CallbackServerContext* context_;  // valid until OnDone
  std::shared_ptr<SubscribeReactor> self_;
  mutable std::mutex mu_;
  std::deque<std::string> queue_;
  v1::Event current_;  // the frame being written; touched only while no write is in flight
  bool writing_ = false;
  bool finishing_ = false;
  bool finish_called_ = false;
  bool done_ = false;
  grpc::Status status_;
  std::function<void()> on_closed_;
};

class Service final : public v1::Colonies::CallbackService {
 public:
  explicit Service(Shared& shared) : shared_(shared) {}

  grpc::ServerUnaryReactor* Call(grpc::CallbackServerContext*, const v1::Envelope* request,
                                 v1::Reply* response) override {
    auto* reactor = new CallReactor(shared_, response);
    reactor->start(request->json());
    return reactor;
  }

  grpc::ServerWriteReactor<v1::Event>* Subscribe(grpc::CallbackServerContext* context,
                                                 const v1::Envelope* request) override {
    auto reactor = std::make_shared<SubscribeReactor>(shared_, context);
    reactor->begin(reactor, request->json());
    return reactor.get();
  }

 private:
  Shared& shared_;
};

// The served TLS identity, reloadable. Debian 12's gRPC (1.51) reloads server certificates only
// through FileWatcherCertificateProvider, which re-reads a key file and a certificate file every
// refresh interval, takes whatever it finds and checks nothing. So it watches a file of ours, not
// the operator's: an anonymous in-memory file (memfd, the key never touches a disk) holding the
// key and the chain of checked material, reached as /proc/self/fd/N for both paths. A reload
// writes a new memfd and dup3()s it onto N, which swaps the whole pair in one step; the watcher
// compares modification times (whole seconds) before and after its two reads, so every new
// memfd gets a later one than the last, and a read across a swap is retried.
class IdentityFile {
 public:
  static Result<std::unique_ptr<IdentityFile>> create(const TlsMaterial& material) {
    std::unique_ptr<IdentityFile> file(new IdentityFile());
    COLONIES_TRY(fd, file->write(material));
    file->fd_ = fd;
    file->path_ = fmt::format("/proc/self/fd/{}", fd);
    struct stat info {};
    if (::stat(file->path_.c_str(), &info) != 0) {
      return fail(ErrorCode::Unavailable, "cannot reach the in-memory TLS identity as {}: {} (is /proc mounted?)",
                  file->path_, std::strerror(errno));
    }
    return file;
  }
  ~IdentityFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  const std::string& path() const { return path_; }

  Status replace(const TlsMaterial& material) {
    std::lock_guard lock(mutex_);
    COLONIES_TRY(fd, write(material));
    // dup3 keeps close-on-exec on the swapped descriptor (dup2 would clear it): the key must not
    // leak into a child process.
    const bool swapped = ::dup3(fd, fd_, O_CLOEXEC) == fd_;
    const int error = errno;
    ::close(fd);
    if (!swapped) return fail(ErrorCode::Unavailable, "cannot swap the in-memory TLS identity: {}", std::strerror(error));
    return ok();
  }

 private:
  IdentityFile() = default;

  Result<int> write(const TlsMaterial& material) {
    const int fd = ::memfd_create("colonies-grpc-tls", MFD_CLOEXEC);
    if (fd < 0) return fail(ErrorCode::Unavailable, "cannot hold the TLS identity in memory: {}", std::strerror(errno));
    // Key first, then the chain: gRPC reads the first PEM key and the PEM certificates from the
    // same bytes, each skipping the other kind of block.
    const std::string text = material.key_pem + "\n" + material.cert_pem + "\n";
    std::size_t done = 0;
    while (done < text.size()) {
      const auto n = ::write(fd, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const int error = errno;
        ::close(fd);
        return fail(ErrorCode::Unavailable, "cannot write the in-memory TLS identity: {}", std::strerror(error));
      }
      done += static_cast<std::size_t>(n);
    }
    last_mtime_ = std::max<std::int64_t>(last_mtime_ + 1, std::time(nullptr));
    const timespec times[2] = {{static_cast<time_t>(last_mtime_), 0}, {static_cast<time_t>(last_mtime_), 0}};
    if (::futimens(fd, times) != 0) {
      const int error = errno;
      ::close(fd);
      return fail(ErrorCode::Unavailable, "cannot date the in-memory TLS identity: {}", std::strerror(error));
    }
    return fd;
  }

  std::mutex mutex_;
  int fd_ = -1;
  std::string path_;
  std::int64_t last_mtime_ = 0;
};

}  // namespace

struct GrpcServer::State {
  Shared shared;
  std::unique_ptr<Service> service;
  std::unique_ptr<grpc::Server> server;
  std::uint16_t port = 0;
  bool tls = false;
  // With TLS: what the certificate provider watches, and the provider (it must outlive the server).
  std::unique_ptr<IdentityFile> identity;
  std::shared_ptr<grpc::experimental::FileWatcherCertificateProvider> certificates;
  std::once_flag stop_once;
  std::thread shutdown;
};

GrpcServer::GrpcServer(std::unique_ptr<State> state) : state_(std::move(state)) {}

Result<std::unique_ptr<GrpcServer>> GrpcServer::start(GrpcServerOptions options, GrpcCallHandler on_call,
                                                      GrpcSubscribeHandler on_subscribe) {
  auto state = std::make_unique<State>();
  state->shared.on_call = std::move(on_call);
  state->shared.on_subscribe = std::move(on_subscribe);
  state->shared.max_queued = options.max_queued;
  state->shared.message_limit = options.message_limit;
  state->service = std::make_unique<Service>(state->shared);

  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
    COLONIES_TRY(material, load_tls_material(options.tls_cert_file, options.tls_key_file));
    COLONIES_TRY(identity, IdentityFile::create(material));
    state->identity = std::move(identity);
    state->certificates = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
        state->identity->path(), state->identity->path(), kIdentityRefreshSeconds);
    grpc::experimental::TlsServerCredentialsOptions tls(state->certificates);
    tls.watch_identity_key_cert_pairs();
    tls.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
    credentials = grpc::experimental::TlsServerCredentials(tls);
    state->tls = true;
  }

  grpc::ServerBuilder builder;
  int selected_port = 0;
  const bool ipv6 = options.host.find(':') != std::string::npos;
  const auto address = ipv6 ? fmt::format("[{}]:{}", options.host, options.port)
                            : fmt::format("{}:{}", options.host, options.port);
  builder.AddListeningPort(address, credentials, &selected_port);
  builder.RegisterService(state->service.get());
  builder.SetMaxReceiveMessageSize(static_cast<int>(std::min<std::size_t>(
      options.message_limit + kFramingSlack, static_cast<std::size_t>(std::numeric_limits<int>::max()))));
  if (options.handshake_timeout_s > 0) {
    builder.AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS, options.handshake_timeout_s * 1000);
  }
  if (options.idle_timeout_s > 0) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS, options.idle_timeout_s * 1000);
  }
  state->server = builder.BuildAndStart();
  if (!state->server || selected_port == 0) {
    return fail(ErrorCode::Unavailable, "cannot listen for gRPC on {} (address in use or not local?)", address);
  }
  state->port = static_cast<std::uint16_t>(selected_port);
  return std::unique_ptr<GrpcServer>(new GrpcServer(std::move(state)));
}

GrpcServer::~GrpcServer() {
  stop(std::chrono::seconds(5));
  if (state_->shutdown.joinable()) state_->shutdown.join();
  state_->server->Wait();
}

std::uint16_t GrpcServer::port() const { return state_->port; }
bool GrpcServer::tls() const { return state_->tls; }

Status GrpcServer::use_tls(const TlsMaterial& material) {
  if (!state_->identity) return fail(ErrorCode::BadRequest, "the gRPC service was started without TLS");
  return state_->identity->replace(material);
}
std::size_t GrpcServer::active_calls() const { return state_->shared.active.load(); }

void GrpcServer::stop(std::chrono::milliseconds drain) {
  std::call_once(state_->stop_once, [this, drain] {
    std::vector<std::shared_ptr<SubscribeReactor>> open;
    {
      std::lock_guard lock(state_->shared.mu);
      state_->shared.stopping = true;
      for (auto& [raw, weak] : state_->shared.streams) {
        if (auto stream = weak.lock()) open.push_back(std::move(stream));
      }
    }
    for (auto& stream : open) stream->finish(protocol::GrpcCode::Unavailable, std::string(kShuttingDown), {});
    // Shutdown blocks until the calls in flight are answered (or `drain` passed and they were
    // cancelled): on a thread of its own, so that the caller's threads can answer them.
    auto* server = state_->server.get();
    state_->shutdown = std::thread([server, drain] { server->Shutdown(std::chrono::system_clock::now() + drain); });
  });
}

}  // namespace colonies::transport
