// A small HTTP listener of its own that serves only GET /metrics (metrics_endpoint.hpp), with one
// I/O thread: for programs that have no HTTP server to add the route to, like the executors
// (their --metrics-port). Binds 127.0.0.1 unless told otherwise.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/error/error.hpp"

namespace colonies::observability {

struct MetricsServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0 = a free port (see MetricsServer::port())
  std::string token;       // non-empty: scrapes need Authorization: Bearer <token>
};

class MetricsServer {
 public:
  // Binds and starts serving on a thread of its own. `render` runs on that thread for every
  // scrape and must be thread-safe with respect to the program's other threads. Unavailable
  // when the address is taken.
  static Result<std::unique_ptr<MetricsServer>> start(MetricsServerOptions options, std::function<std::string()> render);
  // Stops listening and joins the thread.
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  std::uint16_t port() const;

 private:
  struct State;
  explicit MetricsServer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace colonies::observability
