// Recording SessionManager calls.
#include "support/recorded_manager.h"

#include <optional>
#include <utility>

#include "support/session_manager_peer.h"

namespace sessionkeeper::integration {

namespace {

std::optional<std::string> AttributeOf(const Session& s,
                                       const std::string& attribute) {
  auto it = s.attributes.find(attribute);
  if (it == s.attributes.end()) return std::nullopt;
  return it->second;
}

}  // namespace

RecordedManager::RecordedManager(int client,
                                 std::unique_ptr<SessionManager> manager,
                                 History* history)
    : client_(client), manager_(std::move(manager)), history_(history) {}

zk::Client& RecordedManager::zk_client() {
  return SessionManagerTestPeer::client(*manager_);
}

std::string RecordedManager::CurrentServer() {
  return zk_client().current_server();
}

Result<Session> RecordedManager::Create(const std::string& attribute,
                                        const std::string& value,
                                        const std::string& principal) {
  const int64_t op =
      history_->Invoke(client_, OpKind::kCreate, "", attribute, value);
  CreateRequest request;
  request.principal = principal;
  request.attributes = {{attribute, value}};
  Result<Session> r = manager_->Create(request);
  if (r.ok()) {
    history_->SetSession(op, r->id);
    history_->CompleteOk(op, r->version, std::nullopt, CurrentServer());
  } else {
    history_->CompleteFailed(op, r.status(), CurrentServer());
  }
  return r;
}

Result<Session> RecordedManager::Write(const std::string& id,
                                       const std::string& attribute,
                                       const std::string& value) {
  const int64_t op =
      history_->Invoke(client_, OpKind::kWrite, id, attribute, value);
  Mutation m;
  m.set = {{attribute, value}};
  Result<Session> r = manager_->Mutate(id, m);
  if (r.ok()) {
    history_->CompleteOk(op, r->version, std::nullopt, CurrentServer());
  } else {
    history_->CompleteFailed(op, r.status(), CurrentServer());
  }
  return r;
}

Result<Session> RecordedManager::Read(const std::string& id,
                                      const std::string& attribute,
                                      ReadConsistency consistency) {
  const int64_t op =
      history_->Invoke(client_, OpKind::kRead, id, attribute, std::nullopt);
  Result<Session> r = manager_->Get(id, consistency);
  if (r.ok()) {
    history_->CompleteOk(op, r->version, AttributeOf(*r, attribute),
                         CurrentServer());
  } else {
    history_->CompleteFailed(op, r.status(), CurrentServer());
  }
  return r;
}

Status RecordedManager::Delete(const std::string& id) {
  const int64_t op =
      history_->Invoke(client_, OpKind::kDelete, id, "", std::nullopt);
  const Status s = manager_->Invalidate(id);
  if (s.ok()) {
    history_->CompleteOk(op, -1, std::nullopt, CurrentServer());
  } else {
    history_->CompleteFailed(op, s, CurrentServer());
  }
  return s;
}

}  // namespace sessionkeeper::integration
