// WorkerProcess: a test's handle on one sk_worker process (a SessionManager
// in a process of its own, integration/worker/): start it with pipes, send
// it commands and read its replies with deadlines, collect the events it
// prints (every line is read as it arrives, so what a process printed
// before a SIGKILL is kept), and SIGKILL / SIGSTOP / SIGCONT it. Every
// command, reply, event and signal is noted in the scenario's History.
#ifndef SESSIONKEEPER_INTEGRATION_SUPPORT_WORKER_PROCESS_H_
#define SESSIONKEEPER_INTEGRATION_SUPPORT_WORKER_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "sessionkeeper/result.h"
#include "support/ensemble_test.h"
#include "support/history.h"
#include "worker/protocol.h"

namespace sessionkeeper::integration {

using worker::Line;

// The path of the sk_worker binary (set by the build).
const char* WorkerBinaryPath();

struct WorkerProcessOptions {
  // Names the worker in the history and in messages ("w1").
  std::string name;
  // Flags for sk_worker (--zk=..., see worker.h).
  std::vector<std::string> flags;
  // Where its stderr (glog) goes; empty: /dev/null.
  std::string log_file;
  // How long to wait for "ready" (the manager is open).
  std::chrono::milliseconds ready_timeout{30000};
};

// Owned by one test thread, except that the event accessors may be called
// from any thread. Start it from a thread that lives as long as the worker:
// the worker gets SIGKILL when the thread that forked it ends
// (PR_SET_PDEATHSIG), so that a crashed test leaves no worker behind. The
// destructor SIGKILLs a worker still running.
class WorkerProcess {
 public:
  // Starts the worker and waits for its "ready" line; the error it printed
  // (or why it did not start) otherwise. `history` (not owned, may be null)
  // must outlive the process handle.
  static Result<std::unique_ptr<WorkerProcess>> Start(
      WorkerProcessOptions options, History* history);
  ~WorkerProcess();
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  // Sends a command without waiting for its reply.
  Status Send(const Line& command);
  // The next reply ("ok" or "err" line, in command order).
  // DeadlineExceeded after `timeout`; FailedPrecondition when the worker's
  // output ended (it exited or was killed) with no reply left.
  Result<Line> Receive(std::chrono::milliseconds timeout);
  // Send + Receive. An "err" reply comes back as its Status (so a NotFound
  // from the library is a NotFound here).
  Result<Line> Call(const Line& command, std::chrono::milliseconds timeout =
                                             std::chrono::milliseconds(30000));

  // Every event line so far, in arrival order.
  std::vector<Line> Events() const;
  // How many events of `type` arrived so far.
  int64_t CountEvents(std::string_view type) const;

  // SIGKILL, then waits for the exit and for the end of its output (so
  // every line it wrote before dying is read).
  Status Kill();
  Status Pause();   // SIGSTOP.
  Status Resume();  // SIGCONT.
  // Closes its stdin and waits for it to exit (at most `timeout`, then
  // SIGKILL); returns its exit status (128 + signal when killed).
  Result<int> Close(
      std::chrono::milliseconds timeout = std::chrono::milliseconds(30000));

  const std::string& name() const { return name_; }
  const std::string& node_id() const { return node_id_; }
  pid_t pid() const { return pid_; }
  // True once it exited (reaps it if it just did).
  bool exited();

 private:
  WorkerProcess(std::string name, History* history)
      : name_(std::move(name)), history_(history) {}
  void ReadLoop();
  void Note(const std::string& what);
  // Waits for the process to exit (blocking).
  // Waits for the process to exit (blocking when `wait`); true once reaped.
  bool Reap(bool wait);
  bool WaitForEof(std::chrono::milliseconds timeout);

  const std::string name_;
  History* const history_;
  std::string node_id_;
  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  std::thread reader_;
  int exit_status_ = -1;  // Set once reaped.

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Line> replies_;  // Guarded by mu_.
  std::vector<Line> events_;  // Guarded by mu_.
  bool eof_ = false;          // Guarded by mu_.
};

// The fixture of the multi-process scenarios: an EnsembleTest whose
// managers run in sk_worker processes on the test's ensemble and root.
// Each worker's op log (every call it made, on the history's timeline) and
// stderr go to <Suite>.<Case>.<name>.ops.txt / .log in the working
// directory; they are kept when the test fails (or SK_KEEP_HISTORY is set)
// and removed otherwise.
class MultiProcessTest : public EnsembleTest {
 protected:
  void TearDown() override;

  // Starts worker "w<n>" (its node id) with the test's connect string,
  // root, 16 buckets and `flags` (later flags win). Fails the test and
  // returns nullptr if it does not start. Owned by the fixture.
  WorkerProcess* StartWorker(int n, const std::vector<std::string>& flags = {});
  // Sends `command` to each worker, then collects each reply (so the
  // workers run it concurrently). The first failure is returned.
  static Result<std::vector<Line>> CallAll(
      const std::vector<WorkerProcess*>& workers, const Line& command,
      std::chrono::milliseconds timeout = std::chrono::milliseconds(30000));
  // Every event of `type` over `workers`.
  static std::vector<Line> EventsOf(const std::vector<WorkerProcess*>& workers,
                                    std::string_view type);

 private:
  std::vector<std::unique_ptr<WorkerProcess>> workers_;
  std::vector<std::string> files_;
};

}  // namespace sessionkeeper::integration

#endif  // SESSIONKEEPER_INTEGRATION_SUPPORT_WORKER_PROCESS_H_
