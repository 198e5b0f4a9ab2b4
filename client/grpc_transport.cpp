// GrpcTransport: the blocking stub for Call; Subscribe on a completion queue of its own, so that
// read() can wait with a timeout and leave the read pending for the next call, as a WebSocket
// read does. A channel per transport (gRPC multiplexes calls on it).
#include "client/grpc_transport.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>

#include "client/client.hpp"
#include "colonies.grpc.pb.h"
#include "core/protocol/envelope.hpp"
#include "core/protocol/status.hpp"

namespace colonies::client {

namespace {

namespace v1 = colonies::v1;
using Clock = std::chrono::system_clock;
// Replies and events may be large (a process with big arguments, a list of processes); the
// server bounds what it sends, so the client does not refuse them.
constexpr int kMaxReceive = 256 * 1024 * 1024;
constexpr int kNormalClose = 1000;
constexpr int kGoingAway = 1001;
constexpr int kPolicyViolation = 1008;
constexpr int kInternalError = 1011;
// Where the server puts the reason of a normal end (gRPC sends no message with OK).
constexpr std::string_view kCloseReasonTrailer = "colonies-close-reason-bin";

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::BadRequest, "cannot load CA file {}", path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Fails when the CA file cannot be read: silently trusting the system store instead of the CA
// the caller named would refuse a server it meant to trust, with a misleading error.
Result<std::shared_ptr<grpc::ChannelCredentials>> credentials(const ClientConfig& config) {
  if (!config.tls) return grpc::InsecureChannelCredentials();
  if (!config.tls_verify) {
    // --insecure: encrypted, but anyone may be at the other end (as curl -k).
    grpc::experimental::TlsChannelCredentialsOptions options;
    options.set_verify_server_certs(false);
    options.set_check_call_host(false);
    options.set_certificate_verifier(std::make_shared<grpc::experimental::NoOpCertificateVerifier>());
    return grpc::experimental::TlsCredentials(options);
  }
  grpc::SslCredentialsOptions options;
  if (!config.ca_file.empty()) {
    COLONIES_TRY(roots, read_file(config.ca_file));
    options.pem_root_certs = std::move(roots);
  }
  return grpc::SslCredentials(options);
}

Clock::time_point deadline_after(std::chrono::milliseconds timeout) { return Clock::now() + timeout; }

bool contains_nocase(std::string_view haystack, std::string_view needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
         }) != haystack.end();
}

// gRPC reports a refused certificate inside a generic "failed to connect" text; say what it
// means and what to do, in the words the HTTP transport uses.
std::string unavailable_reason(const std::string& message) {
  if (contains_nocase(message, "certificate verify failed")) {
    return fmt::format("{} — certificate verify failed: {}", message, kTlsTrustHint);
  }
  if (contains_nocase(message, "not in peer certificate")) {
    return fmt::format("{} — certificate verify failed (hostname mismatch): the server's certificate is not issued "
                       "for the host name or address connected to",
                       message);
  }
  return message;
}

// A failed Call: the server's error reply from the details, else an error of our own.
Result<std::string> failed_call(const grpc::Status& status, const std::string& endpoint,
                                std::chrono::milliseconds timeout) {
  if (!status.error_details().empty() && protocol::decode_reply(status.error_details())) return status.error_details();
  switch (status.error_code()) {
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return fail(ErrorCode::Timeout, "no reply from {} within {} ms", endpoint, timeout.count());
    case grpc::StatusCode::UNAVAILABLE:
      return fail(ErrorCode::Unavailable, "cannot reach {} over gRPC: {}", endpoint,
                  unavailable_reason(status.error_message()));
    default: {
      // The gRPC layer refused the call (too large, unimplemented, ...): an error reply with the
      // status the table gives its code, so the caller sees the right ErrorCode.
      const auto code = protocol::error_code_from_grpc(static_cast<protocol::GrpcCode>(status.error_code()));
      return protocol::encode_error_reply(
          protocol::http_status(code),
          fmt::format("gRPC status {} from {}: {}", static_cast<int>(status.error_code()), endpoint, status.error_message()));
    }
  }
}

class GrpcStreamConnection final : public StreamConnection {
 public:
  GrpcStreamConnection(v1::Colonies::Stub& stub, std::string endpoint) : stub_(stub), endpoint_(std::move(endpoint)) {}

  ~GrpcStreamConnection() override {
    if (reader_) {
      if (!finished_) {
        context_.TryCancel();
        if (!finish_requested_) reader_->Finish(&status_, tag(Tag::Finish));
      }
    }
    queue_.Shutdown();
    void* ignored_tag = nullptr;
    bool ignored_ok = false;
    while (queue_.Next(&ignored_tag, &ignored_ok)) {
    }
  }

  Status send(const std::string& text, std::chrono::milliseconds timeout) override {
    if (reader_) {
      return fail(ErrorCode::BadRequest, "a gRPC subscription stream carries one subscribe envelope; open another");
    }
    (void)timeout;  // the call starts asynchronously; read() waits for what it brings
    request_.set_json(text);
    reader_ = stub_.PrepareAsyncSubscribe(&context_, request_, &queue_);
    reader_->StartCall(tag(Tag::Start));
    return ok();
  }

  Result<std::optional<std::string>> read(std::chrono::milliseconds timeout) override {
    if (!reader_) return fail(ErrorCode::BadRequest, "read() before the subscribe envelope was sent");
    if (finished_) return std::optional<std::string>{};
    const auto deadline = deadline_after(timeout);
    if (!read_pending_ && !finish_requested_) {
      reader_->Read(&event_, tag(Tag::Read));
      read_pending_ = true;
    }
    for (;;) {
      void* got = nullptr;
      bool ok = false;
      switch (queue_.AsyncNext(&got, &ok, deadline)) {
        case grpc::CompletionQueue::TIMEOUT:
          return fail(ErrorCode::Timeout, "no event from {} within {} ms", endpoint_, timeout.count());
        case grpc::CompletionQueue::SHUTDOWN:
          return fail(ErrorCode::Unavailable, "the subscription stream to {} is shut down", endpoint_);
        case grpc::CompletionQueue::GOT_EVENT:
          break;
      }
      switch (static_cast<Tag>(reinterpret_cast<std::intptr_t>(got))) {
        case Tag::Start:
          continue;  // a failed start shows as a failed read
        case Tag::Read:
          read_pending_ = false;
          if (ok) return std::optional<std::string>{std::move(*event_.mutable_json())};
          // The stream ended: its status says how.
          reader_->Finish(&status_, tag(Tag::Finish));
          finish_requested_ = true;
          continue;
        case Tag::Finish:
          finished_ = true;
          closed_ = to_close(status_);
          if (status_.ok()) {
            const auto& trailers = context_.GetServerTrailingMetadata();
            if (auto it = trailers.find(grpc::string_ref(kCloseReasonTrailer.data(), kCloseReasonTrailer.size()));
                it != trailers.end()) {
              closed_.reason.assign(it->second.data(), it->second.size());
            }
          }
          return std::optional<std::string>{};
      }
    }
  }

  Close closed() const override { return closed_; }

 private:
  enum class Tag : std::intptr_t { Start = 1, Read = 2, Finish = 3 };
  static void* tag(Tag t) { return reinterpret_cast<void*>(static_cast<std::intptr_t>(t)); }

  static Close to_close(const grpc::Status& status) {
    switch (status.error_code()) {
      case grpc::StatusCode::OK:
        return {kNormalClose, status.error_message()};
      case grpc::StatusCode::RESOURCE_EXHAUSTED:
        return {kPolicyViolation, status.error_message()};
      case grpc::StatusCode::UNAVAILABLE:
        return {kGoingAway, status.error_message()};
      default:
        return {kInternalError, fmt::format("gRPC status {}: {}", static_cast<int>(status.error_code()),
                                            status.error_message())};
    }
  }

  v1::Colonies::Stub& stub_;
  std::string endpoint_;
  grpc::ClientContext context_;
  grpc::CompletionQueue queue_;
  v1::Envelope request_;
  v1::Event event_;
  std::unique_ptr<grpc::ClientAsyncReader<v1::Event>> reader_;
  grpc::Status status_;
  bool read_pending_ = false;
  bool finish_requested_ = false;
  bool finished_ = false;
  Close closed_;
};

}  // namespace

struct GrpcTransport::Channel {
  std::shared_ptr<grpc::Channel> channel;  // null when setup_error is set
  std::unique_ptr<v1::Colonies::Stub> stub;
  std::optional<Error> setup_error;  // reported by every call
};

GrpcTransport::GrpcTransport(const ClientConfig& config)
    : channel_(std::make_unique<Channel>()), endpoint_(fmt::format("{}:{}", config.host, config.port)) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxReceive);
  const bool ipv6 = config.host.find(':') != std::string::npos;
  const auto target = ipv6 ? fmt::format("[{}]:{}", config.host, config.port) : endpoint_;
  auto creds = credentials(config);
  if (!creds) {
    channel_->setup_error = creds.error();
    return;
  }
  channel_->channel = grpc::CreateCustomChannel(target, *creds, args);
  channel_->stub = v1::Colonies::NewStub(channel_->channel);
}

GrpcTransport::~GrpcTransport() = default;

Result<std::string> GrpcTransport::call(const std::string& request_body, std::chrono::milliseconds timeout) {
  if (channel_->setup_error) return std::unexpected(*channel_->setup_error);
  grpc::ClientContext context;
  context.set_deadline(deadline_after(timeout));
  v1::Envelope request;
  request.set_json(request_body);
  v1::Reply reply;
  const auto status = channel_->stub->Call(&context, request, &reply);
  if (!status.ok()) return failed_call(status, endpoint_, timeout);
  return std::move(*reply.mutable_json());
}

Result<std::unique_ptr<StreamConnection>> GrpcTransport::open_stream(std::chrono::milliseconds timeout) {
  if (channel_->setup_error) return std::unexpected(*channel_->setup_error);
  // Fails fast, as a WebSocket connect does, when the server cannot be reached at all.
  if (!channel_->channel->WaitForConnected(deadline_after(timeout))) {
    return fail(ErrorCode::Unavailable, "cannot reach {} over gRPC within {} ms", endpoint_, timeout.count());
  }
  return std::unique_ptr<StreamConnection>(std::make_unique<GrpcStreamConnection>(*channel_->stub, endpoint_));
}

}  // namespace colonies::client
