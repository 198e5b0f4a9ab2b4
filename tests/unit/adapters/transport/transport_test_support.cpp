// Implementation of the HTTP transport test helpers (see the header). The certificate is made
// with the OpenSSL API rather than the openssl CLI so the tests need no external program.
#include "tests/unit/adapters/transport/transport_test_support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <random>
#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace colonies::transport::testing {

ServerHarness::ServerHarness(HttpHandler handler, HttpServerOptions options, int threads)
    : work_(boost::asio::make_work_guard(io_)) {
  options.host = "127.0.0.1";  // tests never listen beyond loopback
  options.port = 0;
  auto started = HttpServer::start(io_, std::move(options), std::move(handler));
  if (!started) throw std::runtime_error("server did not start: " + started.error().message);
  server_ = std::move(*started);
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { io_.run(); });
}

ServerHarness::~ServerHarness() {
  server_.reset();
  work_.reset();
  io_.stop();
  for (auto& thread : threads_) thread.join();
}

HttpClientOptions ServerHarness::client_options() const {
  HttpClientOptions options;
  options.host = "127.0.0.1";
  options.port = server_->port();
  return options;
}

HttpHandler echo_handler() {
  return [](HttpRequest request, Responder respond) {
    respond(HttpResponse{200, "text/plain", request.method + " " + request.target + " " + request.body});
  };
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

RawConnection::RawConnection(std::uint16_t port, std::chrono::milliseconds receive_timeout) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) throw std::runtime_error("socket() failed");
  timeval tv{};
  tv.tv_sec = receive_timeout.count() / 1000;
  tv.tv_usec = (receive_timeout.count() % 1000) * 1000;
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    throw std::runtime_error("connect() failed");
  }
}

RawConnection::~RawConnection() { close(); }

void RawConnection::send(const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<std::size_t>(n);
  }
}

std::string RawConnection::receive(std::size_t stop_after) {
  std::string out;
  char chunk[4096];
  while (out.size() < stop_after) {
    auto n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) break;
    out.append(chunk, static_cast<std::size_t>(n));
  }
  return out;
}

std::string RawConnection::receive_response() {
  std::string out;
  char chunk[4096];
  for (;;) {
    auto header_end = out.find("\r\n\r\n");
    if (header_end != std::string::npos) {
      std::size_t length = 0;
      auto field = out.find("Content-Length: ");
      if (field != std::string::npos && field < header_end) length = std::stoul(out.substr(field + 16));
      if (out.size() >= header_end + 4 + length) return out;
    }
    auto n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return out;
    out.append(chunk, static_cast<std::size_t>(n));
  }
}

bool RawConnection::closed_by_peer() {
  char chunk[4096];
  for (;;) {
    auto n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n == 0) return true;
    if (n < 0) return errno == ECONNRESET;  // EAGAIN: the receive timeout passed
  }
}

void RawConnection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

ScriptedServer::ScriptedServer(std::function<Reply(int)> script) : script_(std::move(script)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = 0;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listen_fd_, 16) != 0 || ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("scripted server cannot listen");
  }
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { run(); });
}

ScriptedServer::~ScriptedServer() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
}

// Polls with a short timeout everywhere so that the destructor's stop flag is seen promptly.
void ScriptedServer::run() {
  auto readable = [this](int fd) {
    while (!stop_) {
      pollfd descriptor{fd, POLLIN, 0};
      if (::poll(&descriptor, 1, 20) > 0) return true;
    }
    return false;
  };
  while (readable(listen_fd_)) {
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    ++connections_;
    std::string received;
    bool open = true;
    while (open && readable(fd)) {
      char chunk[4096];
      auto n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      received.append(chunk, static_cast<std::size_t>(n));
      for (auto end = received.find("\r\n\r\n"); end != std::string::npos; end = received.find("\r\n\r\n")) {
        received.erase(0, end + 4);
        auto reply = script_(requests_++);
        ::send(fd, reply.bytes.data(), reply.bytes.size(), MSG_NOSIGNAL);
        if (reply.close) {
          open = false;
          break;
        }
      }
    }
    ::close(fd);
  }
}

namespace {

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("self-signed certificate: ") + what);
}

void add_extension(X509* cert, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  check(extension != nullptr, "extension");
  X509_add_ext(cert, extension, -1);
  X509_EXTENSION_free(extension);
}

}  // namespace

SelfSignedCert::SelfSignedCert(const std::string& subject_alt_names) {
  std::random_device random;
  dir_ = std::filesystem::temp_directory_path() / ("colonies-tls-" + std::to_string(random()));
  std::filesystem::create_directories(dir_);

  EVP_PKEY* key = EVP_EC_gen("P-256");
  check(key != nullptr, "key generation");
  X509* cert = X509_new();
  check(cert != nullptr, "X509_new");
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), static_cast<long>(random() & 0x7fffffff));
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  add_extension(cert, NID_basic_constraints, "critical,CA:TRUE");
  add_extension(cert, NID_subject_key_identifier, "hash");
  add_extension(cert, NID_subject_alt_name, subject_alt_names.c_str());
  check(X509_sign(cert, key, EVP_sha256()) > 0, "sign");

  FILE* cert_out = std::fopen(cert_file().c_str(), "w");
  check(cert_out != nullptr, "open cert file");
  PEM_write_X509(cert_out, cert);
  std::fclose(cert_out);
  FILE* key_out = std::fopen(key_file().c_str(), "w");
  check(key_out != nullptr, "open key file");
  PEM_write_PrivateKey(key_out, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(key_out);

  X509_free(cert);
  EVP_PKEY_free(key);
}

SelfSignedCert::~SelfSignedCert() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

}  // namespace colonies::transport::testing
