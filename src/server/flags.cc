// sessionkeeperd's flags. Every limit and timeout has a flag with a sane
// default; ServerConfigFromFlags checks them all before anything starts.
#include "server/flags.h"

#include <gflags/gflags.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

DEFINE_string(zk, "",
              "ZooKeeper connect string, host:port[,host:port...][/chroot] "
              "(required).");
DEFINE_string(listen, "127.0.0.1:8080",
              "Address to serve HTTP on: IPv4:PORT or [IPv6]:PORT; port 0 "
              "picks a free one (see --port_file).");
DEFINE_string(root, "/sessionkeeper",
              "Root znode of the store (under the chroot, if any).");
DEFINE_string(zk_credentials_file, "",
              "File holding one line user:password for ZooKeeper digest auth "
              "(mode 600). Empty: no ZooKeeper auth.");
DEFINE_string(auth_token_file, "",
              "File holding the token clients must send as 'Authorization: "
              "Bearer <token>' on /v1 routes (at least 16 visible ASCII "
              "characters). Empty: no client auth.");
DEFINE_int32(threads, 0,
             "Event-loop threads serving HTTP; 0: one per CPU core (at most "
             "16).");
DEFINE_int64(cache_entries, 10000,
             "Most sessions kept in the watch-invalidated read cache; 0 "
             "disables it. Each holds a ZooKeeper watch, and the watches must "
             "fit in one packet of --zk_max_packet_bytes on reconnect: about "
             "(length of --root + 40) bytes each, within 3/4 of it. The "
             "daemon refuses to start otherwise.");
DEFINE_int64(cache_max_bytes, int64_t{64} * 1024 * 1024,
             "Most bytes of session data kept in the read cache.");
DEFINE_int64(zk_max_packet_bytes, int64_t{1024} * 1024,
             "The ZooKeeper servers' jute.maxbuffer (their default is 1 MiB). "
             "Raise it only together with the servers' setting.");
DEFINE_string(write_mode, "through",
              "through: a write returns once ZooKeeper acknowledged it. "
              "behind: writes are buffered and flushed every "
              "--write_behind_interval_ms (a crash loses at most that).");
DEFINE_int64(write_behind_interval_ms, 1000,
             "Write-behind flush interval, in milliseconds.");
DEFINE_int64(max_body_bytes, int64_t{1024} * 1024,
             "Largest request body; larger ones are answered 413.");
DEFINE_int64(max_header_bytes, int64_t{16} * 1024,
             "Largest request line plus headers; larger ones are answered "
             "413.");
DEFINE_int64(max_attributes, 1024, "Most attributes one session may hold.");
DEFINE_int64(max_session_bytes, int64_t{512} * 1024,
             "Largest encoded session (at most 1040384: ZooKeeper's "
             "jute.maxbuffer bounds one znode).");
DEFINE_int64(idle_timeout_s, 60,
             "Seconds without progress after which a connection is closed "
             "(idle keep-alive and slow clients alike).");
DEFINE_int64(request_read_timeout_s, 30,
             "Seconds within which a request must arrive completely (request "
             "line, headers and body) from its first byte; a client that "
             "sends it more slowly is disconnected without an answer.");
DEFINE_int64(request_timeout_s, 10,
             "Seconds a request may wait for ZooKeeper before it is answered "
             "503 with Retry-After.");
DEFINE_int64(default_max_idle_s, 1800,
             "Max idle time of sessions created without max_idle_s.");
DEFINE_int64(bucket_count, 256,
             "Session buckets; used only when the root is first "
             "initialised.");
DEFINE_string(port_file, "",
              "If set, write the bound HOST:PORT to this file once serving.");

DECLARE_bool(help);

// gflags ends the process through this hook (exported by libgflags 2.2 for
// its own tests). Replacing it is the only way to give a malformed flag the
// service's documented exit code instead of gflags' 1.
namespace google {
extern void (*gflags_exitfunc)(int);
}  // namespace google

namespace sessionkeeper::server {

namespace {

constexpr size_t kMaxSessionBytesLimit = 1024 * 1024 - 8 * 1024;
constexpr int kMaxThreads = 256;

// std::exit: flags are parsed before any thread exists.
[[noreturn]] void ExitBadFlags(int code) {
  const int status = code == 0 ? 0 : kBadFlagsExitCode;
  std::exit(status);  // NOLINT(concurrency-mt-unsafe)
}

// gflags exits 1 after --helpfull and friends; asking for help succeeded.
[[noreturn]] void ExitAfterHelp(int /*code*/) {
  std::exit(0);  // NOLINT(concurrency-mt-unsafe)
}

// gflags wants '_' in names; accept the '-' spelling too.
void NormaliseFlagNames(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    char* arg = argv[i];
    if (std::string_view(arg) == "--") break;  // End of flags.
    if (arg[0] != '-') continue;
    char* name = arg + (arg[1] == '-' ? 2 : 1);
    for (char* p = name; *p != '\0' && *p != '='; ++p) {
      if (*p == '-') *p = '_';
    }
  }
}

Status Bad(std::string_view flag, std::string_view why) {
  return Status::InvalidArgument("--" + std::string(flag) + ": " +
                                 std::string(why));
}

Status CheckRange(std::string_view flag, int64_t value, int64_t min,
                  int64_t max) {
  if (value < min || value > max) {
    return Bad(flag, "must be in [" + std::to_string(min) + ", " +
                         std::to_string(max) + "], got " +
                         std::to_string(value));
  }
  return Status::Ok();
}

Status CheckRoot(const std::string& root) {
  if (root.empty() || root.front() != '/') {
    return Bad("root", "must be an absolute znode path");
  }
  if (root.size() > 1 && root.back() == '/') {
    return Bad("root", "must not end with '/'");
  }
  std::string_view rest{root};
  rest.remove_prefix(1);
  while (!rest.empty()) {
    const size_t slash = rest.find('/');
    const std::string_view part = rest.substr(0, slash);
    if (part.empty() || part == "." || part == "..") {
      return Bad("root", "has an empty, '.' or '..' component");
    }
    for (const char c : part) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        return Bad("root", "contains a control character");
      }
    }
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return Status::Ok();
}

Result<std::string> ReadToken(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Bad("auth_token_file", "cannot read " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string token = buffer.str();
  if (!token.empty() && token.back() == '\n') token.pop_back();
  if (!token.empty() && token.back() == '\r') token.pop_back();
  if (token.size() < 16 || token.size() > 4096) {
    return Bad("auth_token_file",
               "the token must be 16 to 4096 characters on one line");
  }
  for (const char c : token) {
    if (c <= 0x20 || c >= 0x7f) {
      return Bad("auth_token_file",
                 "the token must be visible ASCII characters only");
    }
  }
  return token;
}

}  // namespace

void ParseCommandLine(int* argc, char*** argv) {
  google::gflags_exitfunc = &ExitBadFlags;
  gflags::SetUsageMessage(
      "sessionkeeperd --zk=HOST:PORT[,...][/chroot] [flags]\n"
      "The SessionKeeper HTTP/JSON service (API: docs/http.md).\n"
      "glog's flags (--logtostderr, --v, --log_dir, ...) apply too; "
      "--helpfull lists every flag.");
  gflags::SetVersionString("0.1.0");
  NormaliseFlagNames(*argc, *argv);
  gflags::ParseCommandLineNonHelpFlags(argc, argv, /*remove_flags=*/true);
  if (FLAGS_help) {
    // Only this daemon's flags; --helpfull has glog's and gflags' too.
    FLAGS_help = false;
    gflags::ShowUsageWithFlagsRestrict((*argv)[0], "server/flags.cc");
    std::exit(0);  // NOLINT(concurrency-mt-unsafe)
  }
  google::gflags_exitfunc = &ExitAfterHelp;
  gflags::HandleCommandLineHelpFlags();  // --helpfull, --version, ...
  google::gflags_exitfunc = &ExitBadFlags;
  if (*argc > 1) {
    std::fprintf(stderr, "sessionkeeperd: unexpected argument '%s'\n",
                 (*argv)[1]);
    std::exit(kBadFlagsExitCode);  // NOLINT(concurrency-mt-unsafe)
  }
}

Result<ServerConfig> ServerConfigFromFlags() {
  ServerConfig config;
  if (FLAGS_zk.empty()) return Bad("zk", "is required");
  config.manager.connect_string = FLAGS_zk;

  Result<ListenAddress> listen = ParseListenAddress(FLAGS_listen);
  if (!listen.ok()) return Bad("listen", listen.status().message());
  config.listen = *listen;

  SK_RETURN_IF_ERROR(CheckRoot(FLAGS_root));
  config.manager.root = FLAGS_root;

  if (!FLAGS_zk_credentials_file.empty()) {
    std::ifstream in(FLAGS_zk_credentials_file);
    if (!in) {
      return Bad("zk_credentials_file",
                 "cannot read " + FLAGS_zk_credentials_file);
    }
    config.manager.credentials_file = FLAGS_zk_credentials_file;
  }
  if (!FLAGS_auth_token_file.empty()) {
    Result<std::string> token = ReadToken(FLAGS_auth_token_file);
    if (!token.ok()) return token.status();
    config.auth_token = std::move(*token);
  }

  SK_RETURN_IF_ERROR(CheckRange("threads", FLAGS_threads, 0, kMaxThreads));
  config.threads = FLAGS_threads;
  if (config.threads == 0) {
    const unsigned cores = std::thread::hardware_concurrency();
    config.threads = static_cast<int>(cores == 0 ? 1 : std::min(cores, 16U));
  }
  SK_RETURN_IF_ERROR(
      CheckRange("cache_entries", FLAGS_cache_entries, 0, int64_t{1} << 30));
  config.manager.cache_max_entries = static_cast<size_t>(FLAGS_cache_entries);
  SK_RETURN_IF_ERROR(CheckRange("cache_max_bytes", FLAGS_cache_max_bytes, 1,
                                int64_t{1} << 40));
  config.manager.cache_max_bytes = static_cast<size_t>(FLAGS_cache_max_bytes);
  // ZooKeeper's own bounds for jute.maxbuffer are loose; a packet must at
  // least hold one session (see --max_session_bytes).
  SK_RETURN_IF_ERROR(CheckRange("zk_max_packet_bytes",
                                FLAGS_zk_max_packet_bytes, int64_t{64} * 1024,
                                int64_t{1} << 30));
  config.manager.zk_max_packet_bytes =
      static_cast<size_t>(FLAGS_zk_max_packet_bytes);

  if (FLAGS_write_mode == "through") {
    config.manager.write_mode = WriteMode::kWriteThrough;
  } else if (FLAGS_write_mode == "behind") {
    config.manager.write_mode = WriteMode::kWriteBehind;
  } else {
    return Bad("write_mode", "must be 'through' or 'behind'");
  }
  SK_RETURN_IF_ERROR(CheckRange("write_behind_interval_ms",
                                FLAGS_write_behind_interval_ms, 10, 3600000));
  config.manager.write_behind_interval =
      std::chrono::milliseconds(FLAGS_write_behind_interval_ms);

  SK_RETURN_IF_ERROR(
      CheckRange("max_body_bytes", FLAGS_max_body_bytes, 1024, 64 << 20));
  config.max_body_bytes = static_cast<size_t>(FLAGS_max_body_bytes);
  SK_RETURN_IF_ERROR(
      CheckRange("max_header_bytes", FLAGS_max_header_bytes, 1024, 1 << 20));
  config.max_header_bytes = static_cast<size_t>(FLAGS_max_header_bytes);
  SK_RETURN_IF_ERROR(
      CheckRange("max_attributes", FLAGS_max_attributes, 1, 1000000));
  config.manager.max_attributes = static_cast<size_t>(FLAGS_max_attributes);
  SK_RETURN_IF_ERROR(CheckRange("max_session_bytes", FLAGS_max_session_bytes, 1,
                                kMaxSessionBytesLimit));
  config.manager.max_session_bytes =
      static_cast<size_t>(FLAGS_max_session_bytes);

  SK_RETURN_IF_ERROR(
      CheckRange("idle_timeout_s", FLAGS_idle_timeout_s, 1, 86400));
  config.idle_timeout = std::chrono::seconds(FLAGS_idle_timeout_s);
  SK_RETURN_IF_ERROR(CheckRange("request_read_timeout_s",
                                FLAGS_request_read_timeout_s, 1, 86400));
  config.request_read_timeout =
      std::chrono::seconds(FLAGS_request_read_timeout_s);
  SK_RETURN_IF_ERROR(
      CheckRange("request_timeout_s", FLAGS_request_timeout_s, 1, 3600));
  config.request_timeout = std::chrono::seconds(FLAGS_request_timeout_s);
  // The manager gives up a little before the HTTP deadline, so that the
  // client normally gets the manager's own answer (which says whether a
  // write may have applied) rather than the server's generic 503.
  config.manager.operation_timeout = config.request_timeout * 4 / 5;

  SK_RETURN_IF_ERROR(CheckRange("default_max_idle_s", FLAGS_default_max_idle_s,
                                1, int64_t{100} * 365 * 86400));
  config.manager.default_max_idle =
      std::chrono::seconds(FLAGS_default_max_idle_s);
  SK_RETURN_IF_ERROR(CheckRange("bucket_count", FLAGS_bucket_count, 1, 4096));
  config.manager.bucket_count = static_cast<uint32_t>(FLAGS_bucket_count);

  config.port_file = FLAGS_port_file;
  return config;
}

}  // namespace sessionkeeper::server
