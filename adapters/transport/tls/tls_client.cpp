// prepare_tls_client / tls_handshake_failure: OpenSSL's built-in host check (SSL_set1_host,
// X509_VERIFY_PARAM_set1_ip_asc) rather than a verify callback, because it records *why* it
// refused in the verify result, which the error text reports.
#include "adapters/transport/tls/tls_client.hpp"

#include <boost/asio/ip/address.hpp>
#include <fmt/format.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

namespace colonies::transport {

bool prepare_tls_client(SSL* ssl, const std::string& host, bool verify) {
  boost::system::error_code not_ip;
  boost::asio::ip::make_address(host, not_ip);
  const bool is_ip = !not_ip;
  if (!is_ip && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) return false;
  if (!verify) return true;
  if (is_ip) return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) == 1;
  SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  return SSL_set1_host(ssl, host.c_str()) == 1;
}

std::string tls_handshake_failure(const boost::system::error_code& error, SSL* ssl, const std::string& host,
                                  const std::string& trust_hint) {
  const long result = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
  if (result == X509_V_OK) return error.message();
  std::string text = fmt::format("certificate verify failed ({})", X509_verify_cert_error_string(result));
  if (result == X509_V_ERR_HOSTNAME_MISMATCH || result == X509_V_ERR_IP_ADDRESS_MISMATCH) {
    return text + fmt::format(": the server's certificate is not issued for '{}'; connect with a name or address "
                              "it lists in its subjectAltName",
                              host);
  }
  if (result == X509_V_ERR_CERT_HAS_EXPIRED || result == X509_V_ERR_CERT_NOT_YET_VALID) {
    return text + ": renew the server's certificate (or check this machine's clock)";
  }
  if (!trust_hint.empty()) text += ": " + trust_hint;
  return text;
}

}  // namespace colonies::transport
