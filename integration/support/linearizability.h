// A linearizability checker for one read/write register, in the style of
// Wing & Gong (with the state memoisation of Lowe and Knossos): it searches
// for a total order of the operations that respects real time (an operation
// that completed before another was invoked comes first) and the register's
// sequential behaviour (a read returns the last value written).
#ifndef SESSIONKEEPER_INTEGRATION_SUPPORT_LINEARIZABILITY_H_
#define SESSIONKEEPER_INTEGRATION_SUPPORT_LINEARIZABILITY_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sessionkeeper::integration {

struct RegisterOp {
  enum class Kind { kWrite, kRead };

  int64_t id = 0;  // Named in the explanation of a failure.
  Kind kind = Kind::kRead;
  // Written, or read (nullopt: the register had no value).
  std::optional<std::string> value;
  int64_t invoked = 0;  // Any monotonic unit, the same for every op.
  // nullopt: a write whose outcome is unknown. It may take effect at any
  // point after its invocation, or never. (Failed reads and writes that
  // definitely failed are not operations: leave them out.)
  std::optional<int64_t> completed;

  static RegisterOp Write(int64_t id, std::string value, int64_t invoked,
                          std::optional<int64_t> completed);
  static RegisterOp Read(int64_t id, std::optional<std::string> value,
                         int64_t invoked, int64_t completed);
};

struct LinearizabilityResult {
  enum class Verdict { kLinearizable, kNotLinearizable, kGaveUp };
  Verdict verdict = Verdict::kGaveUp;
  size_t states_explored = 0;
  // When not linearizable: the longest valid prefix found and the
  // operations that could not follow it.
  std::string explanation;

  bool linearizable() const { return verdict == Verdict::kLinearizable; }
};

// `initial`: the register's value before every operation. Gives up
// (kGaveUp) after exploring `max_states` distinct search states.
LinearizabilityResult CheckRegisterHistory(
    const std::optional<std::string>& initial,
    const std::vector<RegisterOp>& ops, size_t max_states = 5'000'000);

}  // namespace sessionkeeper::integration

#endif  // SESSIONKEEPER_INTEGRATION_SUPPORT_LINEARIZABILITY_H_
