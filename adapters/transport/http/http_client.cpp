// HttpClient: blocking calls implemented as asynchronous Beast operations on a private
// io_context, so one deadline can cover connect, TLS handshake, write and read. Keeps one
// connection alive and retries once on a stale one. Not thread-safe and not a connection pool.
#include "adapters/transport/http/http_client.hpp"

#include <poll.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>

#include "adapters/transport/tls/tls_client.hpp"

namespace colonies::transport {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

// Replies listing many processes can be large; this only guards against a runaway server.
constexpr std::uint64_t kResponseBodyLimit = 1024ull * 1024 * 1024;

// Method and target go into the request line verbatim; refusing spaces and control characters
// keeps a caller's string from smuggling extra header lines.
bool is_safe_request_line_part(std::string_view text) {
  if (text.empty()) return false;
  for (unsigned char c : text) {
    if (c <= 0x20 || c == 0x7f) return false;
  }
  return true;
}

// Header names and values must not carry line breaks (header injection) or other controls.
bool is_safe_header_part(std::string_view text) {
  for (unsigned char c : text) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

struct HttpClient::Impl {
  // How one exchange on an open connection failed; `retryable` means the server cannot have seen a
  // complete request or has not started answering, which is what makes one retry safe.
  struct ExchangeError {
    Error error;
    bool retryable = false;
  };

  explicit Impl(HttpClientOptions opts) : options(std::move(opts)), name(fmt::format("{}:{}", options.host, options.port)) {
    if (!options.tls) return;
    try {
      tls_context.emplace(ssl::context::tls_client);
      tls_context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                               ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
      if (options.tls_verify) {
        error_code ec;
        tls_context->set_default_verify_paths(ec);
        if (!options.ca_file.empty()) {
          tls_context->load_verify_file(options.ca_file, ec);
          if (ec) tls_setup_error = fmt::format("cannot load CA file {}: {}", options.ca_file, ec.message());
        }
        if (!options.ca_pem.empty()) {
          tls_context->add_certificate_authority(net::buffer(options.ca_pem), ec);
          if (ec) tls_setup_error = fmt::format("cannot use the CA certificate: {}", ec.message());
        }
        tls_context->set_verify_mode(ssl::verify_peer);
      } else {
        tls_context->set_verify_mode(ssl::verify_none);
      }
      if (!options.client_cert_pem.empty() || !options.client_key_pem.empty()) {
        error_code ec;
        tls_context->use_certificate_chain(net::buffer(options.client_cert_pem), ec);
        if (ec) tls_setup_error = fmt::format("cannot use the client certificate: {}", ec.message());
        if (!ec) tls_context->use_private_key(net::buffer(options.client_key_pem), ssl::context::pem, ec);
        if (ec && tls_setup_error.empty()) tls_setup_error = fmt::format("cannot use the client key: {}", ec.message());
      }
    } catch (const std::exception& e) {
      tls_setup_error = fmt::format("cannot set up TLS: {}", e.what());
    }
  }

  // Runs the private io_context until `done` or `deadline`. On the deadline the connection is
  // closed, which completes the pending operations with errors; returns false then.
  bool run_until(const bool& done, Clock::time_point deadline) {
    io.restart();
    io.run_until(deadline);
    if (done) return true;
    drop();
    io.restart();
    io.run();
    return false;
  }

  tcp::socket& socket() { return tls_stream ? tls_stream->next_layer() : *plain; }

  void drop() {
    error_code ignored;
    if (plain || tls_stream) {
      socket().shutdown(tcp::socket::shutdown_both, ignored);
      socket().close(ignored);
    }
    resolver.cancel();
  }

  void disconnect() {
    drop();
    // Pending handlers (if any) hold references to the streams; let them finish first.
    io.restart();
    io.run();
    tls_stream.reset();
    plain.reset();
    buffer.consume(buffer.size());
    connected = false;
  }

  Status connect(Clock::time_point request_deadline, std::chrono::milliseconds request_timeout) {
    if (!tls_setup_error.empty()) return fail(ErrorCode::BadRequest, "{}", tls_setup_error);
    disconnect();
    auto connect_deadline = std::min(request_deadline, Clock::now() + options.connect_timeout);
    auto timed_out = [&]() -> std::unexpected<Error> {
      if (Clock::now() >= request_deadline) {
        return fail(ErrorCode::Timeout, "request to {} timed out after {} ms (while connecting)", name,
                    request_timeout.count());
      }
      return fail(ErrorCode::Unavailable, "cannot connect to {}: no answer within {} ms — is {} running?", name,
                  options.connect_timeout.count(), options.server_name);
    };

    // Resolve: an IP literal needs no resolver.
    tcp::resolver::results_type endpoints;
    error_code ec;
    auto address = net::ip::make_address(options.host, ec);
    const bool host_is_ip = !ec;
    if (!host_is_ip) {
      bool done = false;
      resolver.async_resolve(options.host, std::to_string(options.port),
                             [&](error_code resolve_ec, tcp::resolver::results_type results) {
                               ec = resolve_ec;
                               endpoints = std::move(results);
                               done = true;
                             });
      if (!run_until(done, connect_deadline)) return timed_out();
      if (ec) return fail(ErrorCode::Unavailable, "cannot resolve {}: {}", options.host, ec.message());
    } else {
      endpoints = tcp::resolver::results_type::create(tcp::endpoint(address, options.port), options.host,
                                                      std::to_string(options.port));
    }

    plain.emplace(io);
    bool done = false;
    net::async_connect(*plain, endpoints, [&](error_code connect_ec, const tcp::endpoint&) {
      ec = connect_ec;
      done = true;
    });
    if (!run_until(done, connect_deadline)) return timed_out();
    if (ec) {
      plain.reset();
      if (ec == net::error::connection_refused) {
        return fail(ErrorCode::Unavailable, "cannot connect to {}: {} — is {} running?", name, ec.message(),
                    options.server_name);
      }
      return fail(ErrorCode::Unavailable, "cannot connect to {}: {}", name, ec.message());
    }
    error_code ignored;
    plain->set_option(tcp::no_delay(true), ignored);

    if (options.tls) {
      tls_stream.emplace(std::move(*plain), *tls_context);
      plain.reset();
      // SNI for names only; certificate check against the name or IP we were asked to reach.
      if (!prepare_tls_client(tls_stream->native_handle(), options.host, options.tls_verify)) {
        disconnect();
        return fail(ErrorCode::BadRequest, "cannot verify TLS for host '{}'", options.host);
      }
      done = false;
      tls_stream->async_handshake(ssl::stream_base::client, [&](error_code handshake_ec) {
        ec = handshake_ec;
        done = true;
      });
      if (!run_until(done, connect_deadline)) return timed_out();
      if (ec) {
        auto message = fmt::format("TLS handshake with {} failed: {}", name,
                                   tls_handshake_failure(ec, tls_stream->native_handle(), options.host,
                                                         options.tls_trust_hint));
        disconnect();
        return fail(ErrorCode::Unavailable, "{}", message);
      }
    }
    connected = true;
    return ok();
  }

  // A server sends nothing unasked, so an idle connection that is readable (EOF, reset or
  // stray bytes) has been closed by the server. Checking first means the request goes out on a
  // fresh connection, and the retry below stays for the race where the close crosses our write.
  bool idle_connection_is_stale() {
    if (buffer.size() > 0) return true;
    pollfd descriptor{socket().native_handle(), POLLIN | POLLRDHUP, 0};
    return ::poll(&descriptor, 1, 0) != 0;
  }

  template <class Fn>
  void with_stream(Fn&& fn) {
    if (tls_stream) {
      fn(*tls_stream);
    } else {
      fn(*plain);
    }
  }

  std::expected<HttpResult, ExchangeError> exchange(http::request<http::string_body>& request,
                                                    Clock::time_point deadline, std::chrono::milliseconds timeout) {
    auto timed_out = [&] {
      disconnect();
      return std::unexpected(ExchangeError{
          Error{ErrorCode::Timeout, fmt::format("{} {} to {} timed out after {} ms", request.method_string(),
                                                request.target(), name, timeout.count())},
          false});
    };

    bool done = false;
    error_code ec;
    with_stream([&](auto& stream) {
      http::async_write(stream, request, [&](error_code write_ec, std::size_t) {
        ec = write_ec;
        done = true;
      });
    });
    if (!run_until(done, deadline)) return timed_out();
    if (ec) {
      auto message = fmt::format("connection to {} lost while sending: {}", name, ec.message());
      disconnect();
      return std::unexpected(ExchangeError{Error{ErrorCode::Unavailable, message}, true});
    }

    http::response_parser<http::string_body> parser;
    parser.body_limit(kResponseBodyLimit);
    if (request.method() == http::verb::head) parser.skip(true);
    done = false;
    with_stream([&](auto& stream) {
      http::async_read(stream, buffer, parser, [&](error_code read_ec, std::size_t) {
        ec = read_ec;
        done = true;
      });
    });
    if (!run_until(done, deadline)) return timed_out();
    if (ec) {
      bool nothing_received = !parser.got_some() && buffer.size() == 0;
      auto message = fmt::format("connection to {} lost while reading the reply: {}", name, ec.message());
      disconnect();
      return std::unexpected(ExchangeError{Error{ErrorCode::Unavailable, message}, nothing_received});
    }
    auto response = parser.release();
    HttpResult result{static_cast<int>(response.result_int()), std::move(response.body())};
    if (!response.keep_alive()) disconnect();
    return result;
  }

  HttpClientOptions options;
  std::string name;  // host:port, for messages
  net::io_context io;
  tcp::resolver resolver{io};
  std::optional<ssl::context> tls_context;
  std::string tls_setup_error;
  std::optional<tcp::socket> plain;
  std::optional<ssl::stream<tcp::socket>> tls_stream;
  beast::flat_buffer buffer;
  bool connected = false;
};

HttpClient::HttpClient(HttpClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpClient::~HttpClient() = default;

Result<HttpResult> HttpClient::request(const std::string& method, const std::string& target, const std::string& body,
                                       std::chrono::milliseconds timeout, const HttpHeaders& headers) {
  auto& impl = *impl_;
  const auto deadline = Clock::now() + timeout;
  if (!is_safe_request_line_part(method) || !is_safe_request_line_part(target)) {
    return fail(ErrorCode::BadRequest, "invalid HTTP request line: {:?} {:?}", method, target);
  }
  http::request<http::string_body> request;
  try {
    request.method_string(method);
    request.target(target);
    request.version(11);
    request.set(http::field::host, impl.name);
    request.set(http::field::user_agent, "colonies-cpp");
    if (!body.empty() || request.method() == http::verb::post || request.method() == http::verb::put) {
      request.set(http::field::content_type, "application/json");
    }
    for (const auto& [field, value] : headers) {
      if (!is_safe_header_part(field) || !is_safe_header_part(value) || field.empty()) {
        return fail(ErrorCode::BadRequest, "invalid HTTP header {:?}", field);
      }
      request.set(field, value);
    }
    request.body() = body;
    request.keep_alive(true);
    request.prepare_payload();
  } catch (const std::exception& e) {
    return fail(ErrorCode::BadRequest, "invalid HTTP request {} {}: {}", method, target, e.what());
  }

  // A kept-alive connection may have been closed by the server while idle; that shows up as a
  // failure before any byte of the reply. Exactly one retry, on a fresh connection, and only then.
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (impl.connected && impl.idle_connection_is_stale()) {
      spdlog::debug("http client: kept-alive connection to {} was closed by the server", impl.name);
      impl.disconnect();
    }
    const bool reused = impl.connected;
    if (!impl.connected) COLONIES_CHECK(impl.connect(deadline, timeout));
    auto result = impl.exchange(request, deadline, timeout);
    if (result) return std::move(*result);
    if (!(reused && result.error().retryable)) return std::unexpected(std::move(result.error().error));
    spdlog::debug("http client: reconnecting to {} after: {}", impl.name, result.error().error.message);
  }
  return fail(ErrorCode::Unavailable, "connection to {} lost", impl.name);  // not reached
}

void HttpClient::close() { impl_->disconnect(); }

}  // namespace colonies::transport
