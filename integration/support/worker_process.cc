// Spawning sk_worker processes and talking to them over pipes.
#include "support/worker_process.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace sessionkeeper::integration {

namespace {

// History notes show at most this much of a line.
constexpr size_t kMaxNoted = 200;
// After SIGKILL, the end of the worker's output follows at once; this only
// bounds a wait that should never be long.
constexpr auto kEofWait = std::chrono::milliseconds(10000);

std::string Shorten(const std::string& text) {
  if (text.size() <= kMaxNoted) return text;
  return text.substr(0, kMaxNoted) + "...(" + std::to_string(text.size()) +
         " chars)";
}

std::string CurrentTestName() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(info->test_suite_name()) + "." + info->name();
  std::replace(name.begin(), name.end(), '/', '_');  // Parameterized names.
  return name;
}

int DecodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

const char* WorkerBinaryPath() { return SK_WORKER_PATH; }

Result<std::unique_ptr<WorkerProcess>> WorkerProcess::Start(
    WorkerProcessOptions options, History* history) {
  // A write to a worker that just died must fail with EPIPE, not end the
  // test process.
  std::signal(SIGPIPE, SIG_IGN);
  std::unique_ptr<WorkerProcess> w(
      new WorkerProcess(std::move(options.name), history));
  int to_child[2];
  int from_child[2];
  // O_CLOEXEC: no other child (another worker, zkctl) inherits these ends,
  // so a worker's output ends exactly when the worker does.
  if (::pipe2(to_child, O_CLOEXEC) != 0) {
    return Status::Internal("pipe2 failed");
  }
  if (::pipe2(from_child, O_CLOEXEC) != 0) {
    ::close(to_child[0]);
    ::close(to_child[1]);
    return Status::Internal("pipe2 failed");
  }
  const std::string log =
      options.log_file.empty() ? "/dev/null" : options.log_file;
  const int log_fd =
      ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  std::vector<std::string> argv_storage;
  argv_storage.emplace_back(WorkerBinaryPath());
  argv_storage.insert(argv_storage.end(), options.flags.begin(),
                      options.flags.end());
  std::vector<char*> argv;
  argv.reserve(argv_storage.size() + 1);
  for (std::string& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    // Child: async-signal-safe calls only.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(to_child[0], 0);
    ::dup2(from_child[1], 1);
    if (log_fd >= 0) ::dup2(log_fd, 2);
    std::signal(SIGPIPE, SIG_DFL);  // An ignored signal stays so over exec.
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(to_child[0]);
  ::close(from_child[1]);
  if (log_fd >= 0) ::close(log_fd);
  if (pid < 0) {
    ::close(to_child[1]);
    ::close(from_child[0]);
    return Status::Internal("fork failed");
  }
  w->pid_ = pid;
  w->to_child_ = to_child[1];
  w->from_child_ = from_child[0];
  w->reader_ = std::thread(&WorkerProcess::ReadLoop, w.get());
  w->Note("started, pid " + std::to_string(pid));
  Result<Line> ready = w->Receive(options.ready_timeout);
  if (!ready.ok()) {
    w->Note("did not start: " + ready.status().ToString());
    return ready.status().WithContext("worker " + w->name_ + " (log " + log +
                                      ")");
  }
  if (ready->word() != "ready") {
    const Status failed =
        ready->is_error()
            ? ready->status()
            : Status::Internal("unexpected first line " + ready->Format());
    return failed.WithContext("worker " + w->name_);
  }
  w->node_id_ = ready->GetOr("node", "");
  return w;
}

WorkerProcess::~WorkerProcess() {
  if (pid_ > 0 && !Reap(/*wait=*/false)) {
    ::kill(pid_, SIGKILL);
    Reap(/*wait=*/true);
  }
  if (to_child_ >= 0) ::close(to_child_);
  WaitForEof(kEofWait);
  if (reader_.joinable()) {
    // The output of a dead process ends; if something else still held it
    // open the reader would block, so it is left to the process's end.
    bool eof;
    {
      std::lock_guard<std::mutex> lock(mu_);
      eof = eof_;
    }
    if (eof) {
      reader_.join();
    } else {
      reader_.detach();
    }
  }
}

void WorkerProcess::Note(const std::string& what) {
  if (history_ != nullptr) history_->Note(name_ + ": " + Shorten(what));
}

void WorkerProcess::ReadLoop() {
  std::string buffer;
  char chunk[4096];
  while (true) {
    const ssize_t n = ::read(from_child_, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buffer.append(chunk, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl = buffer.find('\n', start); nl != std::string::npos;
         nl = buffer.find('\n', start)) {
      const std::string text = buffer.substr(start, nl - start);
      start = nl + 1;
      if (text.empty()) continue;
      Line line = Line::Parse(text);
      Note((line.is_event() ? "" : "-> ") + text);
      std::lock_guard<std::mutex> lock(mu_);
      if (line.is_event()) {
        events_.push_back(std::move(line));
      } else {
        replies_.push_back(std::move(line));
      }
      cv_.notify_all();
    }
    buffer.erase(0, start);
  }
  ::close(from_child_);  // The reader owns this end.
  std::lock_guard<std::mutex> lock(mu_);
  eof_ = true;
  cv_.notify_all();
}

Status WorkerProcess::Send(const Line& command) {
  const std::string text = command.Format();
  Note("<- " + text);
  const std::string line = text + '\n';
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n =
        ::write(to_child_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return Status::FailedPrecondition("worker " + name_ +
                                        " no longer reads its commands");
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Result<Line> WorkerProcess::Receive(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  const bool ready =
      cv_.wait_for(lock, timeout, [this] { return !replies_.empty() || eof_; });
  if (!replies_.empty()) {
    Line line = std::move(replies_.front());
    replies_.pop_front();
    return line;
  }
  if (!ready) {
    return Status::DeadlineExceeded("worker " + name_ + ": no reply within " +
                                    std::to_string(timeout.count()) + " ms");
  }
  return Status::FailedPrecondition("worker " + name_ + " exited");
}

Result<Line> WorkerProcess::Call(const Line& command,
                                 std::chrono::milliseconds timeout) {
  SK_RETURN_IF_ERROR(Send(command));
  Result<Line> reply = Receive(timeout);
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return reply->status();
  return reply;
}

std::vector<Line> WorkerProcess::Events() const {
  std::lock_guard<std::mutex> lock(mu_);
  return events_;
}

int64_t WorkerProcess::CountEvents(std::string_view type) const {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t n = 0;
  for (const Line& e : events_) n += e.GetOr("type", "") == type ? 1 : 0;
  return n;
}

bool WorkerProcess::Reap(bool wait) {
  if (exit_status_ != -1) return true;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, wait ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r != pid_) return false;
  exit_status_ = DecodeStatus(status);
  Note("exited with status " + std::to_string(exit_status_));
  return true;
}

bool WorkerProcess::exited() { return Reap(/*wait=*/false); }

bool WorkerProcess::WaitForEof(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return eof_; });
}

Status WorkerProcess::Kill() {
  if (Reap(/*wait=*/false)) {
    return Status::FailedPrecondition("worker " + name_ + " already exited");
  }
  Note("SIGKILL");
  if (::kill(pid_, SIGKILL) != 0) return Status::Internal("kill failed");
  Reap(/*wait=*/true);
  if (!WaitForEof(kEofWait)) {
    return Status::Internal("worker " + name_ + ": output did not end");
  }
  return Status::Ok();
}

Status WorkerProcess::Pause() {
  Note("SIGSTOP");
  return ::kill(pid_, SIGSTOP) == 0 ? Status::Ok()
                                    : Status::Internal("SIGSTOP failed");
}

Status WorkerProcess::Resume() {
  Note("SIGCONT");
  return ::kill(pid_, SIGCONT) == 0 ? Status::Ok()
                                    : Status::Internal("SIGCONT failed");
}

Result<int> WorkerProcess::Close(std::chrono::milliseconds timeout) {
  if (to_child_ >= 0) {
    ::close(to_child_);
    to_child_ = -1;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!Reap(/*wait=*/false)) {
    if (std::chrono::steady_clock::now() > deadline) {
      Note("did not exit after its stdin closed: SIGKILL");
      ::kill(pid_, SIGKILL);
      Reap(/*wait=*/true);
      break;
    }
    // Polls the exit (a manager's close takes a few hundred ms).
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  WaitForEof(kEofWait);
  return exit_status_;
}

// --- MultiProcessTest
// ---------------------------------------------------------

WorkerProcess* MultiProcessTest::StartWorker(
    int n, const std::vector<std::string>& flags) {
  const std::string name = "w" + std::to_string(n);
  const std::string base = CurrentTestName() + "." + name;
  const SessionManagerOptions options = Options(n);
  WorkerProcessOptions worker;
  worker.name = name;
  worker.log_file = base + ".log";
  const std::string op_log = base + ".ops.txt";
  std::filesystem::remove(worker.log_file);
  std::filesystem::remove(op_log);
  files_.push_back(worker.log_file);
  files_.push_back(op_log);
  worker.flags = {
      "--zk=" + options.connect_string,
      "--root=" + options.root,
      "--node_id=" + name,
      "--bucket_count=" + std::to_string(options.bucket_count),
      "--op_log=" + op_log,
      "--epoch_ns=" +
          std::to_string(history().start().time_since_epoch().count()),
  };
  worker.flags.insert(worker.flags.end(), flags.begin(), flags.end());
  Result<std::unique_ptr<WorkerProcess>> started =
      WorkerProcess::Start(std::move(worker), &history());
  if (!started.ok()) {
    ADD_FAILURE() << started.status();
    return nullptr;
  }
  workers_.push_back(std::move(*started));
  return workers_.back().get();
}

Result<std::vector<Line>> MultiProcessTest::CallAll(
    const std::vector<WorkerProcess*>& workers, const Line& command,
    std::chrono::milliseconds timeout) {
  for (WorkerProcess* w : workers) SK_RETURN_IF_ERROR(w->Send(command));
  std::vector<Line> replies;
  Status first_error;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (WorkerProcess* w : workers) {
    const auto left =
        std::max(std::chrono::milliseconds(0),
                 std::chrono::duration_cast<std::chrono::milliseconds>(
                     deadline - std::chrono::steady_clock::now()));
    Result<Line> reply = w->Receive(left);
    if (!reply.ok()) {
      if (first_error.ok()) first_error = reply.status();
      continue;
    }
    if (reply->is_error() && first_error.ok()) {
      first_error = reply->status().WithContext(w->name());
    }
    replies.push_back(std::move(*reply));
  }
  if (!first_error.ok()) return first_error;
  return replies;
}

std::vector<Line> MultiProcessTest::EventsOf(
    const std::vector<WorkerProcess*>& workers, std::string_view type) {
  std::vector<Line> events;
  for (WorkerProcess* w : workers) {
    for (Line& e : w->Events()) {
      if (e.GetOr("type", "") == type) events.push_back(std::move(e));
    }
  }
  return events;
}

void MultiProcessTest::TearDown() {
  // The workers go before the ensemble (the fixture's destructor stops it).
  workers_.clear();
  // NOLINTNEXTLINE(concurrency-mt-unsafe): nothing sets the environment.
  const char* keep_history = std::getenv("SK_KEEP_HISTORY");
  const bool keep = HasFailure() || keep_history != nullptr;
  if (HasFailure()) {
    // The servers' logs and data (transaction logs, snapshots), for a
    // failure that ZooKeeper itself may explain.
    const std::string copy = CurrentTestName() + ".ensemble";
    std::error_code error;
    std::filesystem::remove_all(copy, error);
    std::filesystem::copy(ensemble().dir(), copy,
                          std::filesystem::copy_options::recursive, error);
    std::fprintf(
        stderr, "ensemble directory copied to %s%s\n", copy.c_str(),
        error ? (" (incomplete: " + error.message() + ")").c_str() : "");
  }
  for (const std::string& file : files_) {
    if (!keep) {
      std::error_code ignored;
      std::filesystem::remove(file, ignored);
    } else if (HasFailure()) {
      std::fprintf(stderr, "worker file kept: %s\n", file.c_str());
    }
  }
  EnsembleTest::TearDown();
}

}  // namespace sessionkeeper::integration
