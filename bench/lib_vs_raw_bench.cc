// The library against the raw ZooKeeper C client, operation by operation,
// in the same run, on the same payload (the raw znodes hold the very bytes
// of a library session: a 1 KiB session with 10 attributes) and with the
// same number of requests in flight. Each raw baseline runs right before
// its library counterpart, so both see the same machine; the ratio is the
// result (absolute numbers drift on a shared machine).
//
//   lib_vs_raw_bench --zk=CONNECT [--zk_pids=P1,P2,P3] [--sessions=2000]
//       [--seconds=2] [--rounds=1] [--window=64] [--warmup_seconds=1]
//       [--metrics=FILE]
//       [--plot_data=FILE]
//       [--only=create,cached,sequential,linearizable,mutate,touch]
//       [--side=both|library|raw] [--max_ops=N]
//
// Each pair runs --rounds times in ABBA order (raw, library, library, raw;
// --seconds each) and reports the means, which cancels a steady drift in
// the machine's load. --side=library (or raw) with --max_ops gives a short,
// fixed run of one side for a profiler: run under callgrind, it dumps a
// profile of each measured run (and nothing else) with the row's name.
#include <unistd.h>
#include <zookeeper/zookeeper.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define SK_PROFILE_ZERO() CALLGRIND_ZERO_STATS
#define SK_PROFILE_DUMP(name) CALLGRIND_DUMP_STATS_AT(name)
#else
#define SK_PROFILE_ZERO()
#define SK_PROFILE_DUMP(name)
#endif

#include "bench/bench_util.h"
#include "bench/cached_loop.h"
#include "bench/raw_zk.h"
#include "bench/windowed_run.h"
#include "bench/zk_servers.h"
#include "sessionkeeper/session_manager.h"
#include "store/session_store.h"
#include "support/session_manager_peer.h"

namespace sk = sessionkeeper;
namespace bench = sessionkeeper::bench;

namespace {

using bench::RunResult;
using bench::WindowedRun;

constexpr char kLibraryRoot[] = "/bench-lvr";
constexpr char kRawRoot[] = "/bench-raw";
constexpr int kRawBuckets = 256;  // As many as the library's default.

struct Bench {
  sk::SessionManager* manager = nullptr;
  zhandle_t* zh = nullptr;
  std::string payload;  // The bytes of a library session's znode.
  int window = 64;
  int sessions = 2000;
  WindowedRun::Options run_options;

  std::mutex mu;                 // Guards the two lists while creates complete.
  std::vector<std::string> ids;  // Library sessions.
  std::vector<std::string> paths;  // Raw znodes.
  uint64_t raw_created = 0;

  // Slot s works on sessions s, s + window, s + 2 * window, ...: no two
  // operations in flight touch the same session (so the library's
  // per-session batching never merges them).
  size_t Target(const WindowedRun::Slot* slot, size_t count) const {
    return (static_cast<size_t>(slot->index) +
            static_cast<size_t>(slot->seq) * static_cast<size_t>(window)) %
           count;
  }
};

// --- Raw completions: `data` is the slot, or an op context holding it. ---

struct RawCreateOp {
  WindowedRun::Slot* slot;
  Bench* bench;
};

void OnRawCreate(int rc, const char* path, const void* data) {
  auto* op = static_cast<RawCreateOp*>(const_cast<void*>(data));
  WindowedRun::Slot* slot = op->slot;
  if (rc == ZOK) {
    std::lock_guard<std::mutex> lock(op->bench->mu);
    op->bench->paths.emplace_back(path);
  }
  delete op;
  WindowedRun::Finish(slot, rc == ZOK);
}

void OnRawGet(int rc, const char*, int, const Stat*, const void* data) {
  WindowedRun::Finish(static_cast<WindowedRun::Slot*>(const_cast<void*>(data)),
                      rc == ZOK);
}

void OnRawSet(int rc, const Stat*, const void* data) {
  WindowedRun::Finish(static_cast<WindowedRun::Slot*>(const_cast<void*>(data)),
                      rc == ZOK);
}

// The library's linearizable read: a multi holding one version check that
// any version passes (a quorum operation), then a read on the same handle.
struct RawBarrierRead {
  WindowedRun::Slot* slot;
  zhandle_t* zh;
  std::string path;
  zoo_op_t op;
  zoo_op_result_t result;
};

void OnRawBarrierGet(int rc, const char*, int, const Stat*, const void* data) {
  auto* ctx = static_cast<RawBarrierRead*>(const_cast<void*>(data));
  WindowedRun::Slot* slot = ctx->slot;
  delete ctx;
  WindowedRun::Finish(slot, rc == ZOK);
}

void OnRawBarrier(int rc, const void* data) {
  auto* ctx = static_cast<RawBarrierRead*>(const_cast<void*>(data));
  if (rc != ZOK ||
      zoo_aget(ctx->zh, ctx->path.c_str(), 0, &OnRawBarrierGet, ctx) != ZOK) {
    WindowedRun::Slot* slot = ctx->slot;
    delete ctx;
    WindowedRun::Finish(slot, false);
  }
}

// A read-modify-write by hand: get, then a set conditional on the version
// read (what the library's Mutate does on the wire).
struct RawRmw {
  WindowedRun::Slot* slot;
  zhandle_t* zh;
  const std::string* payload;
  std::string path;
};

void OnRawRmwSet(int rc, const Stat*, const void* data) {
  auto* ctx = static_cast<RawRmw*>(const_cast<void*>(data));
  WindowedRun::Slot* slot = ctx->slot;
  delete ctx;
  WindowedRun::Finish(slot, rc == ZOK);
}

void OnRawRmwGet(int rc, const char*, int, const Stat* stat, const void* data) {
  auto* ctx = static_cast<RawRmw*>(const_cast<void*>(data));
  if (rc != ZOK || zoo_aset(ctx->zh, ctx->path.c_str(), ctx->payload->data(),
                            static_cast<int>(ctx->payload->size()),
                            stat->version, &OnRawRmwSet, ctx) != ZOK) {
    WindowedRun::Slot* slot = ctx->slot;
    delete ctx;
    WindowedRun::Finish(slot, false);
  }
}

// --- The measured operations ------------------------------------------------

RunResult RawCreate(Bench& b, const WindowedRun::Options& options) {
  return WindowedRun::Run(options, [&b](WindowedRun::Slot* slot) {
    uint64_t n = 0;
    {
      std::lock_guard<std::mutex> lock(b.mu);
      n = b.raw_created++;
    }
    // The pid keeps names apart across runs on the same ensemble.
    char path[96];
    std::snprintf(path, sizeof(path), "%s/b%03d/p%dn%llu", kRawRoot,
                  static_cast<int>(n % kRawBuckets), static_cast<int>(getpid()),
                  static_cast<unsigned long long>(n));
    auto* op = new RawCreateOp{slot, &b};
    if (zoo_acreate(b.zh, path, b.payload.data(),
                    static_cast<int>(b.payload.size()), &ZOO_OPEN_ACL_UNSAFE, 0,
                    &OnRawCreate, op) != ZOK) {
      delete op;
      WindowedRun::Finish(slot, false);
    }
  });
}

RunResult LibraryCreate(Bench& b, const WindowedRun::Options& options) {
  return WindowedRun::Run(options, [&b](WindowedRun::Slot* slot) {
    sk::CreateRequest request;
    request.attributes = bench::OneKibAttributes();
    b.manager->CreateAsync(std::move(request),
                           [&b, slot](sk::Result<sk::Session> created) {
                             if (created.ok()) {
                               std::lock_guard<std::mutex> lock(b.mu);
                               b.ids.push_back(created->id);
                             }
                             WindowedRun::Finish(slot, created.ok());
                           });
  });
}

RunResult RawGet(Bench& b) {
  return WindowedRun::Run(b.run_options, [&b](WindowedRun::Slot* slot) {
    const std::string& path = b.paths[b.Target(slot, b.sessions)];
    if (zoo_aget(b.zh, path.c_str(), 0, &OnRawGet, slot) != ZOK) {
      WindowedRun::Finish(slot, false);
    }
  });
}

RunResult LibraryGet(Bench& b, sk::ReadConsistency consistency) {
  return WindowedRun::Run(
      b.run_options, [&b, consistency](WindowedRun::Slot* slot) {
        b.manager->GetAsync(b.ids[b.Target(slot, b.sessions)], consistency,
                            [slot](sk::Result<sk::Session> read) {
                              WindowedRun::Finish(slot, read.ok());
                            });
      });
}

RunResult RawLinearizableGet(Bench& b) {
  return WindowedRun::Run(b.run_options, [&b](WindowedRun::Slot* slot) {
    auto* ctx = new RawBarrierRead{
        slot, b.zh, b.paths[b.Target(slot, b.sessions)], {}, {}};
    zoo_check_op_init(&ctx->op, ctx->path.c_str(), -1);
    if (zoo_amulti(b.zh, 1, &ctx->op, &ctx->result, &OnRawBarrier, ctx) !=
        ZOK) {
      delete ctx;
      WindowedRun::Finish(slot, false);
    }
  });
}

RunResult RawSet(Bench& b) {
  return WindowedRun::Run(b.run_options, [&b](WindowedRun::Slot* slot) {
    const std::string& path = b.paths[b.Target(slot, b.sessions)];
    if (zoo_aset(b.zh, path.c_str(), b.payload.data(),
                 static_cast<int>(b.payload.size()), -1, &OnRawSet,
                 slot) != ZOK) {
      WindowedRun::Finish(slot, false);
    }
  });
}

RunResult RawReadModifyWrite(Bench& b) {
  return WindowedRun::Run(b.run_options, [&b](WindowedRun::Slot* slot) {
    auto* ctx =
        new RawRmw{slot, b.zh, &b.payload, b.paths[b.Target(slot, b.sessions)]};
    if (zoo_aget(b.zh, ctx->path.c_str(), 0, &OnRawRmwGet, ctx) != ZOK) {
      delete ctx;
      WindowedRun::Finish(slot, false);
    }
  });
}

RunResult LibraryMutate(Bench& b) {
  return WindowedRun::Run(b.run_options, [&b](WindowedRun::Slot* slot) {
    sk::Mutation mutation;
    // Same size every time: the record stays 1 KiB.
    mutation.set["attr3"] =
        std::string(95, static_cast<char>('a' + slot->seq % 26));
    b.manager->MutateAsync(b.ids[b.Target(slot, b.sessions)],
                           std::move(mutation),
                           [slot](sk::Result<sk::Session> written) {
                             WindowedRun::Finish(slot, written.ok());
                           });
  });
}

RunResult LibraryTouch(Bench& b) {
  return WindowedRun::Run(b.run_options, [&b](WindowedRun::Slot* slot) {
    b.manager->TouchAsync(b.ids[b.Target(slot, b.sessions)],
                          [slot](sk::Status touched) {
                            WindowedRun::Finish(slot, touched.ok());
                          });
  });
}

// Fills the library's cache with the first `b.sessions` sessions.
bool WarmCache(Bench& b) {
  WindowedRun::Options options = b.run_options;
  options.duration = std::chrono::minutes(5);
  options.max_ops = static_cast<uint64_t>(b.sessions);
  options.servers = nullptr;
  const RunResult warm = WindowedRun::Run(options, [&b](WindowedRun::Slot* s) {
    b.manager->GetAsync(b.ids[b.Target(s, b.sessions)],
                        sk::ReadConsistency::kCached,
                        [s](sk::Result<sk::Session> read) {
                          WindowedRun::Finish(s, read.ok());
                        });
  });
  return warm.failed == 0;
}

// --- Reporting ----------------------------------------------------------

struct Row {
  std::string key;  // For metrics and plots.
  std::string operation;
  std::string raw_call;
  RunResult raw;
  std::string library_call;
  RunResult library;
  bool has_raw = true;
};

std::string PerOp(double value, int decimals) {
  return value < 0 ? "n/a" : bench::FormatFixed(value, decimals);
}

void Report(const std::vector<Row>& rows, bench::MetricsFile& metrics,
            const std::string& plot_data) {
  std::printf(
      "%s\n%s\n",
      bench::Row({"operation", "raw C client", "raw ops/s", "raw p50 / p99 us",
                  "library", "library ops/s", "library p50 / p99 us",
                  "library / raw"})
          .c_str(),
      bench::Row({"---", "---", "---:", "---:", "---", "---:", "---:", "---:"})
          .c_str());
  for (const Row& row : rows) {
    const double ratio = row.has_raw && row.raw.ops_per_s > 0
                             ? row.library.ops_per_s / row.raw.ops_per_s
                             : 0;
    std::printf(
        "%s\n",
        bench::Row({row.operation, row.has_raw ? row.raw_call : "(not run)",
                    row.has_raw ? bench::Grouped(row.raw.ops_per_s) : "",
                    row.has_raw ? bench::FormatMicros(row.raw.p50_us) + " / " +
                                      bench::FormatMicros(row.raw.p99_us)
                                : "",
                    row.library_call, bench::Grouped(row.library.ops_per_s),
                    bench::FormatMicros(row.library.p50_us) + " / " +
                        bench::FormatMicros(row.library.p99_us),
                    row.has_raw ? "**" + bench::FormatRatio(ratio) + "**" : ""})
            .c_str());
    const std::string prefix = "lvr." + row.key;
    metrics.Put(prefix + ".lib.ops", row.library.ops_per_s);
    metrics.Put(prefix + ".lib.p50_us", row.library.p50_us);
    metrics.Put(prefix + ".lib.p99_us", row.library.p99_us);
    metrics.Put(prefix + ".lib.failed",
                static_cast<double>(row.library.failed));
    if (row.has_raw) {
      metrics.Put(prefix + ".raw.ops", row.raw.ops_per_s);
      metrics.Put(prefix + ".raw.p50_us", row.raw.p50_us);
      metrics.Put(prefix + ".raw.p99_us", row.raw.p99_us);
      metrics.Put(prefix + ".raw.failed", static_cast<double>(row.raw.failed));
      metrics.Put(prefix + ".ratio", ratio);
    }
    metrics.Put(prefix + ".lib.zk_requests_per_op",
                row.library.zk_requests_per_op);
    metrics.Put(prefix + ".lib.client_cpu_us_per_op",
                row.library.client_cpu_us_per_op);
    metrics.Put(prefix + ".lib.zk_cpu_us_per_op", row.library.zk_cpu_us_per_op);
    if (row.has_raw) {
      metrics.Put(prefix + ".raw.zk_requests_per_op",
                  row.raw.zk_requests_per_op);
      metrics.Put(prefix + ".raw.client_cpu_us_per_op",
                  row.raw.client_cpu_us_per_op);
      metrics.Put(prefix + ".raw.zk_cpu_us_per_op", row.raw.zk_cpu_us_per_op);
    }
  }

  std::printf(
      "\nWhat one operation costs (ZooKeeper requests and write "
      "transactions counted by the servers, their CPU from /proc, and this "
      "process's CPU; raw / library):\n\n%s\n%s\n",
      bench::Row({"operation", "ZK requests per op", "ZK writes per op",
                  "ZK servers CPU us per op", "client CPU us per op",
                  "client kernel share", "client context switches per op"})
          .c_str(),
      bench::Row({"---", "---:", "---:", "---:", "---:", "---:", "---:"})
          .c_str());
  for (const Row& row : rows) {
    const auto pair = [&row](double raw, double library, int decimals) {
      return (row.has_raw ? PerOp(raw, decimals) : "-") + " / " +
             PerOp(library, decimals);
    };
    std::printf(
        "%s\n",
        bench::Row(
            {row.operation,
             pair(row.raw.zk_requests_per_op, row.library.zk_requests_per_op,
                  2),
             pair(row.raw.zk_writes_per_op, row.library.zk_writes_per_op, 2),
             pair(row.raw.zk_cpu_us_per_op, row.library.zk_cpu_us_per_op, 1),
             pair(row.raw.client_cpu_us_per_op,
                  row.library.client_cpu_us_per_op, 2),
             pair(row.raw.client_system_share, row.library.client_system_share,
                  2),
             pair(row.raw.context_switches_per_op,
                  row.library.context_switches_per_op, 2)})
            .c_str());
  }
  for (const Row& row : rows) {
    if (row.library.failed > 0 || row.raw.failed > 0) {
      std::printf("\nFailed operations in '%s': raw %llu, library %llu.\n",
                  row.operation.c_str(),
                  static_cast<unsigned long long>(row.raw.failed),
                  static_cast<unsigned long long>(row.library.failed));
    }
  }
  if (!plot_data.empty()) {
    std::ofstream out(plot_data);
    out << "# key raw_ops lib_ops raw_p50_us lib_p50_us raw_p99_us "
           "lib_p99_us\n";
    for (const Row& row : rows) {
      if (!row.has_raw) continue;
      out << row.key << " " << row.raw.ops_per_s << " " << row.library.ops_per_s
          << " " << row.raw.p50_us << " " << row.library.p50_us << " "
          << row.raw.p99_us << " " << row.library.p99_us << "\n";
    }
  }
}

bool Wanted(const std::string& only, const std::string& name) {
  if (only.empty()) return true;
  std::stringstream list(only);
  std::string item;
  while (std::getline(list, item, ',')) {
    if (item == name) return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  bench::Flags flags(argc, argv);
  const std::string connect = flags.String("zk", "");
  if (connect.empty()) {
    std::fprintf(stderr, "usage: %s --zk=CONNECT [--flag=value...]\n", argv[0]);
    return 2;
  }
  const std::string only = flags.String("only", "");
  const std::string side = flags.String("side", "both");
  const bool library_only = side == "library";
  const bool raw_only = side == "raw";
  bench::MetricsFile metrics(flags.String("metrics", ""));
  const bench::ZkServers servers(connect, flags.String("zk_pids", ""));

  Bench b;
  b.window = static_cast<int>(flags.Int("window", 64));
  b.sessions = static_cast<int>(flags.Int("sessions", 2000));
  if (b.sessions < b.window) b.sessions = b.window;
  b.run_options.window = b.window;
  b.run_options.duration =
      std::chrono::milliseconds(flags.Int("seconds", 2) * 1000);
  b.run_options.max_ops = static_cast<uint64_t>(flags.Int("max_ops", 0));
  const int rounds = std::max(1, static_cast<int>(flags.Int("rounds", 1)));
  b.run_options.servers = &servers;

  sk::SessionManagerOptions options;
  options.connect_string = connect;
  // A root of this run's own: a manager reads every session it finds
  // under its root once to schedule its expiry, and sessions a previous
  // run left behind would have it do that during the measured runs.
  options.root = std::string(kLibraryRoot) + "-" + std::to_string(getpid());
  options.touch_fraction = 1.0;  // Reads measure reads, not touches.
  options.default_max_idle = std::chrono::hours(1);
  // Room for the servers' pauses (garbage collection) on a loaded machine.
  options.zk_session_timeout = std::chrono::seconds(30);
  auto manager = sk::SessionManager::Open(options);
  if (!manager.ok()) {
    std::fprintf(stderr, "%s\n", manager.status().ToString().c_str());
    return 1;
  }
  b.manager = manager->get();
  // Both sides talk to the same server: a write through a follower costs
  // a forward to the leader, so a raw handle on the leader and a library
  // on a follower (or the other way round) would compare the servers, not
  // the clients.
  const std::string server = b.manager->stats().connection.server;
  if (server.empty()) {
    std::fprintf(stderr, "the library is not connected\n");
    return 1;
  }
  std::fprintf(stderr, "both sides connected to %s\n", server.c_str());
  b.zh = bench::OpenRawHandle(server);
  if (b.zh == nullptr) {
    std::fprintf(stderr, "raw handle: cannot connect to %s\n", connect.c_str());
    return 1;
  }
  // The raw znodes hold exactly the bytes of a library session.
  sk::CreateRequest probe;
  probe.attributes = bench::OneKibAttributes();
  auto sample = b.manager->Create(probe);
  if (!sample.ok()) return 1;
  b.payload = bench::ReadZnode(
      b.zh,
      sk::SessionManagerTestPeer::store(*b.manager).SessionPath(sample->id));
  if (b.payload.empty()) return 1;
  for (int i = 0; i < kRawBuckets; ++i) {
    char bucket[32];
    std::snprintf(bucket, sizeof(bucket), "%s/b%03d", kRawRoot, i);
    if (!bench::EnsurePath(b.zh, bucket)) return 1;
  }
  metrics.Put("lvr.payload_bytes", static_cast<double>(b.payload.size()));
  metrics.Put("lvr.window", b.window);

  // The servers' JIT and caches warm up before anything is measured.
  const auto warmup =
      std::chrono::milliseconds(flags.Int("warmup_seconds", 1) * 1000);
  if (warmup.count() > 0) {
    WindowedRun::Options warm = b.run_options;
    warm.duration = warmup;
    warm.servers = nullptr;
    warm.max_ops = 0;
    (void)LibraryCreate(b, warm);
    if (!library_only) {
      (void)RawCreate(b, warm);
      if (!b.paths.empty() && !b.ids.empty()) {
        const int sessions = b.sessions;
        b.sessions = static_cast<int>(std::min(b.paths.size(), b.ids.size()));
        (void)RawGet(b);
        (void)RawSet(b);
        b.sessions = sessions;
      }
    }
  }

  std::vector<Row> rows;
  const auto add = [&](std::string key, std::string operation,
                       std::string raw_call, std::string library_call,
                       const std::function<RunResult()>& raw,
                       const std::function<RunResult()>& library) {
    Row row{std::move(key),          std::move(operation),
            std::move(raw_call),     {},
            std::move(library_call), {},
            side == "both"};
    // Lets background work of the previous run (the expiry scheduler
    // reading new sessions, watch re-arms) finish before the next starts,
    // so that no run pays for the one before.
    const auto settle = [&servers] {
      (void)bench::WaitUntilQuiet(servers, 20, std::chrono::seconds(30));
    };
    if (row.has_raw) {
      // Rounds of raw, library, library, raw: the shorter and more
      // interleaved the runs, the better a drift in the machine's load
      // cancels out of the ratio.
      std::vector<RunResult> raw_runs;
      std::vector<RunResult> library_runs;
      for (int round = 0; round < rounds; ++round) {
        settle();
        raw_runs.push_back(raw());
        settle();
        library_runs.push_back(library());
        library_runs.push_back(library());
        settle();
        raw_runs.push_back(raw());
      }
      row.raw = bench::Mean(raw_runs);
      row.library = bench::Mean(library_runs);
    } else {
      // Under callgrind, the profile holds exactly the measured run.
      std::this_thread::sleep_for(std::chrono::seconds(1));
      SK_PROFILE_ZERO();
      row.library = raw_only ? raw() : library();
      SK_PROFILE_DUMP(row.key.c_str());
    }
    std::fprintf(stderr, "%s: raw %.0f ops/s, library %.0f ops/s\n",
                 row.operation.c_str(), row.raw.ops_per_s,
                 row.library.ops_per_s);
    rows.push_back(std::move(row));
  };

  // Creates come first: they make the sessions and znodes the rest use.
  if (Wanted(only, "create")) {
    add(
        "create", "create", "`zoo_acreate`", "`CreateAsync`",
        [&] { return RawCreate(b, b.run_options); },
        [&] { return LibraryCreate(b, b.run_options); });
  }
  // Top up (unmeasured) so that both sides have `sessions` to work on.
  {
    WindowedRun::Options fill = b.run_options;
    fill.duration = std::chrono::minutes(5);
    fill.servers = nullptr;
    if (b.ids.size() < static_cast<size_t>(b.sessions)) {
      fill.max_ops = static_cast<uint64_t>(b.sessions) - b.ids.size();
      (void)LibraryCreate(b, fill);
    }
    if (!library_only && b.paths.size() < static_cast<size_t>(b.sessions)) {
      fill.max_ops = static_cast<uint64_t>(b.sessions) - b.paths.size();
      (void)RawCreate(b, fill);
    }
  }
  if (b.ids.size() < static_cast<size_t>(b.sessions) ||
      (!library_only && b.paths.size() < static_cast<size_t>(b.sessions))) {
    std::fprintf(stderr, "could not create %d sessions\n", b.sessions);
    return 1;
  }
  if (!WarmCache(b)) {
    std::fprintf(stderr, "warming the cache failed\n");
    return 1;
  }
  // The expiry scheduler reads each new session once: not measured.
  (void)bench::WaitUntilQuiet(servers);

  if (Wanted(only, "cached")) {
    const auto duration = b.run_options.duration;
    const std::vector<std::string> ids(b.ids.begin(),
                                       b.ids.begin() + b.sessions);
    add(
        "cached", "cached get", "`zoo_aget`", "`GetShared`, 1 thread",
        [&] { return RawGet(b); },
        [&] {
          return bench::RunCachedLoop(*b.manager, ids, duration, 1,
                                      bench::CachedRead::kShared, &servers);
        });
    // Same baseline, other ways to read the cache.
    const RunResult raw = rows.back().raw;
    Row two{"cached2",
            "cached get",
            "(as above)",
            raw,
            "`GetShared`, 2 threads",
            bench::RunCachedLoop(*b.manager, ids, duration, 2,
                                 bench::CachedRead::kShared, &servers),
            side == "both"};
    rows.push_back(two);
    Row copy{"cachedcopy",
             "cached get",
             "(as above)",
             raw,
             "`Get` (a copy), 1 thread",
             bench::RunCachedLoop(*b.manager, ids, duration, 1,
                                  bench::CachedRead::kCopy, &servers),
             side == "both"};
    rows.push_back(copy);
  }
  if (Wanted(only, "sequential")) {
    add(
        "sequential", "sequential get", "`zoo_aget`", "`GetAsync(kSequential)`",
        [&] { return RawGet(b); },
        [&] { return LibraryGet(b, sk::ReadConsistency::kSequential); });
  }
  if (Wanted(only, "linearizable")) {
    add(
        "linearizable", "linearizable get", "`zoo_amulti`(check) + `zoo_aget`",
        "`GetAsync(kLinearizable)`", [&] { return RawLinearizableGet(b); },
        [&] { return LibraryGet(b, sk::ReadConsistency::kLinearizable); });
  }
  if (Wanted(only, "mutate")) {
    add(
        "mutate", "mutate (write-through)", "`zoo_aset`", "`MutateAsync`",
        [&] { return RawSet(b); }, [&] { return LibraryMutate(b); });
    if (side == "both") {
      // What the library does on the wire, by hand: a fairer mirror.
      Row rmw{"rmw",
              "mutate (write-through)",
              "`zoo_aget` + `zoo_aset`(version)",
              bench::Mean({RawReadModifyWrite(b), RawReadModifyWrite(b)}),
              "(as above)",
              rows.back().library,
              true};
      rows.push_back(rmw);
    }
  }
  if (Wanted(only, "touch")) {
    add(
        "touch", "touch", "`zoo_aset`", "`TouchAsync`",
        [&] { return RawSet(b); }, [&] { return LibraryTouch(b); });
  }

  std::printf(
      "Window %d in flight, %d sessions; each row is the mean of %d runs "
      "of %.0f s per side, in %d round(s) of ABBA order; a session's znode "
      "holds %zu bytes (10 attributes, %zu bytes of names and values).\n\n",
      b.window, b.sessions, 2 * rounds,
      std::chrono::duration<double>(b.run_options.duration).count(), rounds,
      b.payload.size(), bench::OneKibPayloadBytes());
  Report(rows, metrics, flags.String("plot_data", ""));
  zookeeper_close(b.zh);
  return 0;
}
