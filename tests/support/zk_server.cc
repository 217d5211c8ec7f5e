// Runs zkctl for the tests.
#include "support/zk_server.h"

#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "zk/testing/four_letter_word.h"

namespace sessionkeeper::testing {

namespace {

std::string ModeName(ZkServer::Mode mode) {
  return mode == ZkServer::Mode::kStandalone ? "standalone" : "ensemble";
}

// Runs a shell command; returns its stdout, or an error naming the command.
Result<std::string> RunCommand(const std::string& command) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return Status::Internal("popen failed: " + command);
  std::string out;
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) {
    out.append(buf.data(), n);
  }
  const int rc = ::pclose(pipe);
  if (rc != 0) {
    return Status::Internal("command failed (" + std::to_string(rc) +
                            "): " + command);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) {
    out.pop_back();
  }
  return out;
}

std::string MakeTempDir(const std::string& prefix) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / (prefix + "XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) std::abort();
  return pattern;
}

}  // namespace

Result<std::unique_ptr<ZkServer>> ZkServer::Start(Mode mode) {
  // An auto-picked port can be taken between zkctl's check and the server's
  // bind; a fresh directory and port on the next attempt gets past that.
  Status last;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    std::unique_ptr<ZkServer> server(
        new ZkServer(mode, MakeTempDir("sk-zk-" + ModeName(mode) + "-")));
    Result<std::string> cs =
        server->Run("--base-port auto " + ModeName(mode) + " start");
    if (cs.ok()) {
      server->connect_string_ = *cs;
      return server;
    }
    last = cs.status();
    std::fprintf(stderr, "ZooKeeper start attempt %d failed: %s\n", attempt,
                 last.ToString().c_str());
  }
  return last;
}

ZkServer::~ZkServer() {
  (void)StopAll();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

Result<std::string> ZkServer::Run(const std::string& args) {
  return RunCommand(std::string(SK_ZKCTL_PATH) + " --dir '" + dir_ + "' " +
                    args);
}

Status ZkServer::StopAll() { return Run(ModeName(mode_) + " stop").status(); }
Status ZkServer::Kill(int server) {
  return Run(ModeName(mode_) + " kill " + std::to_string(server)).status();
}
Status ZkServer::Pause(int server) {
  return Run(ModeName(mode_) + " pause " + std::to_string(server)).status();
}
Status ZkServer::Resume(int server) {
  return Run(ModeName(mode_) + " resume " + std::to_string(server)).status();
}
Status ZkServer::Restart(int server) {
  return Run(ModeName(mode_) + " restart " + std::to_string(server)).status();
}
Status ZkServer::StartServer(int server) {
  return Run(ModeName(mode_) + " start " + std::to_string(server)).status();
}
Result<int> ZkServer::Leader() {
  Result<std::string> out = Run(ModeName(mode_) + " leader");
  if (!out.ok()) return out.status();
  return std::stoi(*out);
}

const std::string& SharedZkConnectString() {
  static const std::string* const kConnect = [] {
    if (const char* dir = std::getenv("SK_TEST_ZK_DIR")) {
      Result<std::string> cs =
          RunCommand(std::string(SK_ZKCTL_PATH) + " --dir '" + dir +
                     "' standalone connect-string");
      if (cs.ok()) return new std::string(*cs);
      std::fprintf(stderr, "fixture server unusable: %s\n",
                   cs.status().ToString().c_str());
      std::abort();
    }
    // No CTest fixture: a private server for this process. Leaked on
    // purpose so it outlives every test; stopped at exit.
    static std::unique_ptr<ZkServer> own;
    Result<std::unique_ptr<ZkServer>> started =
        ZkServer::Start(ZkServer::Mode::kStandalone);
    if (!started.ok()) {
      std::fprintf(stderr, "cannot start ZooKeeper: %s\n",
                   started.status().ToString().c_str());
      std::abort();
    }
    own = std::move(*started);
    std::atexit([] { own.reset(); });
    return new std::string(own->connect_string());
  }();
  return *kConnect;
}

std::string UniqueTestPath(const std::string& label) {
  static std::atomic<uint64_t> counter{0};
  static const uint64_t salt = std::random_device{}();
  return "/sktest-" + label + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(salt % 100000) + "-" + std::to_string(counter++);
}

bool PollUntil(const std::function<bool()>& done,
               std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

Result<std::vector<std::string>> WatchedPathsOfSession(
    const std::string& host_port, int64_t session_id) {
  const size_t colon = host_port.rfind(':');
  if (colon == std::string::npos) {
    return Status::InvalidArgument("not host:port: " + host_port);
  }
  const std::string reply =
      zk::FourLetterWord(host_port.substr(0, colon),
                         std::stoi(host_port.substr(colon + 1)), "wchc");
  if (reply.empty() ||
      reply.find("not in the whitelist") != std::string::npos) {
    return Status::Unavailable("no wchc answer from " + host_port + ": " +
                               reply);
  }
  // "0x<session id in hex>" lines, each followed by its paths, indented.
  std::ostringstream want;
  want << "0x" << std::hex << session_id;
  std::vector<std::string> paths;
  bool in_session = false;
  std::istringstream lines(reply);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    if (line[0] != '\t' && line[0] != ' ') {
      in_session = line == want.str();
    } else if (in_session) {
      paths.push_back(line.substr(line.find_first_not_of(" \t")));
    }
  }
  return paths;
}

}  // namespace sessionkeeper::testing
