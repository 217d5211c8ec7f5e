// Depth-first search for a linearization, memoising (linearized set,
// register value) states so each is explored once.
#include "support/linearizability.h"

#include <algorithm>
#include <limits>
#include <map>
#include <unordered_set>
#include <utility>

namespace sessionkeeper::integration {

RegisterOp RegisterOp::Write(int64_t id, std::string value, int64_t invoked,
                             std::optional<int64_t> completed) {
  RegisterOp op;
  op.id = id;
  op.kind = Kind::kWrite;
  op.value = std::move(value);
  op.invoked = invoked;
  op.completed = completed;
  return op;
}

RegisterOp RegisterOp::Read(int64_t id, std::optional<std::string> value,
                            int64_t invoked, int64_t completed) {
  RegisterOp op;
  op.id = id;
  op.kind = Kind::kRead;
  op.value = std::move(value);
  op.invoked = invoked;
  op.completed = completed;
  return op;
}

namespace {

constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
constexpr int kNoValue = -1;

// An operation with its value interned.
struct Entry {
  const RegisterOp* op = nullptr;
  bool write = false;
  int value = kNoValue;
  int64_t invoked = 0;
  int64_t completed = kNever;  // kNever: a write of unknown outcome.
  bool required() const { return completed != kNever; }
};

struct State {
  std::vector<uint64_t> done;
  int value = kNoValue;
  bool operator==(const State&) const = default;
};

struct StateHash {
  size_t operator()(const State& s) const {
    uint64_t h = static_cast<uint64_t>(s.value) * 0x9e3779b97f4a7c15ULL;
    for (uint64_t w : s.done) h = (h ^ w) * 0x100000001b3ULL + (h >> 29);
    return static_cast<size_t>(h);
  }
};

class Search {
 public:
  Search(std::vector<Entry> entries, std::vector<std::string> values,
         int initial, size_t max_states)
      : entries_(std::move(entries)),
        values_(std::move(values)),
        max_states_(max_states) {
    state_.done.assign((entries_.size() + 63) / 64, 0);
    state_.value = initial;
    for (const Entry& e : entries_) required_left_ += e.required() ? 1 : 0;
    required_total_ = required_left_;
  }

  LinearizabilityResult Run() {
    LinearizabilityResult result;
    const bool found = Visit();
    result.states_explored = seen_.size();
    if (found) {
      result.verdict = LinearizabilityResult::Verdict::kLinearizable;
    } else if (gave_up_) {
      result.verdict = LinearizabilityResult::Verdict::kGaveUp;
      result.explanation = "gave up after " + std::to_string(seen_.size()) +
                           " states; " + Explain();
    } else {
      result.verdict = LinearizabilityResult::Verdict::kNotLinearizable;
      result.explanation = Explain();
    }
    return result;
  }

 private:
  bool IsDone(size_t i) const { return (state_.done[i / 64] >> (i % 64)) & 1; }
  void Flip(size_t i) { state_.done[i / 64] ^= uint64_t{1} << (i % 64); }

  std::string Name(int value) const {
    return value == kNoValue ? "<none>" : "'" + values_[value] + "'";
  }

  // Entries are sorted by invocation: the candidates to go next are the
  // pending ones invoked before the earliest completion among the pending
  // required ones (anything invoked later must follow that one).
  int64_t EarliestPendingCompletion() const {
    int64_t earliest = kNever;
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (!IsDone(i) && entries_[i].completed < earliest) {
        earliest = entries_[i].completed;
      }
    }
    return earliest;
  }

  bool Visit() {
    if (required_left_ == 0) return true;
    if (seen_.size() >= max_states_) {
      gave_up_ = true;
      return false;
    }
    if (!seen_.insert(state_).second) return false;
    const size_t placed = required_total_ - required_left_;
    if (placed > best_placed_ || best_path_.empty()) {
      best_placed_ = placed;
      best_path_ = path_;
      best_state_ = state_;
    }
    const int64_t horizon = EarliestPendingCompletion();
    for (size_t i = 0; i < entries_.size(); ++i) {
      const Entry& e = entries_[i];
      if (e.invoked > horizon) break;
      if (IsDone(i)) continue;
      if (!e.write && e.value != state_.value) continue;
      const int before = state_.value;
      if (e.write) state_.value = e.value;
      Flip(i);
      if (e.required()) --required_left_;
      path_.push_back(i);
      if (Visit()) return true;
      path_.pop_back();
      if (e.required()) ++required_left_;
      Flip(i);
      state_.value = before;
      if (gave_up_) return false;
    }
    return false;
  }

  std::string Explain() const {
    std::string out = "linearized " + std::to_string(best_placed_) + " of " +
                      std::to_string(required_total_) +
                      " completed operations, in this order: [";
    for (size_t k = 0; k < best_path_.size(); ++k) {
      const Entry& e = entries_[best_path_[k]];
      if (k > 0) out += ", ";
      out += std::to_string(e.op->id) + (e.write ? ":w" : ":r") + Name(e.value);
    }
    out += "]; then the register holds " + Name(best_state_.value) +
           "; each operation that could go next leads to a dead end: ";
    int64_t horizon = kNever;
    for (size_t i = 0; i < entries_.size(); ++i) {
      const bool done = (best_state_.done[i / 64] >> (i % 64)) & 1;
      if (!done) horizon = std::min(horizon, entries_[i].completed);
    }
    bool first = true;
    for (size_t i = 0; i < entries_.size(); ++i) {
      const Entry& e = entries_[i];
      const bool done = (best_state_.done[i / 64] >> (i % 64)) & 1;
      if (done || e.invoked > horizon) continue;
      if (!first) out += ", ";
      first = false;
      out += std::to_string(e.op->id) +
             (e.write ? ":w" + Name(e.value)
                      : ":r" + Name(e.value) + " (reads " + Name(e.value) +
                            ", register is " + Name(best_state_.value) + ")");
    }
    return out;
  }

  const std::vector<Entry> entries_;
  const std::vector<std::string> values_;
  const size_t max_states_;
  State state_;
  size_t required_left_ = 0;
  size_t required_total_ = 0;
  std::vector<size_t> path_;
  std::unordered_set<State, StateHash> seen_;
  bool gave_up_ = false;
  size_t best_placed_ = 0;
  std::vector<size_t> best_path_;
  State best_state_;
};

}  // namespace

LinearizabilityResult CheckRegisterHistory(
    const std::optional<std::string>& initial,
    const std::vector<RegisterOp>& ops, size_t max_states) {
  std::map<std::string, int> ids;
  std::vector<std::string> values;
  const auto intern = [&](const std::optional<std::string>& v) {
    if (!v.has_value()) return kNoValue;
    auto [it, added] = ids.emplace(*v, static_cast<int>(values.size()));
    if (added) values.push_back(*v);
    return it->second;
  };
  const int initial_id = intern(initial);

  // Values some read returned: an unknown write nobody read is
  // indistinguishable from one that never happened, so it is dropped (this
  // keeps the search from branching on it).
  std::map<std::string, int> read_counts;
  for (const RegisterOp& op : ops) {
    if (op.kind == RegisterOp::Kind::kRead && op.value)
      ++read_counts[*op.value];
  }

  std::vector<Entry> entries;
  for (const RegisterOp& op : ops) {
    const bool write = op.kind == RegisterOp::Kind::kWrite;
    if (write && !op.completed &&
        !read_counts.contains(op.value.value_or(""))) {
      continue;
    }
    Entry e;
    e.op = &op;
    e.write = write;
    e.value = intern(op.value);
    e.invoked = op.invoked;
    e.completed = op.completed.value_or(kNever);
    entries.push_back(e);
  }
  std::stable_sort(
      entries.begin(), entries.end(),
      [](const Entry& a, const Entry& b) { return a.invoked < b.invoked; });

  // A read of a value nobody wrote cannot be explained by any order.
  std::vector<bool> written(values.size(), false);
  if (initial_id != kNoValue) written[initial_id] = true;
  for (const Entry& e : entries) {
    if (e.write) written[e.value] = true;
  }
  for (const Entry& e : entries) {
    if (!e.write && e.value != kNoValue && !written[e.value]) {
      LinearizabilityResult result;
      result.verdict = LinearizabilityResult::Verdict::kNotLinearizable;
      result.explanation = "read " + std::to_string(e.op->id) + " returned '" +
                           values[e.value] + "', which no operation wrote";
      return result;
    }
  }
  return Search(std::move(entries), std::move(values), initial_id, max_states)
      .Run();
}

}  // namespace sessionkeeper::integration
