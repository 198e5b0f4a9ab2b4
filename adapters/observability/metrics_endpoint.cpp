// GET /metrics: access check and answer (see metrics_endpoint.hpp).
#include "adapters/observability/metrics_endpoint.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cctype>
#include <fstream>
#include <sstream>

#include "adapters/crypto/key_file.hpp"

namespace colonies::observability {

namespace {

std::string trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return {};
  const auto end = s.find_last_not_of(" \t\r\n");
  return s.substr(begin, end - begin + 1);
}

// Equal without a timing signal: both sides are hashed first, so neither their bytes nor their
// lengths decide how long the comparison takes.
bool same_secret(std::string_view a, std::string_view b) {
  unsigned char ha[SHA256_DIGEST_LENGTH];
  unsigned char hb[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(a.data()), a.size(), ha);
  SHA256(reinterpret_cast<const unsigned char*>(b.data()), b.size(), hb);
  return CRYPTO_memcmp(ha, hb, sizeof ha) == 0;
}

transport::HttpResponse text(int status, std::string body) {
  return transport::HttpResponse{status, "text/plain; charset=utf-8", std::move(body)};
}

}  // namespace

Result<std::string> read_token_file(const std::string& path, std::string_view what) {
  COLONIES_CHECK(crypto::check_private_file(path, what));
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::BadRequest, "{} {}: cannot be read", what, path);
  std::ostringstream content;
  content << in.rdbuf();
  std::string token = trim(content.str());
  if (token.size() < kMinTokenLength) {
    return fail(ErrorCode::BadRequest, "{} {}: the token must be at least {} characters (e.g. `openssl rand -hex 32`)",
                what, path, kMinTokenLength);
  }
  for (char c : token) {
    if (c <= ' ' || c > '~') {
      return fail(ErrorCode::BadRequest,
                  "{} {}: the token must be one line of printable ASCII without spaces (e.g. `openssl rand -hex 32`)",
                  what, path);
    }
  }
  return token;
}

transport::HttpResponse serve_metrics(const transport::HttpRequest& request, const std::string& token,
                                      const std::function<std::string()>& render) {
  if (request.method != "GET") return text(405, "use GET /metrics\n");
  if (!token.empty()) {
    // Fails closed: anything but "Bearer <token>" (the scheme in any case, RFC 7235) is refused.
    constexpr std::string_view kScheme = "bearer ";
    const std::string_view given = request.authorization;
    bool scheme = given.size() > kScheme.size();
    for (std::size_t i = 0; scheme && i < kScheme.size(); ++i) {
      scheme = std::tolower(static_cast<unsigned char>(given[i])) == kScheme[i];
    }
    if (!scheme || !same_secret(given.substr(kScheme.size()), token)) {
      return text(401, "metrics require Authorization: Bearer <token> (the token of --metrics-token-file)\n");
    }
  }
  transport::HttpResponse response;
  response.status = 200;
  response.content_type = std::string(kContentType);
  response.body = render();
  return response;
}

}  // namespace colonies::observability
