// Helpers for the HTTP transport tests: a server running on its own io_context threads, a raw
// loopback socket for misbehaving clients, and a self-signed certificate made at test time.
// Test-only; nothing here is meant for production code.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "adapters/transport/http/http_client.hpp"
#include "adapters/transport/http/http_server.hpp"

namespace colonies::transport::testing {

// An HttpServer on 127.0.0.1, port 0, served by `threads` io_context threads.
class ServerHarness {
 public:
  explicit ServerHarness(HttpHandler handler, HttpServerOptions options = {}, int threads = 2);
  ~ServerHarness();

  HttpServer& server() { return *server_; }
  std::uint16_t port() const { return server_->port(); }
  HttpClientOptions client_options() const;
  // Destroys the server object (which stops it); the io_context keeps running.
  void destroy_server() { server_.reset(); }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::unique_ptr<HttpServer> server_;
  std::vector<std::thread> threads_;
};

// Answers every request with its own method, target and body.
HttpHandler echo_handler();

// Polls `condition` every 10 ms until it holds or `limit` passes.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit = std::chrono::seconds(3));

// A blocking loopback connection with a receive timeout, for clients that misbehave on purpose.
class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port, std::chrono::milliseconds receive_timeout = std::chrono::seconds(5));
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  void send(const std::string& bytes);
  // Reads until the peer closes, the timeout passes, or `stop_after` bytes are in.
  std::string receive(std::size_t stop_after = 1 << 20);
  // Reads one response framed by Content-Length (enough for the server's replies).
  std::string receive_response();
  // True when the peer closed the connection (EOF or reset) within the receive timeout.
  bool closed_by_peer();
  void close();

 private:
  int fd_ = -1;
};

// A one-connection-at-a-time loopback server driven by a script, for client cases a correct
// server never produces. Requests must have no body. For the n-th request (0-based, counted
// across connections) it sends `script(n).bytes`, then closes the connection if `close`.
class ScriptedServer {
 public:
  struct Reply {
    std::string bytes;
    bool close = false;
  };
  explicit ScriptedServer(std::function<Reply(int)> script);
  ~ScriptedServer();
  std::uint16_t port() const { return port_; }
  int connections() const { return connections_.load(); }
  int requests() const { return requests_.load(); }

 private:
  void run();
  std::function<Reply(int)> script_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

// A self-signed certificate (by default for 127.0.0.1 and localhost), written as PEM files into a fresh
// temporary directory that is removed on destruction.
class SelfSignedCert {
 public:
  explicit SelfSignedCert(const std::string& subject_alt_names = "IP:127.0.0.1,DNS:localhost");
  ~SelfSignedCert();
  std::string cert_file() const { return (dir_ / "cert.pem").string(); }
  std::string key_file() const { return (dir_ / "key.pem").string(); }
  std::filesystem::path dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

}  // namespace colonies::transport::testing
