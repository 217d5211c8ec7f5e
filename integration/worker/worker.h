// Worker: the body of sk_worker, a process that owns one SessionManager and
// runs the commands a multi-process scenario sends it (protocol.h), so the
// scenario can SIGKILL or SIGSTOP a real manager process.
//
// Every session call it makes is "tracked": written to its op log (one line
// per call: invoke and completion times on the test's clock, what, outcome,
// version, server), and checked against what this process saw before
// (observed_versions.h); a violation is reported at once as an event line.
// Expired events (SessionListener) are printed as they arrive, one flushed
// line each, so a test counts them even for a process it then kills.
//
// Commands (fields in any order; [optional]):
//   ping                                      -> ok
//   create n=N [max_idle_ms=] [principal=] [window=256]
//                                             -> ok created= failed= ids=
//   get id= [level=cached|stale|sequential|linearizable]
//                                             -> ok <session fields>
//   mutate id= [set.NAME=VALUE]... [remove=a,b] [expect=VERSION]
//          [token=LEASE_TOKEN]  (a fenced write)
//                                             -> ok <session fields>
//   lease id= holder= ttl_ms=                 -> ok acquired=0|1 token=
//                                                holder= expires_at=
//   touch id=  /  delete id=                  -> ok
//   adopt ids=a,b,...   (read each linearizably, add to the churn pool)
//                                             -> ok adopted= missing=
//   expired                                   -> ok count=
//   members                                   -> ok members=
//   server                                    -> ok server= state= generation=
//   stats                                     -> ok <cache and op counters>
//   churn duration_ms= [threads=3] [pause_ms=5] [principal=churn]
//         [max_idle_ms=3600000] [discover_ms=1000]
//                                             -> ok <counters> (blocks)
//   check_cache [timeout_ms=30000] [threads=4] -> ok sessions= mismatches= ...
//   violations                                -> ok count=
//   quit                                      -> ok, then the process exits
// Session fields: id version principal created_at last_access_at expires_at
// max_idle_ms stale, and a.NAME=VALUE per attribute.
//
// A new command is one Register call in RegisterCommands.
//
// Thread-safety: Execute is called from one thread; churn and pipelined
// calls use their own threads internally.
#ifndef SESSIONKEEPER_INTEGRATION_WORKER_WORKER_H_
#define SESSIONKEEPER_INTEGRATION_WORKER_WORKER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "sessionkeeper/session_manager.h"
#include "worker/observed_versions.h"
#include "worker/protocol.h"

namespace sessionkeeper::worker {

// Writes whole lines to a file descriptor; thread-safe (one line is never
// interleaved with another).
class LineWriter {
 public:
  explicit LineWriter(int fd) : fd_(fd) {}
  void Write(const Line& line) { WriteRaw(line.Format()); }
  void WriteRaw(const std::string& text);

 private:
  std::mutex mu_;
  const int fd_;
};

struct WorkerOptions {
  SessionManagerOptions manager;
  // The op log file; empty for none.
  std::string op_log;
  // std::chrono::steady_clock time (ns since its epoch) that op log times
  // count from: the test's History start, so both read on one timeline.
  int64_t epoch_ns = 0;
};

class Worker {
 public:
  // Opens the manager. Events go to `out` from then on (not owned; must
  // outlive the worker).
  static Result<std::unique_ptr<Worker>> Open(WorkerOptions options,
                                              LineWriter* out);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Runs one command and returns its reply ("ok ..." or "err ...").
  Line Execute(const Line& command);
  // True once "quit" ran.
  bool quit() const { return quit_; }
  const std::string& node_id() const { return manager_->node_id(); }

 private:
  using Handler = std::function<Line(const Line&)>;
  struct Counters;

  Worker(WorkerOptions options, LineWriter* out);

  void RegisterCommands();
  void Register(std::string name, Handler handler);

  // Tracked calls: logged, checked against what this process saw before,
  // counted. `thread` names the caller in the op log.
  Result<Session> TrackedCreate(const CreateRequest& request,
                                const std::string& thread);
  Result<Session> TrackedGet(const std::string& id, ReadConsistency level,
                             const std::string& thread);
  Result<Session> TrackedMutate(const std::string& id, const Mutation& mutation,
                                const std::string& thread);
  Status TrackedTouch(const std::string& id, const std::string& thread);
  Status TrackedDelete(const std::string& id, const std::string& thread);
  // The shared bookkeeping of a tracked call that completed.
  void Completed(const std::string& op, const std::string& id,
                 const std::string& detail, const std::string& thread,
                 int64_t invoked_ms, const ObservedVersions::Floor& floor,
                 const Status& status, int32_t version);

  Line Create(const Line& command);
  Line Get(const Line& command);
  Line Mutate(const Line& command);
  Line Touch(const Line& command);
  Line Lease(const Line& command);
  Line Delete(const Line& command);
  Line Adopt(const Line& command);
  Line Members(const Line& command);
  Line Server(const Line& command);
  Line Stats(const Line& command);
  Line Churn(const Line& command);
  Line CheckCache(const Line& command);

  // The churn pool: live sessions this process knows of.
  void AddToPool(const std::string& id);
  void RemoveFromPool(const std::string& id);
  std::string PickFromPool(std::mt19937_64& rng);
  size_t PoolSize();

  void ChurnThread(int index, std::chrono::steady_clock::time_point end,
                   const Line& command, uint64_t seed);
  void Violation(const std::string& kind, const std::string& id,
                 const std::string& what);
  void LogOp(int64_t invoked_ms, const std::string& thread,
             const std::string& text);
  int64_t NowMs() const;
  std::string CurrentServer();

  const WorkerOptions options_;
  LineWriter* const out_;
  std::unique_ptr<SessionManager> manager_;
  std::map<std::string, Handler> handlers_;
  ObservedVersions observed_;
  std::unique_ptr<Counters> counters_;
  std::atomic<bool> quit_{false};
  std::atomic<int64_t> expired_{0};
  std::atomic<int64_t> violations_{0};
  std::atomic<int64_t> unique_{0};
  int op_log_fd_ = -1;

  std::mutex pool_mu_;
  std::vector<std::string> pool_;             // Guarded by pool_mu_.
  std::map<std::string, size_t> pool_index_;  // Guarded by pool_mu_.
};

// Parses sk_worker's flags (--zk=, --root=, --node_id=,
// --zk_session_timeout_ms=, --expiry_granularity_ms=,
// --operation_timeout_ms=, --connect_timeout_ms=, --cache_max_entries=,
// --zk_max_packet_bytes=, --bucket_count=, --touch_fraction=,
// --max_attributes=, --op_log=, --epoch_ns=).
Result<WorkerOptions> ParseWorkerFlags(int argc, char** argv);

}  // namespace sessionkeeper::worker

#endif  // SESSIONKEEPER_INTEGRATION_WORKER_WORKER_H_
