// sessionkeeperd: the SessionKeeper HTTP/JSON service.
//
// Exit codes: 0 after a clean shutdown (SIGTERM/SIGINT), 1 when ZooKeeper or
// the listening socket cannot be set up, 2 for bad flags (including flag
// combinations the session store refuses when it opens).
#include <glog/logging.h>
#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "server/flags.h"
#include "server/http_server.h"
#include "sessionkeeper/session_manager.h"

namespace {

using sessionkeeper::Result;
using sessionkeeper::SessionManager;
using sessionkeeper::Status;
using sessionkeeper::server::HttpServer;
using sessionkeeper::server::ServerConfig;

// Written to a temporary name and renamed, so a reader never sees half.
Status WritePortFile(const std::string& path, const std::string& address) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << address << "\n";
    if (!out) return Status::Unavailable("cannot write " + temporary);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    return Status::Unavailable("cannot rename " + temporary + " to " + path);
  }
  return Status::Ok();
}

int Fail(const std::string& what, const Status& status) {
  LOG(ERROR) << what << ": " << status;
  std::fprintf(stderr, "sessionkeeperd: %s: %s\n", what.c_str(),
               status.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  sessionkeeper::server::ParseCommandLine(&argc, &argv);
  Result<ServerConfig> config = sessionkeeper::server::ServerConfigFromFlags();
  if (!config.ok()) {
    std::fprintf(stderr, "sessionkeeperd: %s\n",
                 config.status().message().c_str());
    return sessionkeeper::server::kBadFlagsExitCode;
  }
  google::InitGoogleLogging(argv[0]);

  // Block the shutdown signals before any thread exists, so every thread
  // inherits the mask and only sigwait below sees them. A peer that closed
  // its socket must not kill the process on write.
  sigset_t shutdown_signals;
  sigemptyset(&shutdown_signals);
  sigaddset(&shutdown_signals, SIGTERM);
  sigaddset(&shutdown_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &shutdown_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // Bound first, so that the member record says where this daemon serves.
  // Connections that arrive meanwhile wait in the backlog.
  Result<std::unique_ptr<HttpServer>> server = HttpServer::Bind(*config);
  if (!server.ok()) {
    return Fail("cannot start HTTP", server.status());
  }
  config->manager.member_address = (*server)->address();
  Result<std::unique_ptr<SessionManager>> manager =
      SessionManager::Open(config->manager);
  if (!manager.ok()) {
    if (manager.status().IsInvalidArgument()) {
      // The flags passed their own checks, so this is a combination the
      // store refuses (e.g. a cache whose watches could not be re-sent in
      // one ZooKeeper packet): a configuration error, not an outage.
      const std::string& why = manager.status().message();
      LOG(ERROR) << "the session store refuses this configuration: "
                 << manager.status();
      std::fprintf(stderr,
                   "sessionkeeperd: the session store refuses this "
                   "configuration: %s\n",
                   why.c_str());
      if (why.find("zk_max_packet_bytes") != std::string::npos) {
        std::fprintf(stderr,
                     "sessionkeeperd: --cache_entries sets cache_max_entries "
                     "and --zk_max_packet_bytes sets zk_max_packet_bytes\n");
      }
      return sessionkeeper::server::kBadFlagsExitCode;
    }
    return Fail(
        "cannot open the session store at " + config->manager.connect_string,
        manager.status());
  }
  Status serving = (*server)->Serve(manager->get());
  if (serving.ok() && !config->port_file.empty()) {
    serving = WritePortFile(config->port_file, (*server)->address());
  }
  if (!serving.ok()) {
    server->reset();  // Its loops use the manager: stop them first.
    return Fail("cannot start serving", serving);
  }
  LOG(INFO) << "sessionkeeperd serving http://" << (*server)->address()
            << " with " << config->threads << " threads, store "
            << config->manager.connect_string << config->manager.root;

  int signal_number = 0;
  sigwait(&shutdown_signals, &signal_number);
  LOG(INFO) << "received " << (signal_number == SIGTERM ? "SIGTERM" : "SIGINT")
            << "; draining";
  (*server)->Shutdown();
  server->reset();
  // Flushes write-behind changes and closes ZooKeeper, on this thread (not
  // the manager's callback thread, where closing would deadlock).
  manager->reset();
  LOG(INFO) << "sessionkeeperd stopped";
  return 0;
}
