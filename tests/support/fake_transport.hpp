// A Transport for SDK and CLI tests: records every request body and timeout, and answers from a
// script (a queue of replies, then a default). It never touches the network; it does not check
// what it is sent — tests do that with the helpers below.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "client/transport.hpp"
#include "core/protocol/envelope.hpp"

namespace colonies::testing {

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

 private:
  std::deque<Result<std::string>> replies_;
  std::function<Result<std::string>(const std::string&)> handler_;
  std::shared_ptr<std::vector<Sent>> sent_ = std::make_shared<std::vector<Sent>>();
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
