// skctl: the session store from a shell, against ZooKeeper directly (no
// daemon needed). Prints the same JSON documents as sessionkeeperd.
//
// Exit codes: 0 success, 1 the operation failed (the error is printed as
// JSON on stderr), 2 bad usage or flags.
#include <gflags/gflags.h>
#include <glog/logging.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "server/json_codec.h"
#include "server/status_mapping.h"
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
    "Prints JSON (the documents of docs/http.md). Exit: 0 ok, 1 failed, 2 "
    "usage.";

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
  };
  return *kCommands;
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

int Run(SessionManager& manager, const std::vector<std::string>& args) {
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
  return Usage("unknown command " + command);
}

}  // namespace

int main(int argc, char** argv) {
  google::gflags_exitfunc = &ExitBadFlags;
  gflags::SetUsageMessage(kUsage);
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

  SessionManagerOptions options;
  options.connect_string = FLAGS_zk;
  options.root = FLAGS_root;
  options.credentials_file = FLAGS_zk_credentials_file;
  Result<std::unique_ptr<SessionManager>> manager =
      SessionManager::Open(options);
  if (!manager.ok()) return Fail(manager.status());
  const int rc = Run(**manager, args);
  manager->reset();  // Flushes and closes before the process exits.
  return rc;
}
