// Where the Kubernetes API is and how to authenticate to it: read from a kubeconfig file (YAML,
// the current or a named context) or from the in-cluster service account files. Reads files
// only; kube_api.cpp does the HTTP. Exec credential plugins and auth providers are refused with
// a message (they would run arbitrary programs on the executor's behalf).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "core/error/error.hpp"

namespace colonies::executors::k8s {

struct KubeConnection {
  std::string host;
  std::uint16_t port = 443;
  bool tls = true;
  bool tls_verify = true;  // false only for insecure-skip-tls-verify: true
  std::string ca_pem;      // trusted CA, PEM text; "" = the system store
  std::string token;       // bearer token; "" = none
  // When set, the token is (re-)read from this file: at start and after every 401, because the
  // kubelet rotates projected service-account tokens in place.
  std::filesystem::path token_file;
  std::string client_cert_pem;  // client certificate authentication (both or neither)
  std::string client_key_pem;
  std::string ns;  // the context's (or the service account's) namespace; "" = not given
  std::string describe() const;  // "https://host:port", for messages
};

// Reads `file` (YAML kubeconfig). `context` "" = current-context. BadRequest saying what is
// missing or unsupported; NotFound when the file does not exist.
Result<KubeConnection> load_kubeconfig(const std::filesystem::path& file, const std::string& context = "");

// Reads a file a kubeconfig names (certificate-authority, client-certificate, client-key,
// tokenFile); `what` is the key, for messages. BadRequest when it cannot.
using KubeFileReader = std::function<Result<std::string>(const std::filesystem::path& file, std::string_view what)>;
// load_kubeconfig on kubeconfig text already read from `file` (relative paths in it are relative
// to its directory), with the files it names read by `read`: the seam of the fuzz target, which
// must not read the machine's files. Same errors as load_kubeconfig.
Result<KubeConnection> parse_kubeconfig(std::string_view yaml, const std::filesystem::path& file,
                                        const std::string& context, const KubeFileReader& read);

// The in-cluster service account: token, ca.crt and namespace files in `dir`, the API address
// from `host` and `port` (KUBERNETES_SERVICE_HOST / _PORT). BadRequest when one is missing.
Result<KubeConnection> in_cluster_connection(const std::string& host, const std::string& port,
                                             const std::filesystem::path& dir = "/var/run/secrets/kubernetes.io/serviceaccount");

// Reads a token file, trimmed of surrounding whitespace. BadRequest when unreadable or empty.
Result<std::string> read_token_file(const std::filesystem::path& file);

// Splits "https://host:port" (port defaults to 443 for https, 80 for http) into `into`.
Status parse_server_url(const std::string& url, KubeConnection& into);

}  // namespace colonies::executors::k8s
