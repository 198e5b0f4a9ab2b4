// The shared fixture of the executor integration tests: see colony_test.hpp.
#include "tests/integration/executors/colony_test.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cctype>
#include <csignal>
#include <fstream>
#include <thread>

namespace colonies::executors::it {

crypto::SodiumCrypto& sodium() {
  static crypto::SodiumCrypto c;
  return c;
}

std::string id_of(const std::string& key) { return sodium().signer(key).value()->id(); }

bool running(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string content;
  if (!stat || !std::getline(stat, content)) return false;
  auto close = content.rfind(')');
  return close != std::string::npos && close + 2 < content.size() && content[close + 2] != 'Z';
}

std::string test_slug(const std::string& prefix) {
  std::string slug = prefix + ::testing::UnitTest::GetInstance()->current_test_info()->name();
  for (auto& c : slug) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return slug;
}

pid_t spawn(const std::vector<std::string>& args, const std::vector<std::string>& env,
            const std::string& stderr_path) {
  std::vector<std::string> argv_strings = args, env_strings = env;
  std::vector<char*> argv, envp;
  for (auto& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (!stderr_path.empty()) {
      int fd = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      if (fd >= 0) ::dup2(fd, STDERR_FILENO);
    }
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  return pid;
}

void ColonyTest::SetUpTestSuite() {
  server_key_ = sodium().generate_private_key();
  colony_key_ = sodium().generate_private_key();
  user_key_ = sodium().generate_private_key();
  server_ = new testing::ServerProcess(COLONIESD_PATH, id_of(server_key_));
  if (!server_->started()) return;
  auto owner = client::Client::connect(server_->client_config(), server_key_).value();
  ASSERT_TRUE(owner.add_colony(model::Colony{id_of(colony_key_), kColony}));
  auto colony_owner = client::Client::connect(server_->client_config(), colony_key_).value();
  ASSERT_TRUE(colony_owner.add_user(model::User{kColony, id_of(user_key_), "tester", "", ""}));
}

void ColonyTest::TearDownTestSuite() {
  delete server_;
  server_ = nullptr;
}

void ColonyTest::SetUp() {
  ASSERT_TRUE(server_ && server_->started()) << "coloniesd did not start";
  user_ = std::make_unique<client::Client>(client::Client::connect(server_->client_config(), user_key_).value());
}

model::Process ColonyTest::wait_for(const std::string& id, const std::function<bool(const model::Process&)>& done,
                                    std::chrono::milliseconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  model::Process last;
  while (std::chrono::steady_clock::now() < until) {
    if (auto p = user_->get_process(id)) {
      last = *p;
      if (done(last)) return last;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << "process " << id << " stuck in state " << model::to_string(last.state);
  return last;
}

model::Process ColonyTest::wait_final(const std::string& id, std::chrono::milliseconds limit) {
  return wait_for(id, [](const model::Process& p) { return model::is_final(p.state); }, limit);
}

std::string ColonyTest::logs_of(const std::string& id) {
  client::LogQuery q;
  q.colonyname = kColony;
  q.processid = id;
  q.count = 500;
  auto logs = user_->get_logs(q);
  EXPECT_TRUE(logs) << logs.error().message;
  std::string text;
  for (const auto& l : logs.value_or(std::vector<model::Log>{})) text += l.message;
  return text;
}

}  // namespace colonies::executors::it
