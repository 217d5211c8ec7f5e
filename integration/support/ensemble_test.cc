// The scenario fixture: a private ensemble and a history per test.
#include "support/ensemble_test.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <thread>

#include "support/ensemble_servers.h"
#include "support/managers.h"

namespace sessionkeeper::integration {

namespace {

// On failure, at most this many lines of history go to the test output
// (the whole history goes to a file).
constexpr size_t kMaxPrintedOps = 400;

// zkctl (zk-config, not ours) checks that a server it just launched is
// alive through /proc/PID/cmdline, which names java only once the launch
// subshell has exec'd `setsid` and `setsid` has exec'd java. A check that
// falls in that window (more likely on a loaded machine) reports "exited
// while starting" and kills a healthy server. Until zkctl is fixed, a start
// that failed is retried; each failure is noted in the history.
constexpr int kStartAttempts = 8;

std::string CurrentTestName() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(info->test_suite_name()) + "." + info->name();
  std::replace(name.begin(), name.end(), '/', '_');  // Parameterized names.
  return name;
}

}  // namespace

void EnsembleTest::SetUp() {
  auto started = testing::ZkServer::Start(testing::ZkServer::Mode::kEnsemble);
  ASSERT_TRUE(started.ok()) << started.status();
  ensemble_ = std::move(*started);
  root_ = testing::UniqueTestPath("integration");
  history_.Note("ensemble serving at " + connect_string());
}

void EnsembleTest::TearDown() {
  const bool keep = std::getenv("SK_KEEP_HISTORY") != nullptr;
  if (!HasFailure() && !keep) return;
  const std::vector<Operation> ops = history_.Snapshot();
  const std::string file = CurrentTestName() + ".history.txt";
  {
    std::ofstream out(file);
    for (const Operation& op : ops) out << history_.FormatOp(op) << '\n';
  }
  if (!HasFailure()) return;
  std::string shown;
  size_t lines = 0;
  const size_t first = flagged_.empty() && ops.size() > kMaxPrintedOps
                           ? ops.size() - kMaxPrintedOps
                           : 0;
  for (size_t i = 0; i < ops.size(); ++i) {
    const Operation& op = ops[i];
    const bool relevant =
        op.kind == OpKind::kFault ||
        (flagged_.empty() ? i >= first : flagged_.contains(op.session));
    if (!relevant || lines >= kMaxPrintedOps) continue;
    shown += history_.FormatOp(op) + '\n';
    ++lines;
  }
  std::cerr << "History (" << ops.size() << " operations; "
            << (flagged_.empty() ? "the latest"
                                 : "those of the flagged sessions")
            << " and every fault; all of it in " << file
            << "). Columns: #index invoked_ms completed_ms client kind "
               "session attribute=value -> outcome version @server\n"
            << shown;
}

SessionManagerOptions EnsembleTest::Options(int client) const {
  SessionManagerOptions options;
  options.connect_string = connect_string();
  options.root = root_;
  options.bucket_count = 16;
  options.node_id = "c" + std::to_string(client);
  // Attribute-per-write loads put hundreds of attributes in a session.
  options.max_attributes = 4096;
  return options;
}

std::unique_ptr<RecordedManager> EnsembleTest::OpenClient(
    int client, SessionManagerOptions options) {
  auto manager = testing::OpenManager(options);
  if (manager == nullptr) return nullptr;
  return std::make_unique<RecordedManager>(client, std::move(manager),
                                           &history_);
}

Result<HistoryClock::time_point> EnsembleTest::Fault(const std::string& what,
                                                     const Status& done) {
  if (!done.ok()) {
    history_.Note(what + " FAILED: " + done.ToString());
    return done;
  }
  return history_.Note(what);
}

Result<HistoryClock::time_point> EnsembleTest::KillServer(int server) {
  history_.Note("killing server " + std::to_string(server));
  return Fault("server " + std::to_string(server) + " killed (SIGKILL)",
               ensemble_->Kill(server));
}

Result<HistoryClock::time_point> EnsembleTest::PauseServer(int server) {
  return Fault("server " + std::to_string(server) + " paused (SIGSTOP)",
               ensemble_->Pause(server));
}

Result<HistoryClock::time_point> EnsembleTest::ResumeServer(int server) {
  return Fault("server " + std::to_string(server) + " resumed (SIGCONT)",
               ensemble_->Resume(server));
}

Result<HistoryClock::time_point> EnsembleTest::StartServer(int server) {
  const std::string name = "server " + std::to_string(server);
  Status started;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    history_.Note("starting " + name);
    started = ensemble_->StartServer(server);
    if (started.ok()) break;
    // zkctl killed what it launched; a fresh launch is a clean retry.
    history_.Note("zkctl failed to start " + name + ": " + started.ToString());
  }
  return Fault(name + " serving again", started);
}

Result<int> EnsembleTest::Leader() {
  Result<int> leader = ensemble_->Leader();
  history_.Note(leader.ok() ? "leader is server " + std::to_string(*leader)
                            : "no leader: " + leader.status().ToString());
  return leader;
}

Result<int> EnsembleTest::ServerOf(RecordedManager& client) {
  return ServerNumber(connect_string(), client.CurrentServer());
}

Result<StoredAttributes> EnsembleTest::ReadFinalState(
    RecordedManager& reader, const std::vector<std::string>& sessions,
    std::chrono::milliseconds timeout) {
  StoredAttributes stored;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (const std::string& id : sessions) {
    while (true) {
      Result<Session> s = reader.Read(id, "", ReadConsistency::kLinearizable);
      if (s.ok()) {
        stored[id] = s->attributes;
        break;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        return s.status().WithContext("final read of session " +
                                      id.substr(0, 6));
      }
      // Paced retries while ZooKeeper recovers (each is recorded).
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  return stored;
}

void EnsembleTest::ExpectEveryClientSees(
    const std::vector<RecordedManager*>& clients,
    const std::vector<std::string>& sessions) {
  for (RecordedManager* client : clients) {
    for (const std::string& id : sessions) {
      Result<Session> read =
          client->Read(id, "", ReadConsistency::kLinearizable);
      EXPECT_TRUE(read.ok())
          << "client " << client->client() << ": " << read.status();
    }
  }
}

void EnsembleTest::ExpectClean(const WriteAudit& audit) {
  for (const Operation& op : audit.violations) {
    FlagSession(op.session);
    const char* what = "write never completed: ";
    if (op.outcome == OpOutcome::kOk) {
      what = "acknowledged write is missing or changed: ";
    } else if (op.code != StatusCode::kUnavailable) {
      what = "write failed with a code other than Unavailable: ";
    } else if (op.outcome == OpOutcome::kFailed) {
      what = "write reported as failed (outcome known) was applied: ";
    }
    ADD_FAILURE() << what << history_.FormatOp(op);
  }
}

void EnsembleTest::ReportFigures(const std::string& scenario,
                                 const std::string& figures) {
  std::printf("[figures] %s %s\n", scenario.c_str(), figures.c_str());
  std::fflush(stdout);
  RecordProperty("figures", figures);
}

}  // namespace sessionkeeper::integration
