// skctl: the session store from a shell, against ZooKeeper directly (no
// daemon needed). Prints the same JSON documents as sessionkeeperd, plus
// the cluster's members, a manager's statistics, and a session's changes
// as they happen.
//
// Exit codes: 0 success, 1 the operation failed (the error is printed as
// JSON on stderr), 2 bad usage or flags; `watch` ended by SIGINT/SIGTERM:
// 128 + the signal.
#include <gflags/gflags.h>
#include <glog/logging.h>
#include <pthread.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "server/json_codec.h"
#include "server/status_mapping.h"
#include "session/session_id.h"
#include "sessionkeeper/session_manager.h"

DEFINE_string(zk, "", "ZooKeeper connect string (required).");
DEFINE_string(root, "/sessionkeeper", "Root znode of the store.");
DEFINE_string(zk_credentials_file, "",
              "File with one line user:password for ZooKeeper digest auth.");
DEFINE_string(consistency, "linearizable",
              "Reads: cached, sequential or linearizable.");
DEFINE_string(principal, "", "create: the session's principal.");
DEFINE_int64(max_idle_s, 0, "create: max idle seconds (0: the default).");
DEFINE_int64(max_lifetime_s, 0, "create: max lifetime seconds (0: none).");
DEFINE_int32(if_match, -1, "set/remove: write only at this version.");

// gflags ends the process through this hook (exported by libgflags 2.2):
// a bad flag is a usage error, exit 2, as in sessionkeeperd.
namespace google {
extern void (*gflags_exitfunc)(int);
}  // namespace google

namespace {

using sessionkeeper::CreateRequest;
using sessionkeeper::Member;
using sessionkeeper::Mutation;
using sessionkeeper::ReadConsistency;
using sessionkeeper::Result;
using sessionkeeper::Session;
using sessionkeeper::SessionManager;
using sessionkeeper::SessionManagerOptions;
using sessionkeeper::Status;

constexpr char kUsage[] =
    "skctl --zk=HOST:PORT[/chroot] [--root=/sessionkeeper] COMMAND ARGS\n"
    "  create [NAME=VALUE...]   [--principal=P --max_idle_s=N "
    "--max_lifetime_s=N]\n"
    "  get ID                   [--consistency=cached|sequential|"
    "linearizable]\n"
    "  set ID NAME=VALUE...     [--if_match=VERSION]\n"
    "  remove ID NAME...        [--if_match=VERSION]\n"
    "  touch ID | delete ID | rotate ID\n"
    "  list PRINCIPAL | invalidate PRINCIPAL\n"
    "  members                  the live managers (daemons) on the root\n"
    "  stats                    this command's own manager's statistics and "
    "the members\n"
    "  watch ID                 one JSON line per change of the session, "
    "until it is gone\n"
    "Prints JSON (the documents of docs/http.md). Reads never refresh a "
    "session's last access. Exit: 0 ok (watch: the session is gone), 1 "
    "failed, 2 usage.";

// How often `watch` looks at its cached copy. A look is a memory read while
// the copy's ZooKeeper watch is armed; a change fires the watch, drops the
// copy, and the next look reloads it.
constexpr std::chrono::milliseconds kWatchPollInterval{20};
// How long `stats` waits for its manager to see itself among the members.
constexpr std::chrono::seconds kStatsSettleTimeout{2};

[[noreturn]] void ExitBadFlags(int code) {
  const int status = code == 0 ? 0 : 2;
  std::exit(status);  // NOLINT(concurrency-mt-unsafe): before any thread.
}

// The commands and how many arguments each takes (after the command).
struct Arity {
  size_t min;
  size_t max;
};
const std::map<std::string, Arity>& Commands() {
  static const auto* const kCommands = new std::map<std::string, Arity>{
      {"create", {0, SIZE_MAX}}, {"get", {1, 1}},   {"set", {2, SIZE_MAX}},
      {"remove", {2, SIZE_MAX}}, {"touch", {1, 1}}, {"delete", {1, 1}},
      {"rotate", {1, 1}},        {"list", {1, 1}},  {"invalidate", {1, 1}},
      {"members", {0, 0}},       {"stats", {0, 0}}, {"watch", {1, 1}},
  };
  return *kCommands;
}

// "skctl-<host>-<pid>": recognisable in member lists, unique per process.
std::string SkctlNodeId() {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') {
    return "skctl-" + std::to_string(::getpid());
  }
  return "skctl-" + std::string(host) + "-" + std::to_string(::getpid());
}

int Usage(const std::string& problem) {
  std::fprintf(stderr, "skctl: %s\n%s\n", problem.c_str(), kUsage);
  return 2;
}

int Fail(const Status& status) {
  const sessionkeeper::server::HttpStatus mapped =
      sessionkeeper::server::MapStatus(status, FLAGS_if_match >= 0);
  nlohmann::ordered_json error;
  error["error"] = std::string(mapped.error);
  error["message"] = status.message();
  std::fprintf(
      stderr, "%s\n",
      error.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
          .c_str());
  return 1;
}

int Print(const std::string& json) {
  std::printf("%s\n", json.c_str());
  return 0;
}

int PrintSession(const Result<Session>& r) {
  if (!r.ok()) return Fail(r.status());
  return Print(sessionkeeper::server::SessionToJson(*r));
}

// NAME=VALUE arguments; false if one has no '='.
bool ParseAssignments(const std::vector<std::string>& args, size_t from,
                      std::map<std::string, std::string>* out) {
  for (size_t i = from; i < args.size(); ++i) {
    const size_t eq = args[i].find('=');
    if (eq == std::string::npos || eq == 0) return false;
    (*out)[args[i].substr(0, eq)] = args[i].substr(eq + 1);
  }
  return true;
}

// The other live managers: skctl's own registration is not one of the
// services an operator asks about.
Result<std::vector<Member>> OtherMembers(SessionManager& manager) {
  Result<std::vector<Member>> members = manager.Members();
  if (!members.ok()) {
    return members.status();
  }
  std::erase_if(*members, [&](const Member& m) {
    return m.node_id == manager.node_id();
  });
  return members;
}

int Stats(SessionManager& manager) {
  // Membership registers asynchronously after Open: give it a moment so
  // that the lifecycle figures describe a member, not a newcomer.
  const auto deadline = std::chrono::steady_clock::now() + kStatsSettleTimeout;
  while (manager.stats().lifecycle.members == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Result<std::vector<Member>> members = manager.Members();
  if (!members.ok()) {
    return Fail(members.status());
  }
  return Print(sessionkeeper::server::ManagerStatsToJson(
      manager.node_id(), manager.stats(), *members));
}

// One line per event, flushed at once: `skctl watch ID | ...` reads them as
// they happen.
void PrintWatchEvent(std::string_view event, const Session& session) {
  std::printf("{\"event\":\"%.*s\",\"session\":%s}\n",
              static_cast<int>(event.size()), event.data(),
              sessionkeeper::server::SessionToJson(session).c_str());
  std::fflush(stdout);
}

// Prints the session, then each change of it, until it is deleted or
// expires (exit 0) or a signal in `stop` arrives (128 + the signal).
// Quick successive writes may be reported once, with the latest version:
// each report is the session as stored at that moment.
int Watch(SessionManager& manager, const std::string& id,
          const sigset_t& stop) {
  Result<Session> first = manager.Get(id, ReadConsistency::kLinearizable);
  if (!first.ok()) {
    return Fail(first.status());
  }
  PrintWatchEvent("current", *first);
  Session last = std::move(*first);
  bool unavailable = false;
  while (true) {
    const auto interval_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(kWatchPollInterval)
            .count();
    const timespec wait = {0, static_cast<long>(interval_ns)};
    const int signal_number = sigtimedwait(&stop, nullptr, &wait);
    if (signal_number > 0) {
      return 128 + signal_number;
    }

    Result<Session> now = manager.Get(id, ReadConsistency::kCached);
    if (!now.status().IsUnavailable()) {
      unavailable = false;
    }
    if (now.status().IsNotFound()) {
      // Confirm at the leader before declaring the session gone.
      now = manager.Get(id, ReadConsistency::kLinearizable);
    }
    if (now.ok()) {
      if (now->version != last.version ||
          now->created_at_ms != last.created_at_ms) {
        PrintWatchEvent("changed", *now);
        last = std::move(*now);
      }
      continue;
    }
    if (now.status().IsNotFound()) {
      const int64_t now_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count();
      nlohmann::ordered_json gone;
      gone["event"] = "gone";
      gone["id"] = id;
      // Deleted, rotated away or invalidated, unless its deadline passed.
      gone["reason"] = last.ExpiredAt(now_ms) ? "expired" : "deleted";
      std::printf("%s\n", gone.dump().c_str());
      std::fflush(stdout);
      return 0;
    }
    if (now.status().IsUnavailable()) {
      // Keep watching: the cache re-checks its copy after a reconnect. The
      // error is reported once per outage.
      if (!unavailable) {
        unavailable = true;
        Fail(now.status());
      }
      continue;
    }
    return Fail(now.status());
  }
}

int Run(SessionManager& manager, const std::vector<std::string>& args,
        const sigset_t& stop) {
  const std::string& command = args[0];
  if (command == "create") {
    CreateRequest request;
    request.principal = FLAGS_principal;
    if (FLAGS_max_idle_s > 0) {
      request.max_idle = std::chrono::seconds(FLAGS_max_idle_s);
    }
    if (FLAGS_max_lifetime_s > 0) {
      request.max_lifetime = std::chrono::seconds(FLAGS_max_lifetime_s);
    }
    if (!ParseAssignments(args, 1, &request.attributes)) {
      return Usage("create takes NAME=VALUE arguments");
    }
    return PrintSession(manager.Create(std::move(request)));
  }
  if (command == "get") {
    ReadConsistency consistency = ReadConsistency::kLinearizable;
    if (FLAGS_consistency == "cached") {
      consistency = ReadConsistency::kCached;
    } else if (FLAGS_consistency == "sequential") {
      consistency = ReadConsistency::kSequential;
    }
    return PrintSession(manager.Get(args[1], consistency));
  }
  if (command == "set" || command == "remove") {
    Mutation mutation;
    if (FLAGS_if_match >= 0) mutation.expected_version = FLAGS_if_match;
    if (command == "set") {
      if (!ParseAssignments(args, 2, &mutation.set)) {
        return Usage("set takes NAME=VALUE arguments");
      }
    } else {
      mutation.remove.assign(args.begin() + 2, args.end());
    }
    return PrintSession(manager.Mutate(args[1], std::move(mutation)));
  }
  if (command == "touch" || command == "delete") {
    const Status s = command == "touch" ? manager.Touch(args[1])
                                        : manager.Invalidate(args[1]);
    return s.ok() ? Print(R"({"ok":true})") : Fail(s);
  }
  if (command == "rotate") {
    return PrintSession(manager.RotateId(args[1]));
  }
  if (command == "list") {
    Result<std::vector<std::string>> ids = manager.FindByPrincipal(args[1]);
    if (!ids.ok()) return Fail(ids.status());
    return Print(sessionkeeper::server::SessionIdsToJson(*ids));
  }
  if (command == "invalidate") {
    Result<size_t> n = manager.InvalidateAllForPrincipal(args[1]);
    if (!n.ok()) return Fail(n.status());
    return Print(sessionkeeper::server::InvalidatedToJson(*n));
  }
  if (command == "members") {
    Result<std::vector<Member>> members = OtherMembers(manager);
    if (!members.ok()) {
      return Fail(members.status());
    }
    return Print(sessionkeeper::server::MembersToJson(*members));
  }
  if (command == "stats") {
    return Stats(manager);
  }
  if (command == "watch") {
    return Watch(manager, args[1], stop);
  }
  return Usage("unknown command " + command);
}

// Session ids are base64url and may start with '-' (one in 64) or "--":
// gflags would take such an id for a flag. So the flags (arguments starting
// with '-' that are not session ids, before any "--" of the caller's) go
// first, then "--", which ends flag parsing, then the positional arguments
// in their order.
std::vector<char*> FlagsFirst(int argc, char** argv) {
  std::vector<char*> flags = {argv[0]};
  std::vector<char*> positional;
  bool flags_ended = false;  // By the caller's own "--".
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--" && !flags_ended) {
      flags_ended = true;
      continue;
    }
    const bool flag = !flags_ended && arg.size() > 1 && arg[0] == '-' &&
                      !sessionkeeper::session::ValidateSessionId(arg).ok();
    (flag ? flags : positional).push_back(argv[i]);
  }
  static char end_of_flags[] = "--";
  flags.push_back(end_of_flags);
  flags.insert(flags.end(), positional.begin(), positional.end());
  flags.push_back(nullptr);
  return flags;
}

}  // namespace

int main(int argc, char** argv) {
  google::gflags_exitfunc = &ExitBadFlags;
  gflags::SetUsageMessage(kUsage);
  std::vector<char*> reordered = FlagsFirst(argc, argv);
  argc = static_cast<int>(reordered.size()) - 1;
  argv = reordered.data();
  gflags::ParseCommandLineFlags(&argc, &argv, /*remove_flags=*/true);
  FLAGS_logtostderr = true;
  FLAGS_minloglevel = 2;  // ERROR: the output is JSON, not log lines.
  google::InitGoogleLogging(argv[0]);
  if (FLAGS_zk.empty()) return Usage("--zk is required");
  if (argc < 2) return Usage("no command");
  const std::vector<std::string> args(argv + 1, argv + argc);
  // Usage errors are found before connecting to anything.
  const auto command = Commands().find(args[0]);
  if (command == Commands().end()) return Usage("unknown command " + args[0]);
  const size_t n = args.size() - 1;
  if (n < command->second.min || n > command->second.max) {
    return Usage("wrong number of arguments for " + args[0]);
  }
  if (FLAGS_consistency != "cached" && FLAGS_consistency != "sequential" &&
      FLAGS_consistency != "linearizable") {
    return Usage("--consistency must be cached, sequential or linearizable");
  }
  std::map<std::string, std::string> unused;
  if ((args[0] == "create" && !ParseAssignments(args, 1, &unused)) ||
      (args[0] == "set" && !ParseAssignments(args, 2, &unused))) {
    return Usage(args[0] + " takes NAME=VALUE arguments");
  }

  // `watch` ends on these: blocked before any thread exists, so that only
  // its sigtimedwait sees them and the manager is closed properly (its
  // member znode goes at once, not after the ZooKeeper session timeout).
  sigset_t stop;
  sigemptyset(&stop);
  if (args[0] == "watch") {
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  }

  SessionManagerOptions options;
  options.connect_string = FLAGS_zk;
  options.root = FLAGS_root;
  options.credentials_file = FLAGS_zk_credentials_file;
  options.node_id = SkctlNodeId();
  // An operator looking at a session must not keep it alive: a read writes
  // the access time back only once it is older than touch_fraction of max
  // idle, and at 1 that means never for a session that has not expired.
  options.touch_fraction = 1.0;
  Result<std::unique_ptr<SessionManager>> manager =
      SessionManager::Open(options);
  if (!manager.ok()) return Fail(manager.status());
  const int rc = Run(**manager, args, stop);
  manager->reset();  // Flushes and closes before the process exits.
  return rc;
}
