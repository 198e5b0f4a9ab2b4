// EtcdGateway: the only file of the etcd adapter that does I/O (through the transport's
// HttpClient, Boost.Beast underneath).
#include "adapters/cluster/etcd_gateway.hpp"

#include "adapters/cluster/etcd_messages.hpp"
#include "adapters/transport/http/http_forwarder.hpp"

namespace colonies::cluster {

Result<EtcdGateway> EtcdGateway::create(const std::vector<std::string>& urls, std::chrono::milliseconds timeout) {
  if (urls.empty()) return fail(ErrorCode::BadRequest, "no etcd endpoint given (expected http://host:port, ...)");
  std::vector<Endpoint> endpoints;
  for (const auto& url : urls) {
    auto target = transport::parse_member_url(url);
    if (!target) return fail(ErrorCode::BadRequest, "etcd endpoint {}", target.error().message);
    transport::HttpClientOptions options;
    options.host = target->host;
    options.port = target->port;
    options.connect_timeout = timeout;
    options.server_name = "etcd";
    endpoints.push_back(Endpoint{url, std::make_unique<transport::HttpClient>(options)});
  }
  return EtcdGateway(std::move(endpoints), timeout);
}

Result<std::string> EtcdGateway::call(std::string_view path, const std::string& body) {
  std::string failures;
  for (std::size_t tried = 0; tried < endpoints_.size(); ++tried) {
    auto& endpoint = endpoints_[current_];
    auto reply = endpoint.client->post(std::string(path), body, timeout_);
    if (reply) {
      if (reply->status == 200) return std::move(reply->body);
      return std::unexpected(etcd::parse_error(reply->status, reply->body));
    }
    endpoint.client->close();
    failures += fmt::format("{}{}: {}", failures.empty() ? "" : "; ", endpoint.url, reply.error().message);
    current_ = (current_ + 1) % endpoints_.size();
  }
  return fail(ErrorCode::Unavailable, "no etcd endpoint answered {} ({})", path, failures);
}

}  // namespace colonies::cluster
