// Reads ZooKeeper server counters for the benchmarks (see zk_servers.h).
#include "bench/zk_servers.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "zk/testing/four_letter_word.h"

namespace sessionkeeper::bench {

namespace {

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  std::string part;
  while (std::getline(stream, part, separator)) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

// Field 14 (utime) and 15 (stime) of /proc/PID/stat, after the command
// name in parentheses (which may itself hold spaces).
double ProcessCpuSecondsOf(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)),
                   std::istreambuf_iterator<char>());
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::stringstream rest(text.substr(close + 2));
  std::string field;
  uint64_t utime = 0;
  uint64_t stime = 0;
  // rest starts at field 3 (state).
  for (int index = 3; index <= 15 && rest >> field; ++index) {
    if (index == 14) utime = std::strtoull(field.c_str(), nullptr, 10);
    if (index == 15) stime = std::strtoull(field.c_str(), nullptr, 10);
  }
  return static_cast<double>(utime + stime) /
         static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace

ZkServers::ZkServers(const std::string& connect, const std::string& pids) {
  const std::string hosts = connect.substr(0, connect.find('/'));
  for (const std::string& server : Split(hosts, ',')) {
    const size_t colon = server.rfind(':');
    if (colon == std::string::npos) continue;
    std::string host = server.substr(0, colon);
    if (host == "localhost") host = "127.0.0.1";
    servers_.emplace_back(host, std::atoi(server.c_str() + colon + 1));
  }
  for (const std::string& pid : Split(pids, ',')) {
    pids_.push_back(static_cast<pid_t>(std::atoi(pid.c_str())));
  }
}

ZkSample ZkServers::Sample() const {
  ZkSample sample;
  sample.ok = !servers_.empty();
  for (const auto& [host, port] : servers_) {
    const std::string answer = zk::FourLetterWord(host, port, "srvr");
    const size_t received = answer.find("Received: ");
    const size_t zxid = answer.find("Zxid: 0x");
    if (received == std::string::npos || zxid == std::string::npos) {
      sample.ok = false;
      continue;
    }
    sample.received +=
        std::strtoull(answer.c_str() + received + 10, nullptr, 10);
    // The low 32 bits count transactions within the leader's epoch.
    const uint64_t value =
        std::strtoull(answer.c_str() + zxid + 8, nullptr, 16);
    sample.zxid = std::max<uint64_t>(sample.zxid, value & 0xffffffffULL);
  }
  for (const pid_t pid : pids_) sample.cpu_seconds += ProcessCpuSecondsOf(pid);
  return sample;
}

double WaitUntilQuiet(const ZkServers& servers, uint64_t per_second,
                      std::chrono::seconds limit) {
  const auto start = std::chrono::steady_clock::now();
  ZkSample last = servers.Sample();
  while (last.ok && std::chrono::steady_clock::now() - start < limit) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const ZkSample now = servers.Sample();
    const bool quiet = now.ok && now.received - last.received < per_second;
    last = now;
    if (quiet) break;
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

ZkDelta ZkServers::Delta(const ZkSample& before, const ZkSample& after) {
  ZkDelta delta;
  delta.ok = before.ok && after.ok;
  if (!delta.ok) return delta;
  delta.requests = after.received - before.received;
  delta.writes = after.zxid - before.zxid;
  delta.cpu_seconds = after.cpu_seconds - before.cpu_seconds;
  return delta;
}

}  // namespace sessionkeeper::bench
