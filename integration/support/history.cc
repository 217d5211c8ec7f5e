// The operation history of a scenario.
#include "support/history.h"

#include <cstdio>
#include <utility>

namespace sessionkeeper::integration {

std::string_view OpKindName(OpKind kind) {
  switch (kind) {
    case OpKind::kCreate:
      return "create";
    case OpKind::kWrite:
      return "write";
    case OpKind::kRead:
      return "read";
    case OpKind::kDelete:
      return "delete";
    case OpKind::kFault:
      return "FAULT";
  }
  return "?";
}

std::string_view OpOutcomeName(OpOutcome outcome) {
  switch (outcome) {
    case OpOutcome::kPending:
      return "pending";
    case OpOutcome::kOk:
      return "ok";
    case OpOutcome::kFailed:
      return "failed";
    case OpOutcome::kUnknown:
      return "UNKNOWN";
  }
  return "?";
}

int64_t History::Invoke(int client, OpKind kind, std::string session,
                        std::string attribute,
                        std::optional<std::string> value) {
  Operation op;
  op.client = client;
  op.kind = kind;
  op.session = std::move(session);
  op.attribute = std::move(attribute);
  op.value = std::move(value);
  op.invoked = HistoryClock::now();
  std::lock_guard<std::mutex> lock(mu_);
  op.index = static_cast<int64_t>(ops_.size());
  ops_.push_back(std::move(op));
  return ops_.back().index;
}

void History::CompleteOk(int64_t index, int32_t version,
                         std::optional<std::string> value_read,
                         std::string server) {
  const auto now = HistoryClock::now();
  std::lock_guard<std::mutex> lock(mu_);
  Operation& op = ops_.at(static_cast<size_t>(index));
  op.completed = now;
  op.outcome = OpOutcome::kOk;
  op.version = version;
  op.server = std::move(server);
  if (op.kind == OpKind::kRead) op.value = std::move(value_read);
}

void History::SetSession(int64_t index, std::string session) {
  std::lock_guard<std::mutex> lock(mu_);
  ops_.at(static_cast<size_t>(index)).session = std::move(session);
}

void History::CompleteFailed(int64_t index, const Status& status,
                             std::string server) {
  const auto now = HistoryClock::now();
  std::lock_guard<std::mutex> lock(mu_);
  Operation& op = ops_.at(static_cast<size_t>(index));
  op.completed = now;
  op.outcome =
      status.outcome_unknown() ? OpOutcome::kUnknown : OpOutcome::kFailed;
  op.code = status.code();
  op.status = status.ToString();
  op.server = std::move(server);
}

HistoryClock::time_point History::Note(std::string what) {
  Operation op;
  op.kind = OpKind::kFault;
  op.outcome = OpOutcome::kOk;
  op.status = std::move(what);
  op.invoked = op.completed = HistoryClock::now();
  std::lock_guard<std::mutex> lock(mu_);
  op.index = static_cast<int64_t>(ops_.size());
  ops_.push_back(std::move(op));
  return ops_.back().invoked;
}

std::vector<Operation> History::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ops_;
}

int64_t History::Count(
    const std::function<bool(const Operation&)>& match) const {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t n = 0;
  for (const Operation& op : ops_) n += match(op) ? 1 : 0;
  return n;
}

double History::MillisSinceStart(HistoryClock::time_point t) const {
  return std::chrono::duration<double, std::milli>(t - start_).count();
}

std::string History::FormatOp(const Operation& op) const {
  char times[64];
  if (op.outcome == OpOutcome::kPending) {
    std::snprintf(times, sizeof(times), "%10.3f ..........",
                  MillisSinceStart(op.invoked));
  } else {
    std::snprintf(times, sizeof(times), "%10.3f %10.3f",
                  MillisSinceStart(op.invoked), MillisSinceStart(op.completed));
  }
  std::string line = "#" + std::to_string(op.index) + " " + times + " ";
  if (op.kind == OpKind::kFault) return line + "FAULT " + op.status;
  line += "c" + std::to_string(op.client) + " " +
          std::string(OpKindName(op.kind)) + " " + op.session.substr(0, 6);
  if (!op.attribute.empty()) {
    line += " " + op.attribute + "=" + (op.value ? *op.value : "<absent>");
  }
  line += " -> " + std::string(OpOutcomeName(op.outcome));
  if (op.version >= 0) line += " v" + std::to_string(op.version);
  if (!op.server.empty()) line += " @" + op.server;
  if (!op.status.empty()) line += " (" + op.status + ")";
  return line;
}

std::string History::Format(
    const std::function<bool(const Operation&)>& match) const {
  std::string out;
  for (const Operation& op : Snapshot()) {
    if (op.kind != OpKind::kFault && !match(op)) continue;
    out += FormatOp(op);
    out += '\n';
  }
  return out;
}

}  // namespace sessionkeeper::integration
