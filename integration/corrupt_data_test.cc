// Scenario 9: another ZooKeeper client overwrites a session's znode with
// bytes that are not a valid record of that session. That session reports
// DataLoss on every read and write path, of every manager, and is never
// overwritten by them; every other session, and the principal index, keep
// working.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "support/ensemble_test.h"
#include "support/session_manager_peer.h"
#include "support/zk_client.h"
#include "zk/client.h"

namespace sessionkeeper::integration {
namespace {

enum class Corruption {
  kGarbage,                // Bytes that are no FlatBuffer at all.
  kEmpty,                  // Zero bytes.
  kTruncated,              // The first half of a valid record.
  kAnotherSessionsRecord,  // A valid record, of another id.
};

std::string CorruptionName(Corruption c) {
  switch (c) {
    case Corruption::kGarbage:
      return "Garbage";
    case Corruption::kEmpty:
      return "Empty";
    case Corruption::kTruncated:
      return "Truncated";
    case Corruption::kAnotherSessionsRecord:
      return "AnotherSessionsRecord";
  }
  return "?";
}

class CorruptDataTest : public EnsembleTest,
                        public ::testing::WithParamInterface<Corruption> {};

TEST_P(CorruptDataTest, OnlyTheCorruptSessionReportsDataLoss) {
  std::unique_ptr<RecordedManager> a = OpenClient(0);
  std::unique_ptr<RecordedManager> b = OpenClient(1);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  Result<Session> victim = a->Create("v", "0", "alice");
  Result<Session> healthy = a->Create("v", "0", "alice");
  ASSERT_TRUE(victim.ok()) << victim.status();
  ASSERT_TRUE(healthy.ok()) << healthy.status();
  FlagSession(victim->id);
  FlagSession(healthy->id);

  zk::ClientOptions raw_options;
  raw_options.connect_string = connect_string();
  std::unique_ptr<zk::Client> raw = testing::OpenConnectedClient(raw_options);
  ASSERT_NE(raw, nullptr);
  const store::SessionStore& store =
      SessionManagerTestPeer::store(a->manager());
  const std::string victim_path = store.SessionPath(victim->id);
  Result<zk::NodeData> valid = raw->GetSync(store.SessionPath(healthy->id));
  ASSERT_TRUE(valid.ok()) << valid.status();
  std::string bytes;
  switch (GetParam()) {
    case Corruption::kGarbage:
      bytes = "this is not a session record \x01\x02\x03\xff";
      break;
    case Corruption::kEmpty:
      break;
    case Corruption::kTruncated:
      bytes = valid->data.substr(0, valid->data.size() / 2);
      break;
    case Corruption::kAnotherSessionsRecord:
      bytes = valid->data;
      break;
  }
  ASSERT_TRUE(raw->SetSync(victim_path, bytes, zk::kAnyVersion).ok());
  history().Note("session " + victim->id.substr(0, 6) + " overwritten (" +
                 CorruptionName(GetParam()) + ", " +
                 std::to_string(bytes.size()) + " bytes)");

  for (RecordedManager* client : {a.get(), b.get()}) {
    // Linearizable first: a sequential read may still come from a server
    // that has not applied the overwrite (allowed: it may lag); after the
    // linearizable read, this client's server has.
    for (ReadConsistency level :
         {ReadConsistency::kLinearizable, ReadConsistency::kSequential,
          ReadConsistency::kCached}) {
      Result<Session> read = client->Read(victim->id, "v", level);
      EXPECT_TRUE(read.status().IsDataLoss()) << read.status();
    }
    Result<Session> write = client->Write(victim->id, "v", "1");
    EXPECT_TRUE(write.status().IsDataLoss()) << write.status();
  }
  // Nobody "repaired" the bytes behind the operator's back.
  Result<zk::NodeData> after = raw->GetSync(victim_path);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->data, bytes);

  // Everything else keeps working, on both managers.
  Result<Session> written = a->Write(healthy->id, "v", "1");
  ASSERT_TRUE(written.ok()) << written.status();
  Result<Session> read =
      b->Read(healthy->id, "v", ReadConsistency::kLinearizable);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->attributes.at("v"), "1");
  Result<Session> created = b->Create("v", "0");
  EXPECT_TRUE(created.ok()) << created.status();
  // The principal query skips the corrupt session instead of failing.
  Result<std::vector<std::string>> found =
      b->manager().FindByPrincipal("alice");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, std::vector<std::string>{healthy->id});
  ReportFigures("corrupt_data_" + CorruptionName(GetParam()),
                "bytes=" + std::to_string(bytes.size()) + " data_loss=yes");
}

INSTANTIATE_TEST_SUITE_P(
    Corruptions, CorruptDataTest,
    ::testing::Values(Corruption::kGarbage, Corruption::kEmpty,
                      Corruption::kTruncated,
                      Corruption::kAnotherSessionsRecord),
    [](const ::testing::TestParamInfo<Corruption>& param_info) {
      return CorruptionName(param_info.param);
    });

}  // namespace
}  // namespace sessionkeeper::integration
