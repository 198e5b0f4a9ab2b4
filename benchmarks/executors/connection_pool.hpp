// Thousands of client connections to one coloniesd on one Asio thread, for the many-executors
// benchmark: idle keep-alive connections (one GET /health each, then silence) and executors that
// keep a signed assignprocessmsg long-poll parked on their own connection, parking again after
// every reply. Records when each assigned process arrived; measures nothing itself.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/executor_work_guard.hpp>

#include "adapters/crypto/sodium_crypto.hpp"

namespace colonies::bench {

class ConnectionPool {
 public:
  using Clock = std::chrono::steady_clock;
  ConnectionPool(std::string host, std::uint16_t port);
  ~ConnectionPool();  // closes every connection and joins the I/O thread

  // Opens `count` idle keep-alive connections, at most `window` connecting at once. Blocks until
  // each is open and has had its /health answer, or failed.
  void open_idle(int count, int window);
  // Starts one parked executor per key (long-poll `timeout_s` seconds in colony `colony`).
  // Blocks until every assign request has been written (not until the server parked it).
  void park_executors(const std::vector<std::string>& executor_keys, const std::string& colony, int timeout_s,
                      int window);

  // The time the process `processid` reached a parked executor, once it has.
  std::optional<Clock::time_point> assigned_at(const std::string& processid);

  int idle_open() const { return idle_open_.load(); }       // open and not closed by the server since
  int idle_failed() const { return idle_failed_.load(); }   // could not connect or got no /health answer
  int parked_written() const { return parked_written_.load(); }
  int parked_failed() const { return parked_failed_.load(); }
  int assignments() const { return assignments_.load(); }   // processes received by parked executors
  int long_poll_ends() const { return poll_ends_.load(); }  // long-polls that ended without work
  std::string first_error();

  struct Connection;  // one socket and its state, connection_pool.cpp

 private:
  friend struct Connection;
  void record_error(const std::string& what);

  std::string host_;
  std::uint16_t port_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
  crypto::SodiumCrypto crypto_;
  std::vector<std::shared_ptr<Connection>> connections_;  // touched only on the I/O thread
  std::atomic<int> idle_open_{0}, idle_failed_{0}, idle_done_{0};
  std::atomic<int> parked_written_{0}, parked_failed_{0}, parked_done_{0};
  std::atomic<int> assignments_{0}, poll_ends_{0};
  std::mutex mu_;
  std::map<std::string, Clock::time_point> assigned_;
  std::string first_error_;
};

}  // namespace colonies::bench
