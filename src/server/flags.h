// Command-line flags of sessionkeeperd (gflags) and their validation into a
// ServerConfig. Bad flags end the process with exit code 2 and a message
// naming the flag; --help prints the daemon's flags and exits 0.
#ifndef SESSIONKEEPER_SERVER_FLAGS_H_
#define SESSIONKEEPER_SERVER_FLAGS_H_

#include "server/server_config.h"
#include "sessionkeeper/result.h"

namespace sessionkeeper::server {

// Exit code for unusable flags.
inline constexpr int kBadFlagsExitCode = 2;

// Parses and removes the flags from argv (glog's flags included). Exits 0
// after --help/--version and kBadFlagsExitCode on a flag gflags rejects
// (unknown name, value of the wrong type). Flag names may be spelled with
// '-' or '_' ("--max-body-bytes" and "--max_body_bytes" are the same).
void ParseCommandLine(int* argc, char*** argv);

// The validated configuration; InvalidArgument naming the flag otherwise.
Result<ServerConfig> ServerConfigFromFlags();

}  // namespace sessionkeeper::server

#endif  // SESSIONKEEPER_SERVER_FLAGS_H_
