// What every TLS client of ours does to a connection before its handshake and how it reports a
// failed one: SNI and the host-name (or IP address) check that OpenSSL makes during verification,
// and an error text that says why the certificate was refused and what to do about it. Shared by
// the HTTP and the WebSocket client; not the context set-up (trusted CAs), which stays with them.
#pragma once

#include <string>

#include <boost/system/error_code.hpp>
#include <openssl/ssl.h>

namespace colonies::transport {

// Sets SNI to `host` when it is a name (RFC 6066 forbids addresses) and, when `verify`, makes
// OpenSSL's own verification check that the certificate names `host` (a DNS name, or an IP
// address in its subjectAltName). Call before the handshake. False if OpenSSL refused the name.
bool prepare_tls_client(SSL* ssl, const std::string& host, bool verify);

// The reason of a failed client handshake: the certificate verification error when there is one
// ("certificate verify failed (self-signed certificate)"), followed for an untrusted certificate
// by `trust_hint` (how the caller names the CA option) and for a name mismatch by what the
// certificate would have to name; `error.message()` otherwise.
std::string tls_handshake_failure(const boost::system::error_code& error, SSL* ssl, const std::string& host,
                                  const std::string& trust_hint);

}  // namespace colonies::transport
