// The register linearizability checker accepts histories that have a valid
// order and rejects ones that do not, including the classic anomalies a
// faulty store would show.
#include "support/linearizability.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sessionkeeper::integration {
namespace {

using Verdict = LinearizabilityResult::Verdict;

RegisterOp W(int64_t id, const std::string& v, int64_t from, int64_t to) {
  return RegisterOp::Write(id, v, from, to);
}
RegisterOp WUnknown(int64_t id, const std::string& v, int64_t from) {
  return RegisterOp::Write(id, v, from, std::nullopt);
}
RegisterOp R(int64_t id, const std::string& v, int64_t from, int64_t to) {
  return RegisterOp::Read(id, v, from, to);
}

TEST(LinearizabilityCheckerTest, AcceptsASequentialHistory) {
  const auto result = CheckRegisterHistory(
      "0",
      {W(1, "a", 0, 1), R(2, "a", 2, 3), W(3, "b", 4, 5), R(4, "b", 6, 7)});
  EXPECT_TRUE(result.linearizable()) << result.explanation;
}

TEST(LinearizabilityCheckerTest, AcceptsAReadOfTheInitialValue) {
  const auto result = CheckRegisterHistory("0", {R(1, "0", 0, 1)});
  EXPECT_TRUE(result.linearizable()) << result.explanation;
}

TEST(LinearizabilityCheckerTest, AcceptsConcurrentOpsInAnyValidOrder) {
  // The read overlaps both writes; it may see either, and the later read
  // (after both completed) must agree with the order that read implies.
  const auto result =
      CheckRegisterHistory("0", {W(1, "a", 0, 10), W(2, "b", 1, 11),
                                 R(3, "a", 2, 12), R(4, "a", 13, 14)});
  EXPECT_TRUE(result.linearizable()) << result.explanation;
}

TEST(LinearizabilityCheckerTest, RejectsAReadOfAValueBeforeItWasWritten) {
  const auto result =
      CheckRegisterHistory("0", {R(1, "a", 0, 1), W(2, "a", 2, 3)});
  EXPECT_EQ(result.verdict, Verdict::kNotLinearizable);
  EXPECT_NE(result.explanation.find("1:r"), std::string::npos)
      << result.explanation;
}

TEST(LinearizabilityCheckerTest, RejectsAStaleReadAfterANewerWriteCompleted) {
  const auto result = CheckRegisterHistory(
      "0", {W(1, "a", 0, 1), W(2, "b", 2, 3), R(3, "a", 4, 5)});
  EXPECT_EQ(result.verdict, Verdict::kNotLinearizable);
}

TEST(LinearizabilityCheckerTest, RejectsReadsThatDisagreeOnTheOrder) {
  // Two clients see the concurrent writes in opposite orders, one after the
  // other: no single order explains both.
  const auto result =
      CheckRegisterHistory("0", {W(1, "a", 0, 10), W(2, "b", 0, 10),
                                 R(3, "b", 11, 12), R(4, "a", 13, 14)});
  EXPECT_EQ(result.verdict, Verdict::kNotLinearizable);
}

TEST(LinearizabilityCheckerTest, RejectsAReadOfAValueNobodyWrote) {
  const auto result =
      CheckRegisterHistory("0", {W(1, "a", 0, 1), R(2, "zz", 2, 3)});
  EXPECT_EQ(result.verdict, Verdict::kNotLinearizable);
  EXPECT_NE(result.explanation.find("no operation wrote"), std::string::npos);
}

TEST(LinearizabilityCheckerTest, AnUnknownWriteMayHaveTakenEffectLate) {
  // Its outcome is unknown: it may take effect long after it was invoked.
  const auto result =
      CheckRegisterHistory("0", {WUnknown(1, "a", 0), W(2, "b", 5, 6),
                                 R(3, "b", 7, 8), R(4, "a", 20, 21)});
  EXPECT_TRUE(result.linearizable()) << result.explanation;
}

TEST(LinearizabilityCheckerTest, AnUnknownWriteMayNeverHaveTakenEffect) {
  const auto result = CheckRegisterHistory(
      "0", {WUnknown(1, "a", 0), R(2, "0", 5, 6), R(3, "0", 7, 8)});
  EXPECT_TRUE(result.linearizable()) << result.explanation;
}

TEST(LinearizabilityCheckerTest, AnUnknownWriteTakesEffectAtMostOnce) {
  // Once overwritten by a completed write, it cannot come back.
  const auto result = CheckRegisterHistory(
      "0",
      {WUnknown(1, "a", 0), R(2, "a", 1, 2), W(3, "b", 3, 4), R(4, "a", 5, 6)});
  EXPECT_EQ(result.verdict, Verdict::kNotLinearizable);
}

TEST(LinearizabilityCheckerTest, ALostAcknowledgedWriteIsRejected) {
  // "b" was acknowledged, yet a later read still sees the older "a".
  const auto result = CheckRegisterHistory(
      "0",
      {W(1, "a", 0, 1), W(2, "b", 2, 3), R(3, "b", 4, 5), R(4, "a", 6, 7)});
  EXPECT_EQ(result.verdict, Verdict::kNotLinearizable);
}

TEST(LinearizabilityCheckerTest, HandlesAManyClientHistoryQuickly) {
  // 4 clients, 400 operations, overlapping in pairs: a valid history of a
  // register written and read in rounds.
  std::vector<RegisterOp> ops;
  int64_t id = 0;
  for (int round = 0; round < 100; ++round) {
    const int64_t t = round * 10;
    const std::string a = "a" + std::to_string(round);
    const std::string b = "b" + std::to_string(round);
    ops.push_back(W(id++, a, t, t + 5));
    ops.push_back(W(id++, b, t + 1, t + 6));
    ops.push_back(R(id++, a, t + 2, t + 7));  // Before b took effect.
    ops.push_back(R(id++, b, t + 8, t + 9));
  }
  const auto result = CheckRegisterHistory("0", ops);
  EXPECT_TRUE(result.linearizable()) << result.explanation;
  EXPECT_LT(result.states_explored, 100'000u);
}

TEST(LinearizabilityCheckerTest, GivesUpRatherThanRunningForever) {
  // Many concurrent writes nobody can order plus an impossible read: the
  // search space is large, and a tiny budget makes it stop.
  std::vector<RegisterOp> ops;
  for (int i = 0; i < 20; ++i) {
    ops.push_back(W(i, "w" + std::to_string(i), 0, 100));
  }
  ops.push_back(R(100, "w0", 101, 102));
  ops.push_back(R(101, "w1", 103, 104));
  ops.push_back(R(102, "w0", 105, 106));
  const auto result = CheckRegisterHistory("0", ops, /*max_states=*/1000);
  EXPECT_EQ(result.verdict, Verdict::kGaveUp);
}

}  // namespace
}  // namespace sessionkeeper::integration
