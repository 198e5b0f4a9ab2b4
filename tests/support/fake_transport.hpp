// A Transport for SDK and CLI tests: records every request body and timeout, and answers from a
// script (a queue of replies, then a default). It never touches the network; it does not check
// what it is sent — tests do that with the helpers below.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/transport.hpp"
#include "core/protocol/envelope.hpp"

namespace colonies::testing {

// A subscription stream that plays a script: the frames the server sends, then its close (or a
// lost connection). What the client sends is recorded in `sent`.
struct ScriptedStream {
  std::vector<std::string> frames;
  client::StreamConnection::Close close{1000, ""};
  bool lost = false;  // end with a read error (Unavailable) instead of a close
  std::shared_ptr<std::vector<std::string>> sent = std::make_shared<std::vector<std::string>>();
};

class ScriptedStreamConnection final : public client::StreamConnection {
 public:
  explicit ScriptedStreamConnection(ScriptedStream script) : script_(std::move(script)) {}
  Status send(const std::string& text, std::chrono::milliseconds) override {
    script_.sent->push_back(text);
    return ok();
  }
  Result<std::optional<std::string>> read(std::chrono::milliseconds) override {
    if (next_ < script_.frames.size()) return std::optional<std::string>{script_.frames[next_++]};
    if (script_.lost) return fail(ErrorCode::Unavailable, "connection lost (scripted)");
    return std::optional<std::string>{};
  }
  Close closed() const override { return script_.close; }

 private:
  ScriptedStream script_;
  std::size_t next_ = 0;
};

class FakeTransport final : public client::Transport {
 public:
  struct Sent {
    std::string body;
    std::chrono::milliseconds timeout;
  };

  // Replies are consumed in order; when none is queued, `fallback` answers (an empty {} success).
  void push_reply(Result<std::string> reply) { replies_.push_back(std::move(reply)); }
  void push_ok(const boost::json::value& payload, std::string_view payloadtype = "reply") {
    replies_.push_back(protocol::encode_reply(payloadtype, payload));
  }
  void push_error(int status, std::string_view message) {
    replies_.push_back(protocol::encode_error_reply(status, message));
  }
  // Answers every unscripted call by looking at the request (e.g. to follow a process's state).
  void set_handler(std::function<Result<std::string>(const std::string&)> handler) { handler_ = std::move(handler); }

  Result<std::string> call(const std::string& request_body, std::chrono::milliseconds timeout) override {
    sent_->push_back({request_body, timeout});
    if (!replies_.empty()) {
      auto reply = std::move(replies_.front());
      replies_.pop_front();
      return reply;
    }
    if (handler_) return handler_(request_body);
    return protocol::encode_reply("reply", boost::json::object{});
  }
  std::string endpoint() const override { return "127.0.0.1:50080"; }

  // Shared so a test can keep reading after the transport moved into a Client.
  std::shared_ptr<std::vector<Sent>> sent() const { return sent_; }

  // Streams are opened in order from the scripts pushed; without one, open_stream fails with
  // Unavailable like a server that cannot be reached.
  void push_stream(ScriptedStream script) { streams_->push_back(std::move(script)); }
  std::shared_ptr<int> streams_opened() const { return streams_opened_; }
  Result<std::unique_ptr<client::StreamConnection>> open_stream(std::chrono::milliseconds) override {
    if (streams_->empty()) return fail(ErrorCode::Unavailable, "cannot connect to {} (scripted)", endpoint());
    ++*streams_opened_;
    auto script = std::move(streams_->front());
    streams_->pop_front();
    return std::unique_ptr<client::StreamConnection>(std::make_unique<ScriptedStreamConnection>(std::move(script)));
  }

 private:
  std::deque<Result<std::string>> replies_;
  std::function<Result<std::string>(const std::string&)> handler_;
  std::shared_ptr<std::vector<Sent>> sent_ = std::make_shared<std::vector<Sent>>();
  std::shared_ptr<std::deque<ScriptedStream>> streams_ = std::make_shared<std::deque<ScriptedStream>>();
  std::shared_ptr<int> streams_opened_ = std::make_shared<int>(0);
};

// The decoded payload JSON of a request body sent through a FakeTransport.
inline boost::json::object sent_payload(const std::string& body) {
  auto envelope = protocol::decode_envelope(body);
  if (!envelope) return {};
  auto payload = protocol::decode_payload(*envelope);
  return payload ? *payload : boost::json::object{};
}

inline std::string sent_type(const std::string& body) {
  auto envelope = protocol::decode_envelope(body);
  return envelope ? envelope->payloadtype : std::string();
}

}  // namespace colonies::testing
