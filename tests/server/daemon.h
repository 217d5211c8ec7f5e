// Runs a real sessionkeeperd process for a test: on the shared ZooKeeper
// (or a given one), under a root of its own, on a free loopback port.
#ifndef SESSIONKEEPER_TESTS_SERVER_DAEMON_H_
#define SESSIONKEEPER_TESTS_SERVER_DAEMON_H_

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "server/http_client.h"

namespace sessionkeeper::testing {

struct DaemonOptions {
  // Empty: the shared test server.
  std::string zk;
  // Empty: a fresh unique root.
  std::string root;
  // More flags; they override the defaults below (gflags: last one wins).
  std::vector<std::string> flags;
};

// Options with `flags`, on `zk` (empty: the shared server) and `root`
// (empty: a fresh one).
inline DaemonOptions WithFlags(std::vector<std::string> flags,
                               std::string zk = "", std::string root = "") {
  DaemonOptions options;
  options.flags = std::move(flags);
  options.zk = std::move(zk);
  options.root = std::move(root);
  return options;
}

class Daemon {
 public:
  // Starts sessionkeeperd with --zk, --root, --listen=127.0.0.1:0,
  // --port_file, --bucket_count=16, --threads=2, --logtostderr, then
  // `options.flags`, and waits until it serves. Fails the test (returning
  // nullptr, with the daemon's log) if it does not.
  static std::unique_ptr<Daemon> Start(DaemonOptions options = {});
  ~Daemon();  // SIGKILL if still running.
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  const std::string& address() const { return address_; }
  const std::string& root() const { return root_; }
  const std::string& zk() const { return zk_; }
  pid_t pid() const { return pid_; }

  // Sends `signal` and waits for the exit; the exit code, or 128 + the
  // signal that killed it, or -1 on timeout.
  int Stop(int signal,
           std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // True while the process has not exited.
  bool Running();
  std::string Log() const;

  Result<HttpResponse> Call(std::string_view method, std::string_view target,
                            std::string_view body = "",
                            const Headers& headers = {});

 private:
  Daemon() = default;
  bool Reap(bool wait);

  pid_t pid_ = -1;
  int exit_code_ = -1;
  std::string dir_;
  std::string zk_;
  std::string root_;
  std::string address_;
};

struct ExitResult {
  int exit_code = -1;
  std::string output;  // stdout (and stderr when merged).
  std::string errors;  // stderr when not merged.
};

// A process running in the background (skctl watch), its stdout and
// stderr going to files that can be read while it runs.
class Process {
 public:
  // nullptr (with the test failed) when it cannot be spawned.
  static std::unique_ptr<Process> Start(const char* binary,
                                        const std::vector<std::string>& args);
  ~Process();  // SIGKILL if still running.
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] std::string Output() const;  // stdout so far.
  [[nodiscard]] std::string Errors() const;  // stderr so far.
  void Signal(int signal) const;
  // The exit code (or 128 + the signal that killed it), or -1 if it is
  // still running after `timeout`.
  int Wait(std::chrono::milliseconds timeout);

 private:
  Process() = default;

  pid_t pid_ = -1;
  int exit_code_ = -1;
  std::string dir_;
};

// Runs `binary` with `args` to completion (killed after `timeout`).
ExitResult RunToExit(const char* binary, const std::vector<std::string>& args,
                     std::chrono::milliseconds timeout, bool merge_stderr);

// Runs sessionkeeperd with exactly `args` to completion (for flag tests).
ExitResult RunDaemonToExit(
    const std::vector<std::string>& args,
    std::chrono::milliseconds timeout = std::chrono::seconds(30));

// The paths of the binaries under test.
const char* DaemonPath();
const char* SkctlPath();

}  // namespace sessionkeeper::testing

#endif  // SESSIONKEEPER_TESTS_SERVER_DAEMON_H_
