// One-shot watches of zk::Client against a real ZooKeeper server.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "support/zk_client.h"
#include "support/zk_server.h"
#include "zk/client.h"

namespace sessionkeeper::zk {
namespace {

using ::sessionkeeper::testing::OpenConnectedClient;
using ::sessionkeeper::testing::PollUntil;
using ::sessionkeeper::testing::UniqueTestPath;
using std::chrono::milliseconds;

// Collects watch events thread-safely.
class EventLog {
 public:
  WatchCallback Recorder() {
    return [this](const WatchEvent& e) {
      std::lock_guard<std::mutex> lock(mu_);
      events_.push_back(e);
    };
  }
  std::vector<WatchEvent> events() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  size_t size() const { return events().size(); }

 private:
  mutable std::mutex mu_;
  std::vector<WatchEvent> events_;
};

// A WatchSink that records its events.
class SinkLog : public WatchSink {
 public:
  void OnWatchEvent(const WatchEvent& event) override {
    log_.Recorder()(event);
  }
  std::vector<WatchEvent> events() const { return log_.events(); }
  size_t size() const { return log_.size(); }

 private:
  EventLog log_;
};

class WatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = OpenConnectedClient();
    writer_ = OpenConnectedClient();
    ASSERT_NE(client_, nullptr);
    ASSERT_NE(writer_, nullptr);
    root_ = UniqueTestPath("watch");
    ASSERT_TRUE(client_->CreateSync(root_, "").ok());
  }

  // Every callback queued before now has run (events are delivered in
  // order with completions, so a completed round trip flushes them).
  void Flush() { ASSERT_TRUE(client_->SyncSync(root_).ok()); }

  std::string Path(const std::string& name) const { return root_ + "/" + name; }

  // GetAndWatch, waited for.
  Status GetAndWatch(const std::string& path, WatchSink* sink) {
    std::promise<Status> read;
    client_->GetAndWatch(path, sink, [&](Result<NodeData> r) {
      read.set_value(r.ok() ? Status::Ok() : r.status());
    });
    return read.get_future().get();
  }

  // RemoveDataWatches, waited for.
  Status RemoveDataWatches(const std::string& path) {
    std::promise<Status> removed;
    client_->RemoveDataWatches(path, [&](Status s) { removed.set_value(s); });
    return removed.get_future().get();
  }

  // The paths under root_ the server holds a watch on for client_.
  std::vector<std::string> ServerWatches() {
    Result<std::vector<std::string>> paths =
        ::sessionkeeper::testing::WatchedPathsOfSession(
            client_->current_server(), client_->session_id());
    EXPECT_TRUE(paths.ok()) << paths.status();
    std::vector<std::string> ours;
    if (paths.ok()) {
      for (const std::string& path : *paths) {
        if (path.rfind(root_ + "/", 0) == 0) ours.push_back(path);
      }
    }
    std::sort(ours.begin(), ours.end());  // The server's order is a hash's.
    return ours;
  }

  std::unique_ptr<Client> client_;
  std::unique_ptr<Client> writer_;
  std::string root_;
};

TEST_F(WatchTest, DataWatchFiresOnceOnChange) {
  ASSERT_TRUE(client_->CreateSync(Path("a"), "0").ok());
  EventLog log;
  ASSERT_TRUE(client_->GetSync(Path("a"), log.Recorder()).ok());
  ASSERT_TRUE(writer_->SetSync(Path("a"), "1", kAnyVersion).ok());
  ASSERT_TRUE(PollUntil([&] { return log.size() == 1; }, milliseconds(10000)));
  EXPECT_EQ(log.events()[0].type, WatchEventType::kDataChanged);
  EXPECT_EQ(log.events()[0].path, Path("a"));
  EXPECT_EQ(log.events()[0].generation, client_->generation());
  // One-shot: a second change without re-arming fires nothing.
  ASSERT_TRUE(writer_->SetSync(Path("a"), "2", kAnyVersion).ok());
  Flush();
  EXPECT_EQ(log.size(), 1u);
}

TEST_F(WatchTest, DataWatchFiresOnDelete) {
  ASSERT_TRUE(client_->CreateSync(Path("a"), "0").ok());
  EventLog log;
  ASSERT_TRUE(client_->GetSync(Path("a"), log.Recorder()).ok());
  ASSERT_TRUE(writer_->DeleteSync(Path("a"), kAnyVersion).ok());
  ASSERT_TRUE(PollUntil([&] { return log.size() == 1; }, milliseconds(10000)));
  EXPECT_EQ(log.events()[0].type, WatchEventType::kDeleted);
}

TEST_F(WatchTest, ExistsWatchOnAMissingNodeFiresOnCreate) {
  EventLog log;
  Result<std::optional<Stat>> missing =
      client_->ExistsSync(Path("later"), log.Recorder());
  ASSERT_TRUE(missing.ok());
  ASSERT_FALSE(missing->has_value());
  ASSERT_TRUE(writer_->CreateSync(Path("later"), "").ok());
  ASSERT_TRUE(PollUntil([&] { return log.size() == 1; }, milliseconds(10000)));
  EXPECT_EQ(log.events()[0].type, WatchEventType::kCreated);
}

TEST_F(WatchTest, ChildWatchFiresWhenAChildIsAdded) {
  EventLog log;
  ASSERT_TRUE(client_->GetChildrenSync(root_, log.Recorder()).ok());
  ASSERT_TRUE(writer_->CreateSync(Path("kid"), "").ok());
  ASSERT_TRUE(PollUntil([&] { return log.size() == 1; }, milliseconds(10000)));
  EXPECT_EQ(log.events()[0].type, WatchEventType::kChildrenChanged);
  EXPECT_EQ(log.events()[0].path, root_);
}

TEST_F(WatchTest, AFailedGetArmsNoWatch) {
  EventLog log;
  EXPECT_TRUE(
      client_->GetSync(Path("none"), log.Recorder()).status().IsNotFound());
  ASSERT_TRUE(writer_->CreateSync(Path("none"), "").ok());
  ASSERT_TRUE(writer_->SetSync(Path("none"), "x", kAnyVersion).ok());
  Flush();
  EXPECT_EQ(log.size(), 0u);
}

TEST_F(WatchTest, EveryWatcherOfAPathFiresOnce) {
  ASSERT_TRUE(client_->CreateSync(Path("a"), "0").ok());
  EventLog first;
  EventLog second;
  ASSERT_TRUE(client_->GetSync(Path("a"), first.Recorder()).ok());
  ASSERT_TRUE(client_->ExistsSync(Path("a"), second.Recorder()).ok());
  ASSERT_TRUE(writer_->SetSync(Path("a"), "1", kAnyVersion).ok());
  ASSERT_TRUE(PollUntil([&] { return first.size() == 1 && second.size() == 1; },
                        milliseconds(10000)));
  Flush();
  EXPECT_EQ(first.size(), 1u);
  EXPECT_EQ(second.size(), 1u);
}

TEST_F(WatchTest, ClosingTheClientReportsOutstandingWatchesAsSessionLost) {
  ASSERT_TRUE(client_->CreateSync(Path("a"), "0").ok());
  EventLog log;
  ASSERT_TRUE(client_->GetSync(Path("a"), log.Recorder()).ok());
  client_.reset();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log.events()[0].type, WatchEventType::kSessionLost);
}

TEST_F(WatchTest, RemovedWatchesReportRemovedAndNeverFire) {
  ASSERT_TRUE(client_->CreateSync(Path("a"), "0").ok());
  EventLog log;
  ASSERT_TRUE(client_->GetSync(Path("a"), log.Recorder()).ok());
  ASSERT_TRUE(RemoveDataWatches(Path("a")).ok());
  ASSERT_TRUE(PollUntil([&] { return log.size() == 1; }, milliseconds(10000)));
  EXPECT_EQ(log.events()[0].type, WatchEventType::kRemoved);
  EXPECT_TRUE(ServerWatches().empty());
  ASSERT_TRUE(writer_->SetSync(Path("a"), "1", kAnyVersion).ok());
  Flush();
  EXPECT_EQ(log.size(), 1u);
}

// Sink watches: the C client's registration only, one per path however
// often it is armed, events with the path.
TEST_F(WatchTest, SinkWatchesFireOncePerPathWithThePath) {
  ASSERT_TRUE(client_->CreateSync(Path("a"), "0").ok());
  ASSERT_TRUE(client_->CreateSync(Path("b"), "0").ok());
  SinkLog sink;
  ASSERT_TRUE(GetAndWatch(Path("a"), &sink).ok());
  ASSERT_TRUE(GetAndWatch(Path("a"), &sink).ok());  // Armed already.
  ASSERT_TRUE(GetAndWatch(Path("b"), &sink).ok());
  EXPECT_TRUE(GetAndWatch(Path("missing"), &sink).IsNotFound());
  EXPECT_EQ(ServerWatches(), (std::vector<std::string>{Path("a"), Path("b")}));
  EXPECT_EQ(client_->armed_data_watch_count(), 0u);  // Nothing of ours.

  ASSERT_TRUE(writer_->SetSync(Path("a"), "1", kAnyVersion).ok());
  ASSERT_TRUE(writer_->DeleteSync(Path("b"), kAnyVersion).ok());
  ASSERT_TRUE(PollUntil([&] { return sink.size() == 2; }, milliseconds(10000)));
  std::vector<WatchEvent> events = sink.events();
  EXPECT_EQ(events[0].type, WatchEventType::kDataChanged);
  EXPECT_EQ(events[0].path, Path("a"));
  EXPECT_EQ(events[0].generation, client_->generation());
  EXPECT_EQ(events[1].type, WatchEventType::kDeleted);
  EXPECT_EQ(events[1].path, Path("b"));
  // One-shot, and never armed for the missing node.
  ASSERT_TRUE(writer_->SetSync(Path("a"), "2", kAnyVersion).ok());
  ASSERT_TRUE(writer_->CreateSync(Path("missing"), "").ok());
  Flush();
  EXPECT_EQ(sink.size(), 2u);
  EXPECT_TRUE(ServerWatches().empty());
}

TEST_F(WatchTest, RemovedSinkWatchesReportRemovedAndLeaveTheServer) {
  ASSERT_TRUE(client_->CreateSync(Path("a"), "0").ok());
  SinkLog sink;
  ASSERT_TRUE(GetAndWatch(Path("a"), &sink).ok());
  EXPECT_EQ(ServerWatches(), std::vector<std::string>{Path("a")});
  ASSERT_TRUE(RemoveDataWatches(Path("a")).ok());
  ASSERT_TRUE(PollUntil([&] { return sink.size() == 1; }, milliseconds(10000)));
  EXPECT_EQ(sink.events()[0].type, WatchEventType::kRemoved);
  EXPECT_EQ(sink.events()[0].path, Path("a"));
  EXPECT_TRUE(ServerWatches().empty());
  ASSERT_TRUE(writer_->SetSync(Path("a"), "1", kAnyVersion).ok());
  Flush();
  EXPECT_EQ(sink.size(), 1u);
  // Nothing left to remove.
  EXPECT_TRUE(RemoveDataWatches(Path("a")).IsNotFound());
}

}  // namespace
}  // namespace sessionkeeper::zk
