// HttpForwarder: resolve, connect, write, read — each step asynchronous on one beast::tcp_stream
// whose deadline covers them all. No pooling: relayed calls are long-polls for the most part,
// whose cost is the wait, not the connection.
#include "adapters/transport/http/http_forwarder.hpp"

#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>

namespace colonies::transport {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr std::uint64_t kReplyBodyLimit = 1024ull * 1024 * 1024;

struct Exchange : std::enable_shared_from_this<Exchange> {
  Exchange(net::io_context& io, std::function<void(ForwardResult)> done)
      : resolver(io), stream(io), done(std::move(done)) {}

  void start(const ForwardTarget& to, std::chrono::milliseconds timeout) {
    stream.expires_after(timeout);
    resolver.async_resolve(to.host, std::to_string(to.port),
                           [self = shared_from_this()](error_code ec, tcp::resolver::results_type results) {
                             if (ec) return self->finish("cannot resolve the leader's address: " + ec.message());
                             self->stream.async_connect(results, [self](error_code ec, const tcp::endpoint&) {
                               if (ec) return self->finish("cannot connect to the leader: " + ec.message());
                               self->write();
                             });
                           });
  }

  void write() {
    http::async_write(stream, request, [self = shared_from_this()](error_code ec, std::size_t) {
      if (ec) return self->finish("cannot send to the leader: " + ec.message());
      self->result.delivered = true;
      self->parser.body_limit(kReplyBodyLimit);
      http::async_read(self->stream, self->buffer, self->parser, [self](error_code ec, std::size_t) {
        if (ec) return self->finish("the leader did not answer: " + ec.message());
        self->result.status = static_cast<int>(self->parser.get().result_int());
        self->result.body = std::move(self->parser.get().body());
        self->finish({});
      });
    });
  }

  void finish(std::string error) {
    result.error = std::move(error);
    error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.close();
    auto callback = std::move(done);
    callback(std::move(result));
  }

  tcp::resolver resolver;
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  http::request<http::string_body> request;
  http::response_parser<http::string_body> parser;
  ForwardResult result;
  std::function<void(ForwardResult)> done;
};

}  // namespace

Result<ForwardTarget> parse_member_url(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return fail(ErrorCode::BadRequest, "'{}' is not a URL like http://host:port", url);
  if (parsed->scheme() != "http") {
    return fail(ErrorCode::BadRequest, "'{}': cluster members reach each other over http:// in this version", url);
  }
  if (!parsed->has_port() || parsed->port_number() == 0) {
    return fail(ErrorCode::BadRequest, "'{}' has no port; write it as http://host:port", url);
  }
  if (!parsed->encoded_path().empty() && parsed->encoded_path() != "/") {
    return fail(ErrorCode::BadRequest, "'{}' has a path; write it as http://host:port", url);
  }
  std::string host(parsed->host_address());
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) return fail(ErrorCode::BadRequest, "'{}' has no host", url);
  return ForwardTarget{std::move(host), parsed->port_number()};
}

void HttpForwarder::post(const ForwardTarget& to, std::string target, std::string body,
                         std::chrono::milliseconds timeout, std::function<void(ForwardResult)> done) {
  auto exchange = std::make_shared<Exchange>(io_, std::move(done));
  auto& request = exchange->request;
  request.method(http::verb::post);
  request.target(target);
  request.version(11);
  request.set(http::field::host, to.host + ":" + std::to_string(to.port));
  request.set(http::field::content_type, "application/json");
  request.set(http::field::connection, "close");
  request.body() = std::move(body);
  request.prepare_payload();
  exchange->start(to, timeout);
}

}  // namespace colonies::transport
