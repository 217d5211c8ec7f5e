// Spawning and stopping sessionkeeperd for tests.
#include "server/daemon.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/zk_server.h"

namespace sessionkeeper::testing {

namespace {

std::string MakeTempDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "sk-daemon-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) std::abort();
  return pattern;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Spawns the daemon with stdout and stderr going to `log`. The child dies
// with the test (PR_SET_PDEATHSIG), so a crashed test leaves no daemon.
pid_t Spawn(const char* binary, const std::vector<std::string>& args,
            const std::string& out, const std::string& err) {
  std::vector<std::string> argv_storage;
  argv_storage.emplace_back(binary);
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(argv_storage.size() + 1);
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  // Child: async-signal-safe calls only.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);
  const int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int err_fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (out_fd < 0 || err_fd < 0) ::_exit(127);
  ::dup2(out_fd, 1);
  ::dup2(err_fd, 2);
  ::close(out_fd);
  ::close(err_fd);
  sigset_t none;
  sigemptyset(&none);
  pthread_sigmask(SIG_SETMASK, &none, nullptr);
  ::execv(binary, argv.data());
  ::_exit(127);
}

int DecodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

const char* DaemonPath() { return SK_SESSIONKEEPERD_PATH; }
const char* SkctlPath() { return SK_SKCTL_PATH; }

std::unique_ptr<Daemon> Daemon::Start(DaemonOptions options) {
  std::unique_ptr<Daemon> daemon(new Daemon());
  daemon->dir_ = MakeTempDir();
  daemon->zk_ = options.zk.empty() ? SharedZkConnectString() : options.zk;
  daemon->root_ =
      options.root.empty() ? UniqueTestPath("daemon") : options.root;
  const std::string port_file = daemon->dir_ + "/port";
  std::vector<std::string> args = {
      "--zk=" + daemon->zk_,  "--root=" + daemon->root_,
      "--listen=127.0.0.1:0", "--port_file=" + port_file,
      "--bucket_count=16",    "--threads=2",
      "--logtostderr",
  };
  args.insert(args.end(), options.flags.begin(), options.flags.end());
  daemon->pid_ =
      Spawn(DaemonPath(), args, daemon->dir_ + "/log", daemon->dir_ + "/log");
  if (daemon->pid_ < 0) {
    ADD_FAILURE() << "cannot spawn " << DaemonPath();
    return nullptr;
  }
  const bool serving = PollUntil(
      [&] { return std::filesystem::exists(port_file) || !daemon->Running(); },
      std::chrono::seconds(60));
  if (!serving || !daemon->Running()) {
    ADD_FAILURE() << "sessionkeeperd did not start (exit " << daemon->exit_code_
                  << "); log:\n"
                  << daemon->Log();
    return nullptr;
  }
  daemon->address_ = ReadFile(port_file);
  while (!daemon->address_.empty() && daemon->address_.back() == '\n') {
    daemon->address_.pop_back();
  }
  return daemon;
}

Daemon::~Daemon() {
  if (Running()) {
    ::kill(pid_, SIGKILL);
    Reap(/*wait=*/true);
  }
  if (::testing::Test::HasFailure()) {
    std::fprintf(stderr, "--- sessionkeeperd log (%s) ---\n%s\n", root_.c_str(),
                 Log().c_str());
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

bool Daemon::Reap(bool wait) {
  if (pid_ < 0 || exit_code_ != -1) return true;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, wait ? 0 : WNOHANG);
  if (r == pid_) {
    exit_code_ = DecodeStatus(status);
    return true;
  }
  return false;
}

bool Daemon::Running() { return !Reap(/*wait=*/false); }

int Daemon::Stop(int signal, std::chrono::milliseconds timeout) {
  if (Running()) ::kill(pid_, signal);
  if (!PollUntil([this] { return !Running(); }, timeout)) return -1;
  return exit_code_;
}

std::string Daemon::Log() const { return ReadFile(dir_ + "/log"); }

Result<HttpResponse> Daemon::Call(std::string_view method,
                                  std::string_view target,
                                  std::string_view body,
                                  const Headers& headers) {
  return Send(address_, method, target, body, headers);
}

std::unique_ptr<Process> Process::Start(const char* binary,
                                        const std::vector<std::string>& args) {
  std::unique_ptr<Process> process(new Process());
  process->dir_ = MakeTempDir();
  process->pid_ =
      Spawn(binary, args, process->dir_ + "/out", process->dir_ + "/err");
  if (process->pid_ < 0) {
    ADD_FAILURE() << "cannot spawn " << binary;
    return nullptr;
  }
  return process;
}

Process::~Process() {
  if (pid_ > 0 && Wait(std::chrono::milliseconds(0)) == -1) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string Process::Output() const { return ReadFile(dir_ + "/out"); }
std::string Process::Errors() const { return ReadFile(dir_ + "/err"); }

void Process::Signal(int signal) const {
  if (pid_ > 0 && exit_code_ == -1) {
    ::kill(pid_, signal);
  }
}

int Process::Wait(std::chrono::milliseconds timeout) {
  if (exit_code_ != -1 || pid_ < 0) {
    return exit_code_;
  }
  int status = 0;
  if (PollUntil([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; },
                timeout)) {
    exit_code_ = DecodeStatus(status);
  }
  return exit_code_;
}

ExitResult RunDaemonToExit(const std::vector<std::string>& args,
                           std::chrono::milliseconds timeout) {
  return RunToExit(DaemonPath(), args, timeout, /*merge_stderr=*/true);
}

ExitResult RunToExit(const char* binary, const std::vector<std::string>& args,
                     std::chrono::milliseconds timeout, bool merge_stderr) {
  const std::string dir = MakeTempDir();
  ExitResult result;
  const std::string err = dir + (merge_stderr ? "/out" : "/err");
  const pid_t pid = Spawn(binary, args, dir + "/out", err);
  if (pid < 0) return result;
  int status = 0;
  const bool exited = PollUntil(
      [&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, timeout);
  if (!exited) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  } else {
    result.exit_code = DecodeStatus(status);
  }
  result.output = ReadFile(dir + "/out");
  if (!merge_stderr) result.errors = ReadFile(err);
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return result;
}

}  // namespace sessionkeeper::testing
