// kubeconfig (yaml-cpp) and in-cluster service account reading; see kube_config.hpp.
#include "executors/k8s/kube_config.hpp"

#include <fstream>
#include <sstream>

#include <boost/url/parse.hpp>
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "core/protocol/encoding.hpp"

namespace colonies::executors::k8s {

namespace fs = std::filesystem;

namespace {

Result<std::string> read_file(const fs::path& file, std::string_view what) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(ErrorCode::BadRequest, "cannot read {} {}", what, file.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string trim(std::string text) {
  const auto space = " \t\r\n";
  auto first = text.find_first_not_of(space);
  if (first == std::string::npos) return "";
  auto last = text.find_last_not_of(space);
  return text.substr(first, last - first + 1);
}

// certificate-authority-data and friends: base64 that may be wrapped over lines.
Result<std::string> decode_data(const std::string& text, std::string_view field) {
  std::string compact;
  for (char c : text) {
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t') compact += c;
  }
  auto bytes = protocol::base64_decode(compact);
  if (!bytes) return fail(ErrorCode::BadRequest, "kubeconfig: {} is not base64", field);
  return std::move(*bytes);
}

// The entry of `list` (clusters, users, contexts) whose name is `name`, or an undefined node.
YAML::Node named(const YAML::Node& list, const std::string& name) {
  if (!list || !list.IsSequence()) return YAML::Node(YAML::NodeType::Undefined);
  for (const auto& entry : list) {
    if (entry["name"] && entry["name"].as<std::string>() == name) return entry;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

std::string text_of(const YAML::Node& node, const char* key) {
  const YAML::Node value = node[key];
  return value && value.IsScalar() ? value.as<std::string>() : std::string();
}

// A path in a kubeconfig is relative to the kubeconfig's own directory.
fs::path resolve(const fs::path& kubeconfig, const std::string& path) {
  fs::path p(path);
  return p.is_absolute() ? p : kubeconfig.parent_path() / p;
}

// "data" inline (base64) or a file next to the kubeconfig; "" when neither is set.
Result<std::string> data_or_file(const YAML::Node& node, const char* data_key, const char* file_key,
                                 const fs::path& kubeconfig, const KubeFileReader& read) {
  if (auto data = text_of(node, data_key); !data.empty()) return decode_data(data, data_key);
  if (auto file = text_of(node, file_key); !file.empty()) return read(resolve(kubeconfig, file), file_key);
  return std::string();
}

// A token file's text, trimmed of surrounding whitespace; BadRequest when there is none.
Result<std::string> token_of(Result<std::string> text, const fs::path& file) {
  if (!text) return std::unexpected(text.error());
  std::string token = trim(std::move(*text));
  if (token.empty()) return fail(ErrorCode::BadRequest, "token file {} is empty", file.string());
  return token;
}

Result<KubeConnection> read_kubeconfig(const YAML::Node& root, const fs::path& file, const std::string& wanted,
                                       const KubeFileReader& read) {
  std::string context_name = wanted.empty() ? text_of(root, "current-context") : wanted;
  if (context_name.empty()) {
    return fail(ErrorCode::BadRequest, "kubeconfig {} has no current-context; pass --kube-context", file.string());
  }
  YAML::Node context_entry = named(root["contexts"], context_name);
  if (!context_entry || !context_entry["context"]) {
    return fail(ErrorCode::BadRequest, "kubeconfig {} has no context '{}'", file.string(), context_name);
  }
  const YAML::Node context = context_entry["context"];
  const std::string cluster_name = text_of(context, "cluster");
  const std::string user_name = text_of(context, "user");
  YAML::Node cluster_entry = named(root["clusters"], cluster_name);
  if (!cluster_entry || !cluster_entry["cluster"]) {
    return fail(ErrorCode::BadRequest, "kubeconfig {}: context '{}' names cluster '{}', which is not defined",
                file.string(), context_name, cluster_name);
  }
  const YAML::Node cluster = cluster_entry["cluster"];
  KubeConnection conn;
  conn.ns = text_of(context, "namespace");
  const std::string server = text_of(cluster, "server");
  if (server.empty()) return fail(ErrorCode::BadRequest, "kubeconfig {}: cluster '{}' has no server", file.string(), cluster_name);
  COLONIES_CHECK(parse_server_url(server, conn));
  if (cluster["insecure-skip-tls-verify"] && cluster["insecure-skip-tls-verify"].as<bool>(false)) conn.tls_verify = false;
  COLONIES_TRY(ca, data_or_file(cluster, "certificate-authority-data", "certificate-authority", file, read));
  conn.ca_pem = std::move(ca);

  if (user_name.empty()) return conn;  // anonymous
  YAML::Node user_entry = named(root["users"], user_name);
  if (!user_entry || !user_entry["user"]) {
    return fail(ErrorCode::BadRequest, "kubeconfig {}: context '{}' names user '{}', which is not defined", file.string(),
                context_name, user_name);
  }
  const YAML::Node user = user_entry["user"];
  if (user["exec"] || user["auth-provider"]) {
    return fail(ErrorCode::BadRequest,
                "kubeconfig {}: user '{}' uses an exec or auth-provider credential plugin, which the executor does not "
                "run; give it a token, a tokenFile or a client certificate (e.g. a ServiceAccount token)",
                file.string(), user_name);
  }
  conn.token = text_of(user, "token");
  if (auto token_file = text_of(user, "tokenFile"); !token_file.empty()) {
    conn.token_file = resolve(file, token_file);
    COLONIES_TRY(token, token_of(read(conn.token_file, "token file"), conn.token_file));
    conn.token = std::move(token);
  }
  COLONIES_TRY(cert, data_or_file(user, "client-certificate-data", "client-certificate", file, read));
  COLONIES_TRY(key, data_or_file(user, "client-key-data", "client-key", file, read));
  if (cert.empty() != key.empty()) {
    return fail(ErrorCode::BadRequest, "kubeconfig {}: user '{}' has a client certificate without its key or the other way round",
                file.string(), user_name);
  }
  conn.client_cert_pem = std::move(cert);
  conn.client_key_pem = std::move(key);
  return conn;
}

}  // namespace

std::string KubeConnection::describe() const { return fmt::format("{}://{}:{}", tls ? "https" : "http", host, port); }

Status parse_server_url(const std::string& url, KubeConnection& into) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed || !parsed->has_authority() || parsed->host().empty()) {
    return fail(ErrorCode::BadRequest, "Kubernetes API server '{}' is not a URL like https://host:6443", url);
  }
  if (parsed->scheme() == "https") {
    into.tls = true;
  } else if (parsed->scheme() == "http") {
    into.tls = false;
  } else {
    return fail(ErrorCode::BadRequest, "Kubernetes API server '{}': scheme must be https (or http)", url);
  }
  if (!parsed->encoded_path().empty() && parsed->encoded_path() != "/") {
    return fail(ErrorCode::BadRequest, "Kubernetes API server '{}': a path prefix is not supported", url);
  }
  into.host = std::string(parsed->host_address());
  if (parsed->has_port()) {
    auto port = parsed->port_number();
    if (port == 0) return fail(ErrorCode::BadRequest, "Kubernetes API server '{}': bad port", url);
    into.port = port;
  } else {
    into.port = into.tls ? 443 : 80;
  }
  return ok();
}

Result<std::string> read_token_file(const fs::path& file) { return token_of(read_file(file, "token file"), file); }

Result<KubeConnection> load_kubeconfig(const fs::path& file, const std::string& context) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return fail(ErrorCode::NotFound, "kubeconfig {} does not exist", file.string());
  try {
    YAML::Node root = YAML::LoadFile(file.string());
    return read_kubeconfig(root, file, context, read_file);
  } catch (const YAML::Exception& e) {
    return fail(ErrorCode::BadRequest, "kubeconfig {}: {}", file.string(), e.what());
  }
}

Result<KubeConnection> parse_kubeconfig(std::string_view yaml, const fs::path& file, const std::string& context,
                                        const KubeFileReader& read) {
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    return read_kubeconfig(root, file, context, read);
  } catch (const YAML::Exception& e) {
    return fail(ErrorCode::BadRequest, "kubeconfig {}: {}", file.string(), e.what());
  }
}

Result<KubeConnection> in_cluster_connection(const std::string& host, const std::string& port, const fs::path& dir) {
  if (host.empty() || port.empty()) {
    return fail(ErrorCode::BadRequest,
                "not running inside a Kubernetes pod: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set");
  }
  KubeConnection conn;
  const bool ipv6 = host.find(':') != std::string::npos;
  COLONIES_CHECK(parse_server_url(fmt::format("https://{}{}{}:{}", ipv6 ? "[" : "", host, ipv6 ? "]" : "", port), conn));
  conn.token_file = dir / "token";
  COLONIES_TRY(token, read_token_file(conn.token_file));
  conn.token = std::move(token);
  COLONIES_TRY(ca, read_file(dir / "ca.crt", "service account CA"));
  conn.ca_pem = std::move(ca);
  if (auto ns = read_file(dir / "namespace", "namespace file")) conn.ns = trim(std::move(*ns));
  return conn;
}

}  // namespace colonies::executors::k8s
