// WsClient: blocking calls implemented as asynchronous Beast operations on a private io_context,
// so one deadline covers connect, TLS handshake and upgrade, and a read can time out without
// being cancelled (Beast's WebSocket stream is unusable after a cancelled read).
#include "adapters/transport/http/ws_client.hpp"

#include <optional>
#include <string>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "adapters/transport/tls/tls_client.hpp"

namespace colonies::transport {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {
// Events carry whole processes; this only guards against a runaway server.
constexpr std::size_t kMessageLimit = 256u * 1024 * 1024;
}  // namespace

struct WsClient::Impl {
  explicit Impl(HttpClientOptions opts) : options(std::move(opts)), name(fmt::format("{}:{}", options.host, options.port)) {}

  // Runs the io_context until `done` or `deadline`; false on the deadline (operations stay pending).
  bool run_until(const bool& done, Clock::time_point deadline) {
    while (!done) {
      io.restart();
      if (io.run_one_until(deadline) == 0 && Clock::now() >= deadline) return done;
    }
    return true;
  }

  // Ends everything: closes the socket so that pending operations complete, and lets them.
  void drop() {
    error_code ignored;
    if (plain) {
      beast::get_lowest_layer(*plain).close(ignored);
    } else if (secure) {
      beast::get_lowest_layer(*secure).close(ignored);
    }
    io.restart();
    io.run();
    dropped = true;
  }

  template <class Fn>
  void with_stream(Fn&& fn) {
    if (secure) {
      fn(*secure);
    } else {
      fn(*plain);
    }
  }

  Status connect(const std::string& target, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + std::min(timeout, options.connect_timeout);
    auto timed_out = [&] {
      drop();
      return fail(ErrorCode::Unavailable, "cannot connect to {}: no answer within {} ms — is coloniesd running?", name,
                  std::min(timeout, options.connect_timeout).count());
    };
    error_code ec;
    tcp::resolver::results_type endpoints;
    auto address = net::ip::make_address(options.host, ec);
    const bool host_is_ip = !ec;
    if (host_is_ip) {
      endpoints = tcp::resolver::results_type::create(tcp::endpoint(address, options.port), options.host,
                                                      std::to_string(options.port));
    } else {
      bool done = false;
      resolver.async_resolve(options.host, std::to_string(options.port), [&](error_code e, tcp::resolver::results_type r) {
        ec = e;
        endpoints = std::move(r);
        done = true;
      });
      if (!run_until(done, deadline)) {
        resolver.cancel();
        return timed_out();
      }
      if (ec) return fail(ErrorCode::Unavailable, "cannot resolve {}: {}", options.host, ec.message());
    }

    if (options.tls) {
      try {
        tls_context.emplace(ssl::context::tls_client);
        tls_context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                                 ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
        if (options.tls_verify) {
          tls_context->set_default_verify_paths(ec);
          if (!options.ca_file.empty()) {
            tls_context->load_verify_file(options.ca_file, ec);
            if (ec) return fail(ErrorCode::BadRequest, "cannot load CA file {}: {}", options.ca_file, ec.message());
          }
          tls_context->set_verify_mode(ssl::verify_peer);
        } else {
          tls_context->set_verify_mode(ssl::verify_none);
        }
      } catch (const std::exception& e) {
        return fail(ErrorCode::BadRequest, "cannot set up TLS: {}", e.what());
      }
      secure.emplace(io, *tls_context);
    } else {
      plain.emplace(io);
    }

    bool done = false;
    net::async_connect(secure ? beast::get_lowest_layer(*secure) : beast::get_lowest_layer(*plain), endpoints,
                       [&](error_code e, const tcp::endpoint&) {
                         ec = e;
                         done = true;
                       });
    if (!run_until(done, deadline)) return timed_out();
    if (ec) {
      return fail(ErrorCode::Unavailable, "cannot connect to {}: {}{}", name, ec.message(),
                  ec == net::error::connection_refused ? " — is coloniesd running?" : "");
    }

    if (secure) {
      auto& tls = secure->next_layer();
      if (!prepare_tls_client(tls.native_handle(), options.host, options.tls_verify)) {
        drop();
        return fail(ErrorCode::BadRequest, "cannot verify TLS for host '{}'", options.host);
      }
      done = false;
      tls.async_handshake(ssl::stream_base::client, [&](error_code e) {
        ec = e;
        done = true;
      });
      if (!run_until(done, deadline)) return timed_out();
      if (ec) {
        auto reason = tls_handshake_failure(ec, tls.native_handle(), options.host, options.tls_trust_hint);
        drop();
        return fail(ErrorCode::Unavailable, "TLS handshake with {} failed: {}", name, reason);
      }
    }

    websocket::response_type response;
    done = false;
    with_stream([&](auto& ws) {
      ws.read_message_max(kMessageLimit);
      ws.set_option(websocket::stream_base::decorator(
          [](websocket::request_type& request) { request.set(http::field::user_agent, "colonies-cpp"); }));
      ws.async_handshake(response, name, target, [&](error_code e) {
        ec = e;
        done = true;
      });
    });
    if (!run_until(done, Clock::now() + timeout)) return timed_out();
    if (ec) {
      drop();
      if (ec == websocket::error::upgrade_declined) {
        return fail(ErrorCode::Unavailable, "{} refused the WebSocket upgrade on {} (HTTP {})", name, target,
                    response.result_int());
      }
      return fail(ErrorCode::Unavailable, "WebSocket handshake with {} failed: {}", name, ec.message());
    }
    return ok();
  }

  HttpClientOptions options;
  std::string name;
  net::io_context io;
  tcp::resolver resolver{io};
  std::optional<ssl::context> tls_context;
  std::optional<websocket::stream<tcp::socket>> plain;
  std::optional<websocket::stream<ssl::stream<tcp::socket>>> secure;
  beast::flat_buffer buffer;
  // A read that outlived its caller's deadline stays pending; the next read() continues it.
  bool reading = false;
  bool read_done = false;
  error_code read_error;
  bool dropped = false;
  bool closed_by_peer = false;
  WsClose close_info;
};

WsClient::WsClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

WsClient::~WsClient() {
  if (impl_ && !impl_->dropped) impl_->drop();
}

Result<std::unique_ptr<WsClient>> WsClient::connect(const HttpClientOptions& options, const std::string& target,
                                                    std::chrono::milliseconds timeout) {
  auto impl = std::make_unique<Impl>(options);
  COLONIES_CHECK(impl->connect(target, timeout));
  return std::unique_ptr<WsClient>(new WsClient(std::move(impl)));
}

Status WsClient::send(const std::string& text, std::chrono::milliseconds timeout) {
  auto& impl = *impl_;
  if (impl.dropped || impl.closed_by_peer) return fail(ErrorCode::Unavailable, "connection to {} is closed", impl.name);
  bool done = false;
  error_code ec;
  impl.with_stream([&](auto& ws) {
    ws.text(true);
    ws.async_write(net::buffer(text), [&](error_code e, std::size_t) {
      ec = e;
      done = true;
    });
  });
  if (!impl.run_until(done, Clock::now() + timeout)) {
    impl.drop();
    return fail(ErrorCode::Timeout, "sending to {} timed out after {} ms", impl.name, timeout.count());
  }
  if (ec) {
    impl.drop();
    return fail(ErrorCode::Unavailable, "connection to {} lost while sending: {}", impl.name, ec.message());
  }
  return ok();
}

Result<std::optional<std::string>> WsClient::read(std::chrono::milliseconds timeout) {
  auto& impl = *impl_;
  if (impl.closed_by_peer) return std::optional<std::string>{};
  if (impl.dropped) return fail(ErrorCode::Unavailable, "connection to {} is closed", impl.name);
  if (!impl.reading) {
    impl.reading = true;
    impl.read_done = false;
    impl.with_stream([&](auto& ws) {
      ws.async_read(impl.buffer, [&impl](error_code e, std::size_t) {
        impl.read_error = e;
        impl.read_done = true;
      });
    });
  }
  if (!impl.run_until(impl.read_done, Clock::now() + timeout)) {
    return fail(ErrorCode::Timeout, "nothing from {} within {} ms", impl.name, timeout.count());
  }
  impl.reading = false;
  if (impl.read_error == websocket::error::closed) {
    impl.closed_by_peer = true;
    impl.with_stream([&](auto& ws) {
      impl.close_info.code = static_cast<int>(ws.reason().code);
      impl.close_info.reason = std::string(ws.reason().reason.c_str());
    });
    return std::optional<std::string>{};
  }
  if (impl.read_error) {
    auto message = fmt::format("connection to {} lost: {}", impl.name, impl.read_error.message());
    impl.drop();
    return fail(ErrorCode::Unavailable, "{}", message);
  }
  std::string text = beast::buffers_to_string(impl.buffer.data());
  impl.buffer.consume(impl.buffer.size());
  return std::optional<std::string>{std::move(text)};
}

const WsClose& WsClient::closed() const { return impl_->close_info; }

void WsClient::close() {
  auto& impl = *impl_;
  if (impl.dropped) return;
  if (!impl.closed_by_peer) {
    bool done = false;
    impl.with_stream([&](auto& ws) {
      ws.async_close(websocket::close_code::normal, [&](error_code) { done = true; });
    });
    impl.run_until(done, Clock::now() + std::chrono::seconds(2));
  }
  impl.drop();
}

}  // namespace colonies::transport
