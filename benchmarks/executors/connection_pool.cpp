// The pool's connections: Beast HTTP/1.1 over plain TCP, all on one io_context thread, opened
// through a bounded window so that the listener's backlog is not flooded with SYNs.
#include "benchmarks/executors/connection_pool.hpp"

#include <functional>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "core/protocol/envelope.hpp"
#include "core/protocol/messages.hpp"

namespace colonies::bench {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;

struct ConnectionPool::Connection : std::enable_shared_from_this<Connection> {
  Connection(ConnectionPool& pool, std::function<void()> on_done)
      : pool(pool), socket(pool.io_), on_done(std::move(on_done)) {}

  ConnectionPool& pool;
  tcp::socket socket;
  boost::beast::flat_buffer buffer;
  http::request<http::string_body> request;
  http::response<http::string_body> response;
  std::function<void()> on_done;  // the window slot is free: called once
  char byte = 0;
  // Parked executors only.
  std::unique_ptr<ports::Signer> signer;
  std::string colony;
  int timeout_s = 0;
  bool written_once = false;

  void done() {
    if (on_done) std::exchange(on_done, nullptr)();
  }

  void connect(std::function<void()> next) {
    const tcp::endpoint endpoint(net::ip::make_address(pool.host_), pool.port_);
    socket.async_connect(endpoint, [self = shared_from_this(), next = std::move(next)](error_code ec) {
      if (ec) return self->fail("connect", ec);
      next();
    });
  }

  void fail(const char* what, error_code ec) {
    pool.record_error(std::string(what) + ": " + ec.message());
    if (signer) {
      ++pool.parked_failed_;
    } else {
      ++pool.idle_failed_;
    }
    done();
  }

  // Idle: one GET /health, then wait for the server to close (it never should during a run).
  void start_idle() {
    connect([self = shared_from_this()] {
      self->request = {http::verb::get, "/health", 11};
      self->request.set(http::field::host, self->pool.host_);
      self->request.keep_alive(true);
      http::async_write(self->socket, self->request, [self](error_code ec, std::size_t) {
        if (ec) return self->fail("write /health", ec);
        http::async_read(self->socket, self->buffer, self->response, [self](error_code ec2, std::size_t) {
          if (ec2 || self->response.result_int() != 200) return self->fail("read /health", ec2);
          ++self->pool.idle_open_;
          self->done();
          self->socket.async_read_some(net::buffer(&self->byte, 1), [self](error_code, std::size_t) {
            --self->pool.idle_open_;  // the server closed it (or sent something unasked)
          });
        });
      });
    });
  }

  // Parked executor: assign, and again after every reply.
  void start_parked() {
    connect([self = shared_from_this()] { self->send_assign(); });
  }

  void send_assign() {
    const auto now_s =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    boost::json::object payload{{"colonyname", colony}, {"timeout", timeout_s}, {"availablecpu", ""},
                                {"availablemem", ""},   {"availablegpu", -1}};
    request = {http::verb::post, "/api", 11};
    request.set(http::field::host, pool.host_);
    request.set(http::field::content_type, "application/json");
    request.keep_alive(true);
    request.body() = protocol::build_request(protocol::msg::kAssignProcess, std::move(payload), *signer,
                                             pool.crypto_.random_hex(16), now_s);
    request.prepare_payload();
    http::async_write(socket, request, [self = shared_from_this()](error_code ec, std::size_t) {
      if (ec) return self->fail("write assign", ec);
      if (!self->written_once) {
        self->written_once = true;
        ++self->pool.parked_written_;
        self->done();
      }
      self->response = {};
      http::async_read(self->socket, self->buffer, self->response,
                       [self](error_code ec2, std::size_t) { self->on_reply(ec2); });
    });
  }

  void on_reply(error_code ec) {
    const auto at = Clock::now();
    if (ec) return fail("read assign", ec);
    std::string processid;
    if (response.result_int() == 200) {
      if (auto reply = protocol::decode_reply(response.body()); reply && !reply->error && reply->payload.is_object()) {
        if (const auto* id = reply->payload.as_object().if_contains("processid"); id && id->is_string()) {
          processid = std::string(id->as_string());
        }
      }
    }
    if (processid.empty()) {
      ++pool.poll_ends_;
    } else {
      {
        std::lock_guard lock(pool.mu_);
        pool.assigned_.emplace(std::move(processid), at);
      }
      ++pool.assignments_;
    }
    send_assign();
  }
};

namespace {

// Starts `count` connections through `start(i, slot_free)`, at most `window` unfinished at once:
// each finished one (slot_free) starts the next. Runs on the I/O thread, as every slot_free does.
struct Window {
  int next = 0;
  int count = 0;
  std::function<void(int, std::function<void()>)> start;
};

void launch_next(const std::shared_ptr<Window>& w) {
  if (w->next >= w->count) return;
  const int i = w->next++;
  w->start(i, [w] { launch_next(w); });
}

void start_windowed(int count, int window, std::function<void(int, std::function<void()>)> start) {
  auto w = std::make_shared<Window>(Window{0, count, std::move(start)});
  for (int i = 0; i < window && i < count; ++i) launch_next(w);
}

void wait_for(const std::atomic<int>& counter, int target) {
  while (counter.load() < target) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

}  // namespace

ConnectionPool::ConnectionPool(std::string host, std::uint16_t port)
    : host_(std::move(host)), port_(port), work_(net::make_work_guard(io_)), thread_([this] { io_.run(); }) {}

ConnectionPool::~ConnectionPool() {
  io_.stop();
  thread_.join();
}

void ConnectionPool::open_idle(int count, int window) {
  const int target = idle_done_.load() + count;
  net::post(io_, [this, count, window] {
    start_windowed(count, window, [this](int, std::function<void()> slot_free) {
      auto c = std::make_shared<Connection>(*this, [this, slot_free = std::move(slot_free)] {
        ++idle_done_;
        slot_free();
      });
      connections_.push_back(c);
      c->start_idle();
    });
  });
  wait_for(idle_done_, target);
}

void ConnectionPool::park_executors(const std::vector<std::string>& executor_keys, const std::string& colony,
                                    int timeout_s, int window) {
  const int count = static_cast<int>(executor_keys.size());
  const int target = parked_done_.load() + count;
  net::post(io_, [this, executor_keys, colony, timeout_s, count, window] {
    start_windowed(count, window, [this, executor_keys, colony, timeout_s](int i, std::function<void()> slot_free) {
      auto c = std::make_shared<Connection>(*this, [this, slot_free = std::move(slot_free)] {
        ++parked_done_;
        slot_free();
      });
      c->signer = std::move(*crypto_.signer(executor_keys[static_cast<std::size_t>(i)]));
      c->colony = colony;
      c->timeout_s = timeout_s;
      connections_.push_back(c);
      c->start_parked();
    });
  });
  wait_for(parked_done_, target);
}

std::optional<ConnectionPool::Clock::time_point> ConnectionPool::assigned_at(const std::string& processid) {
  std::lock_guard lock(mu_);
  auto it = assigned_.find(processid);
  if (it == assigned_.end()) return std::nullopt;
  return it->second;
}

std::string ConnectionPool::first_error() {
  std::lock_guard lock(mu_);
  return first_error_;
}

void ConnectionPool::record_error(const std::string& what) {
  std::lock_guard lock(mu_);
  if (first_error_.empty()) first_error_ = what;
}

}  // namespace colonies::bench
