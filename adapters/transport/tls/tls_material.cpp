// load_tls_material: the files are read once and parsed with OpenSSL; what is checked here is
// what would otherwise surface as every client's handshake failing after a reload.
#include "adapters/transport/tls/tls_material.hpp"

#include <fstream>
#include <memory>
#include <sstream>

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace colonies::transport {

namespace {

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

Result<std::string> read_file(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::BadRequest, "cannot read the TLS {} {}", what, path);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) return fail(ErrorCode::BadRequest, "cannot read the TLS {} {}", what, path);
  return text.str();
}

std::unique_ptr<BIO, BioFree> memory_bio(const std::string& text) {
  return std::unique_ptr<BIO, BioFree>(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// An encrypted key would make OpenSSL ask for a passphrase on the terminal; a daemon must fail.
int no_passphrase(char*, int, int, void*) { return 0; }

std::string openssl_reason() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "not PEM";
  char text[256] = {};
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

std::string subject_of(X509* cert) {
  std::unique_ptr<BIO, BioFree> out(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(out.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long size = BIO_get_mem_data(out.get(), &data);
  return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string("(empty subject)");
}

std::string time_text(const ASN1_TIME* time) {
  std::unique_ptr<BIO, BioFree> out(BIO_new(BIO_s_mem()));
  ASN1_TIME_print(out.get(), time);
  char* data = nullptr;
  const long size = BIO_get_mem_data(out.get(), &data);
  return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string("?");
}

std::string fingerprint(X509* cert) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(cert, EVP_sha256(), digest, &length) != 1) return "?";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

}  // namespace

Result<TlsMaterial> load_tls_material(const std::string& cert_file, const std::string& key_file) {
  if (cert_file.empty() || key_file.empty()) {
    return fail(ErrorCode::BadRequest, "TLS needs both a certificate and a key file, only the {} is set",
                cert_file.empty() ? "key" : "certificate");
  }
  TlsMaterial material;
  COLONIES_TRY(cert_pem, read_file(cert_file, "certificate"));
  COLONIES_TRY(key_pem, read_file(key_file, "key"));
  ERR_clear_error();
  auto cert_bio = memory_bio(cert_pem);
  std::unique_ptr<X509, X509Free> leaf(PEM_read_bio_X509(cert_bio.get(), nullptr, no_passphrase, nullptr));
  if (!leaf) {
    return fail(ErrorCode::BadRequest, "TLS certificate {} holds no PEM certificate ({})", cert_file, openssl_reason());
  }
  auto key_bio = memory_bio(key_pem);
  std::unique_ptr<EVP_PKEY, KeyFree> key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, no_passphrase, nullptr));
  if (!key) {
    return fail(ErrorCode::BadRequest, "TLS key {} holds no unencrypted PEM private key ({})", key_file,
                openssl_reason());
  }
  if (X509_check_private_key(leaf.get(), key.get()) != 1) {
    ERR_clear_error();
    return fail(ErrorCode::BadRequest, "TLS key {} does not match certificate {}", key_file, cert_file);
  }
  material.not_after = time_text(X509_get0_notAfter(leaf.get()));
  if (X509_cmp_current_time(X509_get0_notAfter(leaf.get())) <= 0) {
    return fail(ErrorCode::BadRequest, "TLS certificate {} expired on {}", cert_file, material.not_after);
  }
  material.subject = subject_of(leaf.get());
  material.sha256 = fingerprint(leaf.get());
  material.cert_pem = std::move(cert_pem);
  material.key_pem = std::move(key_pem);
  return material;
}

}  // namespace colonies::transport
