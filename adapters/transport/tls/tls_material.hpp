// A server's TLS identity read from its PEM files and checked before anything serves with it:
// the certificate chain parses, the key parses (unencrypted), the key belongs to the first
// certificate and that certificate has not expired. The HTTP and gRPC servers both take this one
// value, so a reload hands them the same bytes. Not a certificate store and not a client-side
// verifier: trust is the client's business.
#pragma once

#include <string>

#include "core/error/error.hpp"

namespace colonies::transport {

struct TlsMaterial {
  std::string cert_pem;  // the chain as read, leaf first
  std::string key_pem;
  // For logs: the leaf's subject ("CN=example.org"), its expiry ("Mar  1 12:00:00 2027 GMT")
  // and the SHA-256 of its DER, hex, so that an operator can tell which certificate is served.
  std::string subject;
  std::string not_after;
  std::string sha256;
};

// Reads and checks `cert_file` and `key_file`. Blocks on file I/O; any thread. BadRequest with
// the file and the reason: unreadable, no PEM certificate, no (or an encrypted) PEM key, key and
// certificate do not match, certificate expired. Never prompts for a passphrase.
Result<TlsMaterial> load_tls_material(const std::string& cert_file, const std::string& key_file);

}  // namespace colonies::transport
