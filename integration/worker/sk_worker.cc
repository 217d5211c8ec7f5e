// sk_worker: one SessionManager in a process of its own, driven line by line
// through stdin/stdout by a multi-process scenario (see worker.h for the
// commands, protocol.h for the lines). Prints "ready node=<id>" once the
// manager is open (or one "err" line and exits 2), then one reply per
// command; exits when stdin closes or after "quit".
#include <glog/logging.h>

#include <iostream>
#include <string>

#include "worker/protocol.h"
#include "worker/worker.h"

int main(int argc, char** argv) {
  google::InitGoogleLogging(argv[0]);
  FLAGS_logtostderr = true;
  using sessionkeeper::worker::Line;
  sessionkeeper::worker::LineWriter out(/*fd=*/1);
  auto options = sessionkeeper::worker::ParseWorkerFlags(argc, argv);
  if (!options.ok()) {
    out.Write(Line::Error(options.status()));
    return 2;
  }
  auto worker = sessionkeeper::worker::Worker::Open(*options, &out);
  if (!worker.ok()) {
    out.Write(Line::Error(worker.status()));
    return 2;
  }
  out.Write(Line("ready").Add("node", (*worker)->node_id()));
  std::string text;
  while (!(*worker)->quit() && std::getline(std::cin, text)) {
    if (text.empty()) continue;
    out.Write((*worker)->Execute(Line::Parse(text)));
  }
  return 0;
}
