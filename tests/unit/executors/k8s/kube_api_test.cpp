// KubeApi and the connection settings against the scripted fake API server: the calls the
// backend makes, retries with backoff (429/5xx), token re-read on 401, TLS with a CA made at test
// time, kubeconfig and in-cluster reading.
#include "executors/k8s/kube_api.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/protocol/encoding.hpp"
#include "executors/k8s/kube_config.hpp"
#include "tests/support/fake_kube_api.hpp"

namespace colonies::executors::k8s {
namespace {

namespace fs = std::filesystem;
using testing::FakeKubeApi;
using namespace std::chrono_literals;

fs::path temp_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / fmt::format("colonies-k8s-{}-{}", ::getpid(), name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void write(const fs::path& file, const std::string& text) { std::ofstream(file) << text; }

std::string read(const fs::path& file) {
  std::ifstream in(file);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

json::object minimal_job(const std::string& name, const std::string& executor = "exec-a") {
  return json::parse(fmt::format(R"({{
    "apiVersion": "batch/v1", "kind": "Job",
    "metadata": {{"name": "{0}", "labels": {{"colonies.io/executor": "{1}"}}}},
    "spec": {{"template": {{
      "metadata": {{"labels": {{"colonies.io/executor": "{1}", "colonies.io/job": "{0}"}}}},
      "spec": {{"containers": [{{"name": "main", "image": "x", "command": ["echo", "hi"]}}]}}}}}}}})",
                                 name, executor))
      .as_object();
}

class KubeApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_ = FakeKubeApi::start({});
    ASSERT_TRUE(fake_);
  }

  KubeConnection plain(std::string token = "test-token") {
    KubeConnection c;
    c.host = "127.0.0.1";
    c.port = fake_->port();
    c.tls = false;
    c.token = std::move(token);
    return c;
  }

  RetryPolicy recording_retry() {
    RetryPolicy r;
    r.initial = 100ms;
    r.max = 1000ms;
    r.sleep = [this](std::chrono::milliseconds d) { sleeps_.push_back(d); };
    r.random = [] { return 0.5; };
    return r;
  }

  std::unique_ptr<FakeKubeApi> fake_;
  std::vector<std::chrono::milliseconds> sleeps_;
};

TEST_F(KubeApiTest, CreatesListsAndDeletesJobsWithBackgroundPropagation) {
  KubeApi api(plain(), "colonies", recording_retry());
  auto created = api.create_job(minimal_job("job-1"));
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(created->at("metadata").at("namespace").as_string(), "colonies");
  auto jobs = api.list_jobs("colonies.io/executor=exec-a");
  ASSERT_TRUE(jobs) << jobs.error().message;
  ASSERT_EQ(jobs->size(), 1u);
  auto none = api.list_jobs("colonies.io/executor=other");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  auto pods = api.list_pods("colonies.io/executor=exec-a");
  ASSERT_TRUE(pods);
  ASSERT_EQ(pods->size(), 1u);
  EXPECT_EQ(pods->at(0).at("metadata").at("labels").at("job-name").as_string(), "job-1");

  ASSERT_TRUE(api.delete_job("job-1"));
  EXPECT_TRUE(fake_->job_names().empty());
  EXPECT_TRUE(fake_->pod_names().empty()) << "Background propagation removes the pods too";
  EXPECT_EQ(fake_->count("DELETE", "/apis/batch/v1/namespaces/colonies/jobs/job-1?propagationPolicy=Background"), 1);
  auto again = api.delete_job("job-1");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::NotFound);
}

TEST_F(KubeApiTest, CreatingAnExistingJobIsAConflict) {
  KubeApi api(plain(), "colonies", recording_retry());
  ASSERT_TRUE(api.create_job(minimal_job("job-1")));
  auto second = api.create_job(minimal_job("job-1"));
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::Conflict);
  EXPECT_NE(second.error().message.find("already exists"), std::string::npos);
}

TEST_F(KubeApiTest, Retries429And5xxWithJitteredExponentialBackoff) {
  KubeApi api(plain(), "colonies", recording_retry());
  fake_->inject("GET", "/api/v1/namespaces/colonies/pods", 429, 2);
  fake_->inject("GET", "/api/v1/namespaces/colonies/pods", 500, 1);
  fake_->inject("GET", "/api/v1/namespaces/colonies/pods", 503, 1);
  auto pods = api.list_pods("a=b");
  ASSERT_TRUE(pods) << pods.error().message;
  EXPECT_EQ(api.counters().retries, 4);
  // random() = 0.5 gives three quarters of the bound: 100, 200, 400, 800 ms bounds.
  EXPECT_EQ(sleeps_, (std::vector<std::chrono::milliseconds>{75ms, 150ms, 300ms, 600ms}));
}

TEST_F(KubeApiTest, GivesUpAsUnavailableAfterMaxAttempts) {
  RetryPolicy retry = recording_retry();
  retry.max_attempts = 3;
  KubeApi api(plain(), "colonies", retry);
  fake_->inject("GET", "/apis/batch/v1", 502, 10);
  auto jobs = api.list_jobs("a=b");
  ASSERT_FALSE(jobs);
  EXPECT_EQ(jobs.error().code, ErrorCode::Unavailable);
  EXPECT_NE(jobs.error().message.find("502"), std::string::npos) << jobs.error().message;
  EXPECT_EQ(sleeps_.size(), 2u);
}

TEST_F(KubeApiTest, DoesNotRetryClientErrors) {
  KubeApi api(plain(), "colonies", recording_retry());
  fake_->inject("POST", "/apis/batch/v1", 422, 1);
  auto created = api.create_job(minimal_job("job-1"));
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code, ErrorCode::BadRequest);
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(KubeApiTest, RereadsTheTokenFileOn401) {
  auto dir = temp_dir("token");
  KubeConnection c = plain();
  c.token_file = dir / "token";
  write(c.token_file, "test-token\n");
  KubeApi api(c, "colonies", recording_retry());
  ASSERT_TRUE(api.list_jobs("a=b"));
  // The kubelet rotates the projected token: the server takes only the new one from now on.
  fake_->rotate_token("rotated-token");
  write(c.token_file, "rotated-token\n");
  auto jobs = api.list_jobs("a=b");
  ASSERT_TRUE(jobs) << jobs.error().message;
  EXPECT_EQ(api.counters().token_reloads, 1);
  EXPECT_TRUE(sleeps_.empty()) << "a token reload is not a backoff";
  fs::remove_all(dir);
}

TEST_F(KubeApiTest, A401ThatPersistsIsUnauthenticated) {
  auto dir = temp_dir("token-stale");
  KubeConnection c = plain("wrong");
  c.token_file = dir / "token";
  write(c.token_file, "still-wrong");
  KubeApi api(c, "colonies", recording_retry());
  auto jobs = api.list_jobs("a=b");
  ASSERT_FALSE(jobs);
  EXPECT_EQ(jobs.error().code, ErrorCode::Unauthenticated);
  EXPECT_EQ(api.counters().token_reloads, 1);
  fs::remove_all(dir);
}

TEST_F(KubeApiTest, ForbiddenNamesTheRbacRole) {
  KubeApi api(plain(), "colonies", recording_retry());
  fake_->inject("GET", "/apis/batch/v1", 403, 1);
  auto jobs = api.list_jobs("a=b");
  ASSERT_FALSE(jobs);
  EXPECT_EQ(jobs.error().code, ErrorCode::Forbidden);
  EXPECT_NE(jobs.error().message.find("RBAC"), std::string::npos);
}

TEST(KubeApiTlsTest, TalksHttpsToASelfSignedServerTrustedThroughItsCa) {
  auto dir = temp_dir("tls");
  ASSERT_TRUE(testing::make_self_signed_cert(dir.string())) << "openssl CLI needed";
  auto fake = FakeKubeApi::start({"tls-token", (dir / "cert.pem").string(), (dir / "key.pem").string()});
  ASSERT_TRUE(fake);
  KubeConnection c;
  c.host = "127.0.0.1";
  c.port = fake->port();
  c.tls = true;
  c.token = "tls-token";
  c.ca_pem = read(dir / "cert.pem");
  RetryPolicy retry;
  retry.max_attempts = 1;
  KubeApi api(c, "colonies", retry);
  auto created = api.create_job(minimal_job("tls-job"));
  ASSERT_TRUE(created) << created.error().message;

  // Without the CA the certificate is not trusted, and nothing is sent.
  c.ca_pem.clear();
  KubeApi untrusting(c, "colonies", retry);
  auto refused = untrusting.list_jobs("a=b");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("TLS"), std::string::npos) << refused.error().message;
  fs::remove_all(dir);
}

TEST(KubeConfigTest, ReadsTheCurrentContextWithInlineCaAndToken) {
  auto dir = temp_dir("kubeconfig");
  write(dir / "kubeconfig", fmt::format(R"(apiVersion: v1
kind: Config
current-context: lab
clusters:
- name: other
  cluster:
    server: https://other.example.org
- name: lab-cluster
  cluster:
    server: https://k8s.example.org:6443
    certificate-authority-data: {}
contexts:
- name: lab
  context:
    cluster: lab-cluster
    user: executor
    namespace: hpc
users:
- name: executor
  user:
    token: abc.def
)",
                                       protocol::base64_encode("-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n")));
  auto conn = load_kubeconfig(dir / "kubeconfig");
  ASSERT_TRUE(conn) << conn.error().message;
  EXPECT_EQ(conn->host, "k8s.example.org");
  EXPECT_EQ(conn->port, 6443);
  EXPECT_TRUE(conn->tls);
  EXPECT_EQ(conn->token, "abc.def");
  EXPECT_EQ(conn->ns, "hpc");
  EXPECT_NE(conn->ca_pem.find("BEGIN CERTIFICATE"), std::string::npos);
  fs::remove_all(dir);
}

TEST(KubeConfigTest, ReadsFilesRelativeToTheKubeconfigAndANamedContext) {
  auto dir = temp_dir("kubeconfig-files");
  write(dir / "ca.crt", "CA");
  write(dir / "client.crt", "CERT");
  write(dir / "client.key", "KEY");
  write(dir / "token", "from-file\n");
  write(dir / "kubeconfig", R"(current-context: a
clusters:
- name: c
  cluster:
    server: http://127.0.0.1:8080
    certificate-authority: ca.crt
contexts:
- name: a
  context: {cluster: c, user: cert}
- name: b
  context: {cluster: c, user: tok}
users:
- name: cert
  user:
    client-certificate: client.crt
    client-key: client.key
- name: tok
  user:
    tokenFile: token
)");
  auto a = load_kubeconfig(dir / "kubeconfig");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_FALSE(a->tls);
  EXPECT_EQ(a->port, 8080);
  EXPECT_EQ(a->ca_pem, "CA");
  EXPECT_EQ(a->client_cert_pem, "CERT");
  EXPECT_EQ(a->client_key_pem, "KEY");
  auto b = load_kubeconfig(dir / "kubeconfig", "b");
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->token, "from-file");
  EXPECT_EQ(b->token_file, dir / "token");
  fs::remove_all(dir);
}

TEST(KubeConfigTest, RefusesExecPluginsMissingContextsAndBadServers) {
  auto dir = temp_dir("kubeconfig-bad");
  write(dir / "exec", R"(current-context: a
clusters: [{name: c, cluster: {server: "https://h"}}]
contexts: [{name: a, context: {cluster: c, user: u}}]
users: [{name: u, user: {exec: {command: aws}}}]
)");
  auto exec = load_kubeconfig(dir / "exec");
  ASSERT_FALSE(exec);
  EXPECT_NE(exec.error().message.find("exec or auth-provider"), std::string::npos);
  auto missing = load_kubeconfig(dir / "exec", "nope");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("no context 'nope'"), std::string::npos);
  write(dir / "badserver", R"(current-context: a
clusters: [{name: c, cluster: {server: "ftp://h"}}]
contexts: [{name: a, context: {cluster: c}}]
)");
  auto bad = load_kubeconfig(dir / "badserver");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("scheme"), std::string::npos);
  write(dir / "broken", "clusters: [unclosed");
  EXPECT_FALSE(load_kubeconfig(dir / "broken"));
  auto absent = load_kubeconfig(dir / "absent");
  ASSERT_FALSE(absent);
  EXPECT_EQ(absent.error().code, ErrorCode::NotFound);
  fs::remove_all(dir);
}

TEST(KubeConfigTest, InClusterReadsTheServiceAccountFiles) {
  auto dir = temp_dir("serviceaccount");
  write(dir / "token", "sa-token\n");
  write(dir / "ca.crt", "CA");
  write(dir / "namespace", "batch\n");
  auto conn = in_cluster_connection("10.96.0.1", "443", dir);
  ASSERT_TRUE(conn) << conn.error().message;
  EXPECT_EQ(conn->host, "10.96.0.1");
  EXPECT_EQ(conn->port, 443);
  EXPECT_EQ(conn->token, "sa-token");
  EXPECT_EQ(conn->token_file, dir / "token");
  EXPECT_EQ(conn->ns, "batch");
  EXPECT_FALSE(in_cluster_connection("", "", dir));
  fs::remove(dir / "token");
  EXPECT_FALSE(in_cluster_connection("10.96.0.1", "443", dir));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace colonies::executors::k8s
