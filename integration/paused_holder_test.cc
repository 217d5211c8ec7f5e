// Issue 5 (leases) and issue 7, scenario 5: a service process paused
// (SIGSTOP) past its lease. Another process takes the lease over and
// writes; when the paused process resumes, its fenced write with the old
// token is rejected and the new holder's data is intact. Two cases: a pause
// shorter than the ZooKeeper session timeout (the session lives, nothing
// local tells the process its lease is gone: ZooKeeper's check in the
// write's multi refuses it), and a pause past the session timeout too (the
// session and its ephemeral lease node are gone).
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "support/worker_process.h"
#include "support/zk_server.h"

namespace sessionkeeper::integration {
namespace {

using ::sessionkeeper::testing::PollUntil;
using std::chrono::milliseconds;

constexpr auto kTtl = milliseconds(1000);
// Long enough that the paused process's ZooKeeper session (and so its lease
// node) outlives the pause: only the takeover ends its lease.
constexpr auto kZkSessionTimeout = milliseconds(20000);
// Short, for the pause that outlasts the session.
constexpr auto kShortSessionTimeout = milliseconds(4000);

class PausedHolderTest : public MultiProcessTest {
 protected:
  // A acquires and writes; A is paused; B takes over and writes; then
  // `while_paused` runs, A resumes and writes with its old token.
  void Run(std::chrono::milliseconds zk_session_timeout,
           const std::function<void(WorkerProcess* a, WorkerProcess* b)>&
               while_paused,
           bool a_keeps_its_session);
};

TEST_F(PausedHolderTest, AFencedWriteAfterAPausePastTheLeaseIsRejected) {
  Run(
      kZkSessionTimeout, [](WorkerProcess*, WorkerProcess*) {},
      /*a_keeps_its_session=*/true);
}

TEST_F(PausedHolderTest, AFencedWriteAfterAPausePastTheSessionIsRejected) {
  Run(
      kShortSessionTimeout,
      [](WorkerProcess* a, WorkerProcess* b) {
        // A's ZooKeeper session ends on the server: its member znode goes.
        EXPECT_TRUE(PollUntil(
            [&] {
              Result<Line> m = b->Call(Line("members"));
              return m.ok() && m->GetList("members") ==
                                   std::vector<std::string>{b->node_id()};
            },
            kShortSessionTimeout * 4))
            << "A's session did not expire while it was paused";
        (void)a;
      },
      /*a_keeps_its_session=*/false);
}

void PausedHolderTest::Run(
    std::chrono::milliseconds zk_session_timeout,
    const std::function<void(WorkerProcess* a, WorkerProcess* b)>& while_paused,
    bool a_keeps_its_session) {
  const std::vector<std::string> flags = {
      "--zk_session_timeout_ms=" + std::to_string(zk_session_timeout.count())};
  WorkerProcess* a = StartWorker(0, flags);
  ASSERT_NE(a, nullptr);
  WorkerProcess* b = StartWorker(1, flags);
  ASSERT_NE(b, nullptr);

  Result<Line> created = a->Call(Line("create").Add("n", 1));
  ASSERT_TRUE(created.ok()) << created.status();
  const std::string id = created->GetList("ids").at(0);
  FlagSession(id);

  Result<Line> a_lease = a->Call(Line("lease")
                                     .Add("id", id)
                                     .Add("holder", "a")
                                     .Add("ttl_ms", kTtl.count()));
  ASSERT_TRUE(a_lease.ok()) << a_lease.status();
  ASSERT_EQ(a_lease->GetIntOr("acquired", 0), 1);
  const int64_t a_token = a_lease->GetIntOr("token", 0);
  ASSERT_GT(a_token, 0);
  Result<Line> a_write = a->Call(
      Line("mutate").Add("id", id).Add("set.owner", "a").Add("token", a_token));
  ASSERT_TRUE(a_write.ok()) << a_write.status();

  // While A holds it, B is refused and told who holds it.
  Result<Line> refused = b->Call(Line("lease")
                                     .Add("id", id)
                                     .Add("holder", "b")
                                     .Add("ttl_ms", kTtl.count()));
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(refused->GetIntOr("acquired", 1), 0);
  EXPECT_EQ(refused->GetOr("holder", ""), "a");

  ASSERT_TRUE(a->Pause().ok());
  history().Note("A paused");
  // B takes the lease over once A's TTL has passed (A cannot renew).
  int64_t b_token = 0;
  ASSERT_TRUE(PollUntil(
      [&] {
        Result<Line> r = b->Call(Line("lease")
                                     .Add("id", id)
                                     .Add("holder", "b")
                                     .Add("ttl_ms", 60000));
        if (r.ok() && r->GetIntOr("acquired", 0) == 1) {
          b_token = r->GetIntOr("token", 0);
        }
        return b_token != 0;
      },
      milliseconds(10000)));
  EXPECT_GT(b_token, a_token);
  Result<Line> b_write = b->Call(
      Line("mutate").Add("id", id).Add("set.owner", "b").Add("token", b_token));
  ASSERT_TRUE(b_write.ok()) << b_write.status();
  const int64_t b_version = b_write->GetIntOr("version", -1);
  while_paused(a, b);

  ASSERT_TRUE(a->Resume().ok());
  history().Note("A resumed");
  Result<Line> stale = a->Call(Line("mutate")
                                   .Add("id", id)
                                   .Add("set.owner", "a2")
                                   .Add("token", a_token));
  EXPECT_TRUE(stale.status().IsFenced()) << stale.status();
  if (a_keeps_its_session) {
    // Not a local refusal: A's ZooKeeper session lived through the pause.
    Result<Line> server = a->Call(Line("server"));
    ASSERT_TRUE(server.ok()) << server.status();
    EXPECT_EQ(server->GetIntOr("generation", 0), 1);
  }

  for (WorkerProcess* reader : {a, b}) {
    Result<Line> read =
        reader->Call(Line("get").Add("id", id).Add("level", "linearizable"));
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(read->GetOr("a.owner", ""), "b");
    EXPECT_EQ(read->GetIntOr("version", -1), b_version);
  }
  ReportFigures(a_keeps_its_session ? "paused_holder" : "paused_holder_expired",
                "a_token=" + std::to_string(a_token) +
                    " b_token=" + std::to_string(b_token) +
                    " stale_write=" + stale.status().ToString());
}

}  // namespace
}  // namespace sessionkeeper::integration
