// sk_worker's commands: tracked SessionManager calls, pipelined creates,
// random churn, and the cache-versus-ZooKeeper check.
#include "worker/worker.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <string_view>
#include <thread>
#include <utility>

#include "support/session_manager_peer.h"
#include "zk/client.h"

namespace sessionkeeper::worker {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Shares of the churn's calls (the rest are cached reads).
constexpr double kCreateShare = 0.04;
constexpr double kDeleteShare = 0.03;
constexpr double kMutateShare = 0.28;
constexpr double kLinearizableShare = 0.08;
constexpr double kSequentialShare = 0.05;
// Pause between retries of a check that found ZooKeeper unreachable.
constexpr auto kRetryPause = milliseconds(50);

enum Counter {
  kCalls,
  kOk,
  kNotFound,
  kUnavailable,
  kOutcomeUnknown,
  kOtherErrors,
  kCreates,
  kCachedGets,
  kOtherGets,
  kMutates,
  kDeletes,
  kTouches,
  kCounterCount,
};
constexpr std::array<const char*, kCounterCount> kCounterNames = {
    "calls",           "ok",           "not_found", "unavailable",
    "outcome_unknown", "other_errors", "creates",   "cached_gets",
    "other_gets",      "mutates",      "deletes",   "touches"};

std::string_view LevelName(ReadConsistency level) {
  switch (level) {
    case ReadConsistency::kCached:
      return "cached";
    case ReadConsistency::kCachedOrStale:
      return "stale";
    case ReadConsistency::kSequential:
      return "sequential";
    case ReadConsistency::kLinearizable:
      return "linearizable";
  }
  return "?";
}

Result<ReadConsistency> ParseLevel(const std::string& name) {
  for (ReadConsistency level :
       {ReadConsistency::kCached, ReadConsistency::kCachedOrStale,
        ReadConsistency::kSequential, ReadConsistency::kLinearizable}) {
    if (LevelName(level) == name) return level;
  }
  return Status::InvalidArgument("unknown level " + name);
}

Line& AddSession(Line& line, const Session& s) {
  line.Add("id", s.id)
      .Add("version", s.version)
      .Add("principal", s.principal)
      .Add("created_at", s.created_at_ms)
      .Add("last_access_at", s.last_access_at_ms)
      .Add("expires_at", s.expires_at_ms())
      .Add("max_idle_ms", s.max_idle_ms)
      .Add("stale", s.stale);
  for (const auto& [name, value] : s.attributes) line.Add("a." + name, value);
  return line;
}

bool SameSession(const Session& a, const Session& b) {
  return a.version == b.version && a.attributes == b.attributes &&
         a.last_access_at_ms == b.last_access_at_ms &&
         a.principal == b.principal;
}

std::string Describe(const Result<Session>& r) {
  if (!r.ok()) return r.status().ToString();
  return "v" + std::to_string(r->version) +
         " last_access=" + std::to_string(r->last_access_at_ms) +
         " attributes=" + std::to_string(r->attributes.size());
}

Result<int64_t> ParseInt(std::string_view flag, const std::string& value) {
  char* end = nullptr;
  errno = 0;
  const long long n = std::strtoll(value.c_str(), &end, 10);
  if (value.empty() || errno != 0 || *end != '\0') {
    return Status::InvalidArgument("--" + std::string(flag) +
                                   ": not an integer: " + value);
  }
  return static_cast<int64_t>(n);
}

}  // namespace

struct Worker::Counters {
  std::array<std::atomic<int64_t>, kCounterCount> values{};
  void Add(Counter c) { values[c].fetch_add(1, std::memory_order_relaxed); }
  [[nodiscard]] std::array<int64_t, kCounterCount> Snapshot() const {
    std::array<int64_t, kCounterCount> out{};
    for (size_t i = 0; i < out.size(); ++i) out[i] = values[i].load();
    return out;
  }
};

void LineWriter::WriteRaw(const std::string& text) {
  std::string line = text + '\n';
  std::lock_guard<std::mutex> lock(mu_);
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // The test went away; nobody to tell.
    done += static_cast<size_t>(n);
  }
}

Result<WorkerOptions> ParseWorkerFlags(int argc, char** argv) {
  WorkerOptions options;
  SessionManagerOptions& m = options.manager;
  m.bucket_count = 16;
  m.max_attributes = 4096;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const size_t eq = arg.find('=');
    if (arg.rfind("--", 0) != 0 || eq == std::string::npos) {
      return Status::InvalidArgument("expected --name=value, got " + arg);
    }
    const std::string name = arg.substr(2, eq - 2);
    const std::string value = arg.substr(eq + 1);
    if (name == "zk") {
      m.connect_string = value;
    } else if (name == "root") {
      m.root = value;
    } else if (name == "node_id") {
      m.node_id = value;
    } else if (name == "op_log") {
      options.op_log = value;
    } else if (name == "touch_fraction") {
      m.touch_fraction = std::strtod(value.c_str(), nullptr);
    } else {
      Result<int64_t> n = ParseInt(name, value);
      if (!n.ok()) return n.status();
      if (name == "zk_session_timeout_ms") {
        m.zk_session_timeout = milliseconds(*n);
      } else if (name == "expiry_granularity_ms") {
        m.expiry_granularity = milliseconds(*n);
      } else if (name == "operation_timeout_ms") {
        m.operation_timeout = milliseconds(*n);
      } else if (name == "connect_timeout_ms") {
        m.connect_timeout = milliseconds(*n);
      } else if (name == "cache_max_entries") {
        m.cache_max_entries = static_cast<size_t>(*n);
      } else if (name == "zk_max_packet_bytes") {
        m.zk_max_packet_bytes = static_cast<size_t>(*n);
      } else if (name == "bucket_count") {
        m.bucket_count = static_cast<uint32_t>(*n);
      } else if (name == "max_attributes") {
        m.max_attributes = static_cast<size_t>(*n);
      } else if (name == "epoch_ns") {
        options.epoch_ns = *n;
      } else {
        return Status::InvalidArgument("unknown flag --" + name);
      }
    }
  }
  if (m.connect_string.empty()) return Status::InvalidArgument("--zk missing");
  if (options.epoch_ns == 0) {
    options.epoch_ns = Clock::now().time_since_epoch().count();
  }
  return options;
}

Worker::Worker(WorkerOptions options, LineWriter* out)
    : options_(std::move(options)),
      out_(out),
      counters_(std::make_unique<Counters>()) {}

Worker::~Worker() {
  // Closing the manager runs its last callbacks, which may still log.
  manager_.reset();
  if (op_log_fd_ >= 0) ::close(op_log_fd_);
}

Result<std::unique_ptr<Worker>> Worker::Open(WorkerOptions options,
                                             LineWriter* out) {
  std::unique_ptr<Worker> worker(new Worker(std::move(options), out));
  if (!worker->options_.op_log.empty()) {
    worker->op_log_fd_ =
        ::open(worker->options_.op_log.c_str(),
               O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (worker->op_log_fd_ < 0) {
      return Status::InvalidArgument("cannot open " + worker->options_.op_log);
    }
  }
  Result<std::unique_ptr<SessionManager>> manager =
      SessionManager::Open(worker->options_.manager);
  if (!manager.ok()) return manager.status();
  worker->manager_ = std::move(*manager);
  Worker* raw = worker.get();
  worker->manager_->AddListener([raw](const SessionEvent& e) {
    if (e.type != SessionEventType::kExpired) return;
    raw->expired_.fetch_add(1);
    raw->observed_.SawGone(e.session_id);
    // "at": wall-clock ms, the clock expiry is judged by.
    const int64_t at = std::chrono::duration_cast<milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
    raw->out_->Write(Line::Event("expired")
                         .Add("id", e.session_id)
                         .Add("cause", e.cause)
                         .Add("at", at));
    raw->LogOp(raw->NowMs(), "ev", "expired " + e.session_id + " " + e.cause);
  });
  zk::Client& client = SessionManagerTestPeer::client(*worker->manager_);
  client.AddConnectionListener([out](const zk::ConnectionEvent& e) {
    out->Write(Line::Event("connection")
                   .Add("state", std::string(zk::ConnectionStateName(e.state)))
                   .Add("generation", e.generation));
  });
  worker->RegisterCommands();
  return worker;
}

void Worker::Register(std::string name, Handler handler) {
  handlers_[std::move(name)] = std::move(handler);
}

void Worker::RegisterCommands() {
  Register("ping", [](const Line&) { return Line::Ok(); });
  Register("create", [this](const Line& c) { return Create(c); });
  Register("get", [this](const Line& c) { return Get(c); });
  Register("mutate", [this](const Line& c) { return Mutate(c); });
  Register("touch", [this](const Line& c) { return Touch(c); });
  Register("delete", [this](const Line& c) { return Delete(c); });
  Register("lease", [this](const Line& c) { return Lease(c); });
  Register("adopt", [this](const Line& c) { return Adopt(c); });
  Register("expired", [this](const Line&) {
    return Line::Ok().Add("count", expired_.load());
  });
  Register("members", [this](const Line& c) { return Members(c); });
  Register("server", [this](const Line& c) { return Server(c); });
  Register("stats", [this](const Line& c) { return Stats(c); });
  Register("churn", [this](const Line& c) { return Churn(c); });
  Register("check_cache", [this](const Line& c) { return CheckCache(c); });
  Register("violations", [this](const Line&) {
    return Line::Ok().Add("count", violations_.load());
  });
  Register("quit", [this](const Line&) {
    quit_ = true;
    return Line::Ok();
  });
}

Line Worker::Execute(const Line& command) {
  auto it = handlers_.find(command.word());
  if (it == handlers_.end()) {
    return Line::Error(
        Status::InvalidArgument("unknown command " + command.word()));
  }
  return it->second(command);
}

// --- Tracked calls -----------------------------------------------------------

int64_t Worker::NowMs() const {
  return (Clock::now().time_since_epoch().count() - options_.epoch_ns) /
         1000000;
}

std::string Worker::CurrentServer() {
  return SessionManagerTestPeer::client(*manager_).current_server();
}

void Worker::LogOp(int64_t invoked_ms, const std::string& thread,
                   const std::string& text) {
  if (op_log_fd_ < 0) return;
  const std::string line =
      std::to_string(invoked_ms) + " " + std::to_string(NowMs()) + " " +
      options_.manager.node_id + "/" + thread + " " + text + "\n";
  // O_APPEND: one write() per line keeps lines whole across threads.
  const ssize_t written = ::write(op_log_fd_, line.data(), line.size());
  (void)written;  // A short or failed log write loses a log line, no more.
}

void Worker::Violation(const std::string& kind, const std::string& id,
                       const std::string& what) {
  violations_.fetch_add(1);
  out_->Write(Line::Event("violation")
                  .Add("kind", kind)
                  .Add("id", id)
                  .Add("what", what));
  LogOp(NowMs(), "!!", "VIOLATION " + kind + " " + id + ": " + what);
}

void Worker::Completed(const std::string& op, const std::string& id,
                       const std::string& detail, const std::string& thread,
                       int64_t invoked_ms, const ObservedVersions::Floor& floor,
                       const Status& status, int32_t version) {
  counters_->Add(kCalls);
  std::string outcome;
  if (status.ok()) {
    counters_->Add(kOk);
    outcome = "ok";
    if (version >= 0) {
      outcome += " v" + std::to_string(version);
      const std::string violation = observed_.Saw(id, floor, version);
      if (!violation.empty()) {
        Violation(floor.gone ? "resurrected" : "backwards", id,
                  op + " " + detail + ": " + violation);
      }
    } else if (floor.gone) {
      Violation("resurrected", id, op + " succeeded after NotFound was seen");
    }
    if (op == "delete") {
      observed_.SawGone(id);
      RemoveFromPool(id);
    }
  } else {
    outcome = status.ToString();
    if (status.IsNotFound()) {
      counters_->Add(kNotFound);
      observed_.SawGone(id);
      RemoveFromPool(id);
    } else if (status.IsUnavailable()) {
      counters_->Add(kUnavailable);
      if (status.outcome_unknown()) counters_->Add(kOutcomeUnknown);
    } else {
      counters_->Add(kOtherErrors);
      out_->Write(Line::Event("error")
                      .Add("op", op)
                      .Add("id", id)
                      .Add("code", std::string(StatusCodeName(status.code())))
                      .Add("message", status.message()));
    }
  }
  LogOp(invoked_ms, thread,
        op + " " + (id.empty() ? "-" : id) + " " + detail + " -> " + outcome +
            " @" + CurrentServer());
}

Result<Session> Worker::TrackedCreate(const CreateRequest& request,
                                      const std::string& thread) {
  counters_->Add(kCreates);
  const int64_t invoked = NowMs();
  Result<Session> r = manager_->Create(request);
  Completed("create", r.ok() ? r->id : "", "", thread, invoked, {},
            r.ok() ? Status::Ok() : r.status(), r.ok() ? r->version : -1);
  return r;
}

Result<Session> Worker::TrackedGet(const std::string& id, ReadConsistency level,
                                   const std::string& thread) {
  counters_->Add(level == ReadConsistency::kCached ? kCachedGets : kOtherGets);
  const ObservedVersions::Floor floor = observed_.Begin(id);
  const int64_t invoked = NowMs();
  Result<Session> r = manager_->Get(id, level);
  Completed("get", id, std::string(LevelName(level)), thread, invoked, floor,
            r.ok() ? Status::Ok() : r.status(), r.ok() ? r->version : -1);
  return r;
}

Result<Session> Worker::TrackedMutate(const std::string& id,
                                      const Mutation& mutation,
                                      const std::string& thread) {
  counters_->Add(kMutates);
  std::string detail;
  for (const auto& [name, value] : mutation.set) {
    if (!detail.empty()) detail += ',';
    detail += name;
    detail += '=';
    detail += value;
  }
  if (mutation.expected_version) {
    detail += " expect=" + std::to_string(*mutation.expected_version);
  }
  const ObservedVersions::Floor floor = observed_.Begin(id);
  const int64_t invoked = NowMs();
  Result<Session> r = manager_->Mutate(id, mutation);
  Completed("mutate", id, detail, thread, invoked, floor,
            r.ok() ? Status::Ok() : r.status(), r.ok() ? r->version : -1);
  return r;
}

Status Worker::TrackedTouch(const std::string& id, const std::string& thread) {
  counters_->Add(kTouches);
  const ObservedVersions::Floor floor = observed_.Begin(id);
  const int64_t invoked = NowMs();
  Status s = manager_->Touch(id);
  Completed("touch", id, "", thread, invoked, floor, s, -1);
  return s;
}

Status Worker::TrackedDelete(const std::string& id, const std::string& thread) {
  counters_->Add(kDeletes);
  const ObservedVersions::Floor floor = observed_.Begin(id);
  const int64_t invoked = NowMs();
  Status s = manager_->Invalidate(id);
  Completed("delete", id, "", thread, invoked, floor, s, -1);
  return s;
}

// --- Single calls
// --------------------------------------------------------------

Line Worker::Create(const Line& command) {
  const int64_t n = command.GetIntOr("n", 1);
  const int64_t window = std::max<int64_t>(1, command.GetIntOr("window", 256));
  CreateRequest request;
  request.principal = command.GetOr("principal", "");
  if (std::optional<int64_t> idle = command.GetInt("max_idle_ms")) {
    request.max_idle = milliseconds(*idle);
  }
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    int64_t in_flight = 0;
    int64_t done = 0;
    std::vector<std::string> ids;
    Status first_error;
  };
  auto state = std::make_shared<State>();
  for (int64_t i = 0; i < n; ++i) {
    {
      std::unique_lock<std::mutex> lock(state->mu);
      state->cv.wait(lock, [&] { return state->in_flight < window; });
      ++state->in_flight;
    }
    counters_->Add(kCreates);
    const int64_t invoked = NowMs();
    manager_->CreateAsync(request, [this, state, invoked](Result<Session> r) {
      Completed("create", r.ok() ? r->id : "", "", "m", invoked, {},
                r.ok() ? Status::Ok() : r.status(), r.ok() ? r->version : -1);
      std::lock_guard<std::mutex> lock(state->mu);
      --state->in_flight;
      ++state->done;
      if (r.ok()) {
        state->ids.push_back(r->id);
      } else if (state->first_error.ok()) {
        state->first_error = r.status();
      }
      state->cv.notify_all();
    });
  }
  std::unique_lock<std::mutex> lock(state->mu);
  state->cv.wait(lock, [&] { return state->done == n; });
  for (const std::string& id : state->ids) AddToPool(id);
  Line reply = Line::Ok();
  reply.Add("created", static_cast<int64_t>(state->ids.size()))
      .Add("failed", n - static_cast<int64_t>(state->ids.size()));
  if (!state->first_error.ok()) {
    reply.Add("first_error", state->first_error.ToString());
  }
  reply.AddList("ids", state->ids);
  return reply;
}

Line Worker::Get(const Line& command) {
  Result<ReadConsistency> level = ParseLevel(command.GetOr("level", "cached"));
  if (!level.ok()) return Line::Error(level.status());
  Result<Session> r = TrackedGet(command.GetOr("id", ""), *level, "m");
  if (!r.ok()) return Line::Error(r.status());
  Line reply = Line::Ok();
  return AddSession(reply, *r);
}

Line Worker::Mutate(const Line& command) {
  Mutation mutation;
  for (const auto& [key, value] : command.fields()) {
    if (key.rfind("set.", 0) == 0) mutation.set[key.substr(4)] = value;
  }
  mutation.remove = command.GetList("remove");
  if (std::optional<int64_t> expect = command.GetInt("expect")) {
    mutation.expected_version = static_cast<int32_t>(*expect);
  }
  if (std::optional<int64_t> token = command.GetInt("token")) {
    mutation.lease_token = *token;
  }
  Result<Session> r = TrackedMutate(command.GetOr("id", ""), mutation, "m");
  if (!r.ok()) return Line::Error(r.status());
  Line reply = Line::Ok();
  return AddSession(reply, *r);
}

Line Worker::Lease(const Line& command) {
  const std::string id = command.GetOr("id", "");
  const int64_t invoked = NowMs();
  Result<LeaseAttempt> r = manager_->AcquireLease(
      id, command.GetOr("holder", ""),
      std::chrono::milliseconds(command.GetIntOr("ttl_ms", 0)));
  LogOp(invoked, "m",
        "lease " + id + " " +
            (!r.ok()       ? r.status().ToString()
             : r->acquired ? "token=" + std::to_string(r->lease.token)
                           : "held by " + r->lease.holder));
  if (!r.ok()) return Line::Error(r.status());
  return Line::Ok()
      .Add("acquired", r->acquired)
      .Add("token", r->lease.token)
      .Add("holder", r->lease.holder)
      .Add("expires_at", r->lease.expires_at_ms);
}

Line Worker::Touch(const Line& command) {
  const Status s = TrackedTouch(command.GetOr("id", ""), "m");
  return s.ok() ? Line::Ok() : Line::Error(s);
}

Line Worker::Delete(const Line& command) {
  const Status s = TrackedDelete(command.GetOr("id", ""), "m");
  return s.ok() ? Line::Ok() : Line::Error(s);
}

Line Worker::Adopt(const Line& command) {
  int64_t adopted = 0;
  int64_t missing = 0;
  for (const std::string& id : command.GetList("ids")) {
    Result<Session> r = TrackedGet(id, ReadConsistency::kLinearizable, "m");
    if (r.ok()) {
      AddToPool(id);
      ++adopted;
    } else if (r.status().IsNotFound()) {
      ++missing;
    } else {
      return Line::Error(r.status().WithContext("adopt"));
    }
  }
  return Line::Ok().Add("adopted", adopted).Add("missing", missing);
}

Line Worker::Members(const Line& /*command*/) {
  Result<std::vector<Member>> members = manager_->Members();
  if (!members.ok()) return Line::Error(members.status());
  std::vector<std::string> ids;
  for (const Member& m : *members) ids.push_back(m.node_id);
  std::sort(ids.begin(), ids.end());
  return Line::Ok().AddList("members", ids);
}

Line Worker::Server(const Line& /*command*/) {
  zk::Client& client = SessionManagerTestPeer::client(*manager_);
  return Line::Ok()
      .Add("server", client.current_server())
      .Add("state", std::string(zk::ConnectionStateName(client.state())))
      .Add("generation", client.generation());
}

Line Worker::Stats(const Line& /*command*/) {
  const CacheStats cache = manager_->cache_stats();
  Line reply = Line::Ok();
  reply.Add("cache_hits", cache.hits)
      .Add("cache_misses", cache.misses)
      .Add("cache_invalidations", cache.invalidations)
      .Add("cache_evictions", cache.evictions)
      .Add("cache_revalidations", cache.revalidations)
      .Add("cache_entries", cache.entries)
      .Add("expired", expired_.load())
      .Add("violations", violations_.load())
      .Add("pool", static_cast<int64_t>(PoolSize()));
  const auto counts = counters_->Snapshot();
  for (size_t i = 0; i < counts.size(); ++i) {
    reply.Add(kCounterNames[i], counts[i]);
  }
  return reply;
}

// --- Churn
// -----------------------------------------------------------------------

void Worker::AddToPool(const std::string& id) {
  if (observed_.IsGone(id)) return;
  std::lock_guard<std::mutex> lock(pool_mu_);
  if (pool_index_.contains(id)) return;
  pool_index_[id] = pool_.size();
  pool_.push_back(id);
}

void Worker::RemoveFromPool(const std::string& id) {
  std::lock_guard<std::mutex> lock(pool_mu_);
  auto it = pool_index_.find(id);
  if (it == pool_index_.end()) return;
  const size_t at = it->second;
  pool_index_.erase(it);
  if (at + 1 != pool_.size()) {
    pool_[at] = std::move(pool_.back());
    pool_index_[pool_[at]] = at;
  }
  pool_.pop_back();
}

std::string Worker::PickFromPool(std::mt19937_64& rng) {
  std::lock_guard<std::mutex> lock(pool_mu_);
  if (pool_.empty()) return "";
  return pool_[std::uniform_int_distribution<size_t>(0, pool_.size() - 1)(rng)];
}

size_t Worker::PoolSize() {
  std::lock_guard<std::mutex> lock(pool_mu_);
  return pool_.size();
}

void Worker::ChurnThread(int index, Clock::time_point end, const Line& command,
                         uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> share(0.0, 1.0);
  const std::string thread = "t" + std::to_string(index);
  const milliseconds pause(command.GetIntOr("pause_ms", 5));
  CreateRequest create;
  create.principal = command.GetOr("principal", "churn");
  create.max_idle = milliseconds(command.GetIntOr("max_idle_ms", 3600000));
  while (Clock::now() < end) {
    const double r = share(rng);
    const std::string id = PickFromPool(rng);
    double bound = kCreateShare;
    if (id.empty() || r < bound) {
      create.attributes = {{"w", "c" + std::to_string(++unique_)}};
      Result<Session> created = TrackedCreate(create, thread);
      if (created.ok()) AddToPool(created->id);
    } else if (r < (bound += kDeleteShare)) {
      (void)TrackedDelete(id, thread);
    } else if (r < (bound += kMutateShare)) {
      Mutation m;
      m.set = {{"w", options_.manager.node_id + "-" + thread + "-" +
                         std::to_string(++unique_)}};
      (void)TrackedMutate(id, m, thread);
    } else if (r < (bound += kLinearizableShare)) {
      (void)TrackedGet(id, ReadConsistency::kLinearizable, thread);
    } else if (r < (bound += kSequentialShare)) {
      (void)TrackedGet(id, ReadConsistency::kSequential, thread);
    } else {
      (void)TrackedGet(id, ReadConsistency::kCached, thread);
    }
    // Paces the load so that faults, not the CPU, decide what happens.
    std::this_thread::sleep_for(pause);
  }
}

Line Worker::Churn(const Line& command) {
  const int64_t duration = command.GetIntOr("duration_ms", 10000);
  const int threads = static_cast<int>(command.GetIntOr("threads", 3));
  const milliseconds discover(command.GetIntOr("discover_ms", 1000));
  const std::string principal = command.GetOr("principal", "churn");
  const auto before = counters_->Snapshot();
  const CacheStats cache_before = manager_->cache_stats();
  const int64_t violations_before = violations_.load();
  const Clock::time_point end = Clock::now() + milliseconds(duration);
  std::random_device seeds;
  std::vector<std::thread> workers;
  workers.reserve(threads);
  for (int i = 0; i < threads; ++i) {
    workers.emplace_back(&Worker::ChurnThread, this, i, end, command, seeds());
  }
  // Sessions the other processes create reach this one through the
  // principal index, so every process works on every session.
  int64_t discovered = 0;
  while (Clock::now() < end) {
    Result<std::vector<std::string>> ids = manager_->FindByPrincipal(principal);
    if (ids.ok()) {
      const size_t size_before = PoolSize();
      for (const std::string& id : *ids) AddToPool(id);
      discovered += static_cast<int64_t>(PoolSize() - size_before);
    }
    std::this_thread::sleep_until(std::min(end, Clock::now() + discover));
  }
  for (std::thread& t : workers) t.join();
  const auto after = counters_->Snapshot();
  const CacheStats cache_after = manager_->cache_stats();
  Line reply = Line::Ok();
  for (size_t i = 0; i < after.size(); ++i) {
    reply.Add(kCounterNames[i], after[i] - before[i]);
  }
  reply.Add("cache_hits", cache_after.hits - cache_before.hits)
      .Add("cache_misses", cache_after.misses - cache_before.misses)
      .Add("cache_invalidations",
           cache_after.invalidations - cache_before.invalidations)
      .Add("cache_revalidations",
           cache_after.revalidations - cache_before.revalidations)
      .Add("discovered", discovered)
      .Add("pool", static_cast<int64_t>(PoolSize()))
      .Add("violations", violations_.load() - violations_before);
  return reply;
}

// --- The cache check
// -------------------------------------------------------------

Line Worker::CheckCache(const Line& command) {
  const auto deadline =
      Clock::now() + milliseconds(command.GetIntOr("timeout_ms", 30000));
  const int threads =
      std::max(1, static_cast<int>(command.GetIntOr("threads", 4)));
  std::vector<std::string> ids = observed_.Known();
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    ids.insert(ids.end(), pool_.begin(), pool_.end());
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());

  std::atomic<int64_t> present{0};
  std::atomic<int64_t> gone{0};
  std::atomic<int64_t> lagging{0};
  std::atomic<int64_t> mismatches{0};
  std::atomic<int64_t> retries{0};
  std::atomic<int64_t> unchecked{0};
  const auto check_one = [&](const std::string& id, const std::string& thread) {
    while (true) {
      // The cached copy as a reader would get it; then ZooKeeper's current
      // state (a quorum barrier and a read on this manager's connection,
      // which also delivers every watch event that was on its way); then
      // the cached copy again, which must now equal it.
      Result<Session> first = TrackedGet(id, ReadConsistency::kCached, thread);
      Result<Session> zk =
          TrackedGet(id, ReadConsistency::kLinearizable, thread);
      Result<Session> cached = TrackedGet(id, ReadConsistency::kCached, thread);
      if (first.status().IsUnavailable() || zk.status().IsUnavailable() ||
          cached.status().IsUnavailable()) {
        if (Clock::now() > deadline) {
          ++unchecked;
          Violation("unchecked", id, "ZooKeeper unreachable until deadline");
          return;
        }
        ++retries;
        std::this_thread::sleep_for(kRetryPause);
        continue;
      }
      const auto same = [](const Result<Session>& a, const Result<Session>& b) {
        if (a.ok() != b.ok()) return false;
        if (!a.ok()) return a.status().code() == b.status().code();
        return SameSession(*a, *b);
      };
      if (zk.ok()) {
        ++present;
      } else {
        ++gone;
      }
      if (!same(first, zk)) ++lagging;
      if (!same(cached, zk) || (!zk.ok() && !zk.status().IsNotFound())) {
        ++mismatches;
        Violation("cache", id,
                  "cached " + Describe(cached) + ", ZooKeeper " + Describe(zk) +
                      " (first cached read " + Describe(first) + ")");
      }
      return;
    }
  };
  std::vector<std::thread> workers;
  workers.reserve(threads);
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      const std::string thread = "k" + std::to_string(t);
      for (size_t i = t; i < ids.size(); i += threads)
        check_one(ids[i], thread);
    });
  }
  for (std::thread& t : workers) t.join();
  return Line::Ok()
      .Add("sessions", static_cast<int64_t>(ids.size()))
      .Add("present", present.load())
      .Add("gone", gone.load())
      .Add("lagging", lagging.load())
      .Add("mismatches", mismatches.load())
      .Add("unchecked", unchecked.load())
      .Add("retries", retries.load())
      .Add("cache_entries", manager_->cache_stats().entries);
}

}  // namespace sessionkeeper::worker
