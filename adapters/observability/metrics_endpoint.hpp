// GET /metrics over the project's HTTP server: who may scrape (nobody needs a credential, or a
// bearer token read from a private file), and the answer in the Prometheus text format. Shared by
// coloniesd (on its API port) and the executors (on a port of their own, metrics_server.hpp).
// It renders nothing itself: the caller passes what to write.
#pragma once

#include <functional>
#include <string>

#include "adapters/transport/http/http_server.hpp"
#include "core/error/error.hpp"

namespace colonies::observability {

inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";
inline constexpr std::size_t kMinTokenLength = 16;

// Reads the scrape token from `path` after checking it is readable by its owner only (like a key
// file: mode 0600). The token is the file's content without surrounding white space: at least
// kMinTokenLength printable ASCII characters without white space inside. BadRequest naming the
// file and `what` ("--metrics-token-file") otherwise; the token never appears in a message.
Result<std::string> read_token_file(const std::string& path, std::string_view what);

// Answers one request for the metrics path: 405 for a method other than GET, 401 when
// `token` is set and the request's Authorization is not "Bearer <token>" (compared in constant
// time; fails closed), else 200 with render()'s text. Any thread; render() runs on the caller's.
transport::HttpResponse serve_metrics(const transport::HttpRequest& request, const std::string& token,
                                      const std::function<std::string()>& render);

}  // namespace colonies::observability
