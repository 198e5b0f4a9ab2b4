// Blocking HTTP/1.1 client with one kept-alive connection (plain or TLS) to one server, used by
// the C++ SDK. Not thread-safe: use one client per thread. Reconnects transparently when the
// server closed an idle connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/error/error.hpp"

namespace colonies::transport {

struct HttpClientOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 50080;
  bool tls = false;
  bool tls_verify = true;    // verify the server certificate and host name when tls
  std::string ca_file;       // extra trusted CA (PEM); system store otherwise
  std::string ca_pem;        // extra trusted CA given as PEM text (kubeconfig certificate-authority-data)
  // Appended to "certificate verify failed (...)" when the server's certificate is not trusted:
  // how this program's user names a CA (the SDK: "--tls-ca-file or COLONIES_TLS_CA_FILE").
  std::string tls_trust_hint;
  // Client certificate and its private key, PEM text, for servers that authenticate clients by
  // certificate (a kubeconfig's client-certificate-data). Both or neither.
  std::string client_cert_pem;
  std::string client_key_pem;
  std::chrono::milliseconds connect_timeout{5000};
  std::string server_name = "coloniesd";  // what "cannot connect ... is <it> running?" names
};

// Extra request header lines (name, value), e.g. {"Authorization", "Bearer ..."}.
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpResult {
  int status = 0;
  std::string body;
};

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request and waits for the whole response or `timeout`. Errors: Unavailable
  // (cannot connect, connection lost: the message says which host:port), Timeout.
  // `headers` are added to the request (Content-Type is application/json whenever there is a body,
  // unless `headers` names another); names or values with line breaks are refused (BadRequest).
  Result<HttpResult> request(const std::string& method, const std::string& target, const std::string& body,
                             std::chrono::milliseconds timeout, const HttpHeaders& headers = {});
  Result<HttpResult> post(const std::string& target, const std::string& body, std::chrono::milliseconds timeout) {
    return request("POST", target, body, timeout);
  }
  Result<HttpResult> get(const std::string& target, std::chrono::milliseconds timeout) {
    return request("GET", target, "", timeout);
  }
  // Drops the kept-alive connection.
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace colonies::transport
