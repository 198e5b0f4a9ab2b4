// The stand-alone /metrics listener (see metrics_server.hpp).
#include "adapters/observability/metrics_server.hpp"

#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "adapters/observability/metrics_endpoint.hpp"
#include "adapters/transport/http/http_server.hpp"

namespace colonies::observability {

namespace asio = boost::asio;

struct MetricsServer::State {
  asio::io_context io{1};
  std::unique_ptr<transport::HttpServer> http;
  std::thread thread;
};

MetricsServer::MetricsServer(std::unique_ptr<State> state) : state_(std::move(state)) {}

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(MetricsServerOptions options,
                                                            std::function<std::string()> render) {
  auto state = std::make_unique<State>();
  transport::HttpServerOptions http_options;
  http_options.host = options.host;
  http_options.port = options.port;
  http_options.body_limit = 4096;  // scrapes have no body
  http_options.max_connections = 64;
  auto http = transport::HttpServer::start(
      state->io, http_options,
      [token = std::move(options.token), render = std::move(render)](transport::HttpRequest request,
                                                                     transport::Responder respond) {
        if (request.target != "/metrics") {
          respond(transport::HttpResponse{404, "text/plain; charset=utf-8", "not found: GET /metrics\n"});
          return;
        }
        respond(serve_metrics(request, token, render));
      });
  if (!http) return std::unexpected(http.error());
  state->http = std::move(*http);
  State* raw = state.get();
  raw->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(state)));
}

MetricsServer::~MetricsServer() {
  state_->http->stop();
  state_->io.stop();
  if (state_->thread.joinable()) state_->thread.join();
  state_->http.reset();
}

std::uint16_t MetricsServer::port() const { return state_->http->port(); }

}  // namespace colonies::observability
