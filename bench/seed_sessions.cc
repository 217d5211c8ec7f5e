// Creates sessions of 1 KiB (10 attributes) for the HTTP benchmark and
// writes their ids, one per line, for the wrk scripts.
//
//   seed_sessions --zk=CONNECT --root=/bench-http --count=2000 --out=FILE
//       [--window=64] [--max_idle_days=30]
#include <cstdio>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "bench/windowed_run.h"
#include "sessionkeeper/session_manager.h"

namespace sk = sessionkeeper;
namespace bench = sessionkeeper::bench;

int main(int argc, char** argv) {
  bench::Flags flags(argc, argv);
  const std::string out_path = flags.String("out", "");
  if (!flags.Has("zk") || out_path.empty()) {
    std::fprintf(stderr,
                 "usage: %s --zk=CONNECT --root=ROOT --count=N --out=FILE\n",
                 argv[0]);
    return 2;
  }
  sk::SessionManagerOptions options;
  options.connect_string = flags.String("zk", "");
  options.root = flags.String("root", "/bench-http");
  // A long max idle: reads within the run never write the access time
  // back (touch coalescing is measured on its own), so that a cached GET
  // stays a pure cache hit however long after seeding it runs.
  options.default_max_idle =
      std::chrono::hours(24) * flags.Int("max_idle_days", 30);
  // Room for the servers' pauses (garbage collection) on a loaded machine.
  options.zk_session_timeout = std::chrono::seconds(30);
  auto manager = sk::SessionManager::Open(options);
  if (!manager.ok()) {
    std::fprintf(stderr, "%s\n", manager.status().ToString().c_str());
    return 1;
  }
  const uint64_t count = static_cast<uint64_t>(flags.Int("count", 2000));
  std::mutex mu;
  std::vector<std::string> ids;
  bench::WindowedRun::Options run;
  run.window = static_cast<int>(flags.Int("window", 64));
  run.duration = std::chrono::minutes(10);
  run.max_ops = count;
  const bench::RunResult created =
      bench::WindowedRun::Run(run, [&](bench::WindowedRun::Slot* slot) {
        sk::CreateRequest request;
        request.attributes = bench::OneKibAttributes();
        (*manager)->CreateAsync(
            std::move(request), [&, slot](sk::Result<sk::Session> session) {
              if (session.ok()) {
                std::lock_guard<std::mutex> lock(mu);
                ids.push_back(session->id);
              }
              bench::WindowedRun::Finish(slot, session.ok());
            });
      });
  std::ofstream out(out_path);
  for (const std::string& id : ids) out << id << "\n";
  std::fprintf(stderr, "seed_sessions: %zu sessions in %.1f s\n", ids.size(),
               created.seconds);
  return ids.size() == count && out ? 0 : 1;
}
