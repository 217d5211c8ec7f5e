// The ZooKeeper return code -> Status table.
#include "zk/error_mapping.h"

#include <gtest/gtest.h>
#include <zookeeper/zookeeper.h>

namespace sessionkeeper::zk {
namespace {

TEST(ErrorMappingTest, OkIsOk) {
  EXPECT_TRUE(StatusFromZk(ZOK, "get /x", OpKind::kRead).ok());
}

TEST(ErrorMappingTest, LostRepliesLeaveAWritesOutcomeUnknown) {
  for (int rc : {ZCONNECTIONLOSS, ZOPERATIONTIMEOUT, ZSESSIONEXPIRED,
                 ZSESSIONMOVED, ZCLOSING}) {
    const Status write = StatusFromZk(rc, "set /x", OpKind::kWrite);
    EXPECT_TRUE(write.IsUnavailable()) << rc;
    EXPECT_TRUE(write.IsRetryable()) << rc;
    EXPECT_TRUE(write.outcome_unknown()) << rc;
    // A read has no outcome to be unsure of.
    EXPECT_FALSE(StatusFromZk(rc, "get /x", OpKind::kRead).outcome_unknown());
  }
}

TEST(ErrorMappingTest, RefusalsBeforeSendingAreRetryableAndNotApplied) {
  for (int rc : {ZINVALIDSTATE, ZTHROTTLEDOP, ZNOTREADONLY}) {
    const Status s = StatusFromZk(rc, "set /x", OpKind::kWrite);
    EXPECT_TRUE(s.IsUnavailable()) << rc;
    EXPECT_TRUE(s.IsRetryable()) << rc;
    EXPECT_FALSE(s.outcome_unknown()) << rc;
  }
}

TEST(ErrorMappingTest, DefiniteAnswersMapToTheirOwnCodes) {
  EXPECT_TRUE(StatusFromZk(ZNONODE, "c", OpKind::kRead).IsNotFound());
  EXPECT_TRUE(StatusFromZk(ZNODEEXISTS, "c", OpKind::kWrite).IsAlreadyExists());
  EXPECT_TRUE(StatusFromZk(ZBADVERSION, "c", OpKind::kWrite).IsAborted());
  EXPECT_TRUE(
      StatusFromZk(ZNOTEMPTY, "c", OpKind::kWrite).IsFailedPrecondition());
  EXPECT_TRUE(StatusFromZk(ZNOAUTH, "c", OpKind::kWrite).IsPermissionDenied());
  EXPECT_TRUE(
      StatusFromZk(ZAUTHFAILED, "c", OpKind::kWrite).IsPermissionDenied());
  EXPECT_TRUE(
      StatusFromZk(ZBADARGUMENTS, "c", OpKind::kWrite).IsInvalidArgument());
  EXPECT_EQ(StatusFromZk(ZMARSHALLINGERROR, "c", OpKind::kWrite).code(),
            StatusCode::kInternal);
  for (int rc : {ZNONODE, ZNODEEXISTS, ZBADVERSION, ZNOAUTH}) {
    const Status s = StatusFromZk(rc, "c", OpKind::kWrite);
    EXPECT_FALSE(s.IsRetryable()) << rc;
    EXPECT_FALSE(s.outcome_unknown()) << rc;
  }
}

TEST(ErrorMappingTest, TheMessageNamesTheOperationAndTheError) {
  const Status s = StatusFromZk(ZNONODE, "get /sessions/x", OpKind::kRead);
  EXPECT_EQ(s.message(), std::string("get /sessions/x: ") + zerror(ZNONODE));
}

}  // namespace
}  // namespace sessionkeeper::zk
