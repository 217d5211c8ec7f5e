// SessionManager: the public surface, forwarding to Impl, plus the
// synchronous forms.
#include "sessionkeeper/session_manager.h"

#include <utility>

#include "session/manager_impl.h"

namespace sessionkeeper {

SessionManager::SessionManager(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

SessionManager::~SessionManager() = default;

Result<std::unique_ptr<SessionManager>> SessionManager::Open(
    SessionManagerOptions options) {
  Result<std::unique_ptr<Impl>> impl = Impl::Open(std::move(options));
  if (!impl.ok()) return impl.status();
  return std::unique_ptr<SessionManager>(new SessionManager(std::move(*impl)));
}

void SessionManager::CreateAsync(CreateRequest request,
                                 Callback<Session> done) {
  impl_->Create(std::move(request), std::move(done));
}

Result<Session> SessionManager::Create(CreateRequest request) {
  return impl_->Wait<Session>([&](Callback<Session> done) {
    impl_->Create(std::move(request), std::move(done));
  });
}

void SessionManager::GetAsync(std::string id, ReadConsistency consistency,
                              Callback<Session> done) {
  impl_->Get(std::move(id), consistency, std::move(done));
}

Result<Session> SessionManager::Get(const std::string& id,
                                    ReadConsistency consistency) {
  if (consistency == ReadConsistency::kCached ||
      consistency == ReadConsistency::kCachedOrStale) {
    // A hit needs no thread hop and no future.
    if (auto cached = impl_->TryCachedGet(id, consistency)) {
      return std::move(*cached);
    }
  }
  return impl_->Wait<Session>([&](Callback<Session> done) {
    impl_->Get(id, consistency, std::move(done));
  });
}

Result<std::shared_ptr<const SessionSnapshot>> SessionManager::GetShared(
    const std::string& id, ReadConsistency consistency) {
  if (consistency == ReadConsistency::kCached ||
      consistency == ReadConsistency::kCachedOrStale) {
    if (auto cached = impl_->TryCachedGetShared(id, consistency)) {
      return std::move(*cached);
    }
  }
  Result<Session> read = Get(id, consistency);
  if (!read.ok()) return read.status();
  return std::shared_ptr<const SessionSnapshot>(
      std::make_shared<const SessionSnapshot>(*read));
}

void SessionManager::GetSharedAsync(
    std::string id, ReadConsistency consistency,
    Callback<std::shared_ptr<const SessionSnapshot>> done) {
  if (consistency == ReadConsistency::kCached ||
      consistency == ReadConsistency::kCachedOrStale) {
    if (auto cached = impl_->TryCachedGetShared(id, consistency)) {
      return done(std::move(*cached));
    }
  }
  impl_->Get(std::move(id), consistency,
             [done = std::move(done)](Result<Session> read) {
               if (!read.ok()) {
                 return done(read.status());
               }
               done(std::shared_ptr<const SessionSnapshot>(
                   std::make_shared<const SessionSnapshot>(*read)));
             });
}

void SessionManager::MutateAsync(std::string id, Mutation mutation,
                                 Callback<Session> done) {
  impl_->Mutate(std::move(id), std::move(mutation), std::move(done));
}

Result<Session> SessionManager::Mutate(const std::string& id,
                                       Mutation mutation) {
  return impl_->Wait<Session>([&](Callback<Session> done) {
    impl_->Mutate(id, std::move(mutation), std::move(done));
  });
}

void SessionManager::TouchAsync(std::string id, DoneCallback done) {
  impl_->Touch(std::move(id), std::move(done));
}

Status SessionManager::Touch(const std::string& id) {
  return impl_->WaitDone(
      [&](DoneCallback done) { impl_->Touch(id, std::move(done)); });
}

void SessionManager::InvalidateAsync(std::string id, DoneCallback done) {
  impl_->Invalidate(std::move(id), std::nullopt, std::move(done));
}

void SessionManager::InvalidateAsync(std::string id,
                                     std::optional<int64_t> lease_token,
                                     DoneCallback done) {
  impl_->Invalidate(std::move(id), lease_token, std::move(done));
}

Status SessionManager::Invalidate(const std::string& id,
                                  std::optional<int64_t> lease_token) {
  return impl_->WaitDone([&](DoneCallback done) {
    impl_->Invalidate(id, lease_token, std::move(done));
  });
}

void SessionManager::RotateIdAsync(std::string id, Callback<Session> done) {
  impl_->RotateId(std::move(id), std::nullopt, std::move(done));
}

void SessionManager::RotateIdAsync(std::string id,
                                   std::optional<int64_t> lease_token,
                                   Callback<Session> done) {
  impl_->RotateId(std::move(id), lease_token, std::move(done));
}

Result<Session> SessionManager::RotateId(const std::string& id,
                                         std::optional<int64_t> lease_token) {
  return impl_->Wait<Session>([&](Callback<Session> done) {
    impl_->RotateId(id, lease_token, std::move(done));
  });
}

void SessionManager::AcquireLeaseAsync(std::string id, std::string holder,
                                       std::chrono::milliseconds ttl,
                                       Callback<LeaseAttempt> done) {
  impl_->leases_->Acquire(std::move(id), std::move(holder), ttl,
                          std::move(done));
}

Result<LeaseAttempt> SessionManager::AcquireLease(
    const std::string& id, const std::string& holder,
    std::chrono::milliseconds ttl) {
  return impl_->Wait<LeaseAttempt>([&](Callback<LeaseAttempt> done) {
    impl_->leases_->Acquire(id, holder, ttl, std::move(done));
  });
}

void SessionManager::RenewLeaseAsync(std::string id, int64_t token,
                                     std::chrono::milliseconds ttl,
                                     Callback<Lease> done) {
  impl_->leases_->Renew(std::move(id), token, ttl, std::move(done));
}

Result<Lease> SessionManager::RenewLease(const std::string& id, int64_t token,
                                         std::chrono::milliseconds ttl) {
  return impl_->Wait<Lease>([&](Callback<Lease> done) {
    impl_->leases_->Renew(id, token, ttl, std::move(done));
  });
}

void SessionManager::ReleaseLeaseAsync(std::string id, int64_t token,
                                       DoneCallback done) {
  impl_->leases_->Release(std::move(id), token, std::move(done));
}

Status SessionManager::ReleaseLease(const std::string& id, int64_t token) {
  return impl_->WaitDone([&](DoneCallback done) {
    impl_->leases_->Release(id, token, std::move(done));
  });
}

void SessionManager::FindByPrincipalAsync(
    std::string principal, Callback<std::vector<std::string>> done) {
  impl_->FindByPrincipal(std::move(principal), std::move(done));
}

Result<std::vector<std::string>> SessionManager::FindByPrincipal(
    const std::string& principal) {
  return impl_->Wait<std::vector<std::string>>(
      [&](Callback<std::vector<std::string>> done) {
        impl_->FindByPrincipal(principal, std::move(done));
      });
}

void SessionManager::InvalidateAllForPrincipalAsync(std::string principal,
                                                    Callback<size_t> done) {
  impl_->InvalidateAllForPrincipal(std::move(principal), std::move(done));
}

Result<size_t> SessionManager::InvalidateAllForPrincipal(
    const std::string& principal) {
  return impl_->Wait<size_t>([&](Callback<size_t> done) {
    impl_->InvalidateAllForPrincipal(principal, std::move(done));
  });
}

Status SessionManager::Flush() {
  return impl_->WaitDone(
      [&](DoneCallback done) { impl_->Flush(std::move(done)); });
}

const std::string& SessionManager::node_id() const { return impl_->node_id(); }

uint64_t SessionManager::AddListener(SessionListener listener) {
  return impl_->events_->AddListener(std::move(listener));
}

void SessionManager::RemoveListener(uint64_t id) {
  impl_->events_->RemoveListener(id);
}

void SessionManager::MembersAsync(Callback<std::vector<Member>> done) {
  impl_->membership_->List(std::move(done));
}

Result<std::vector<Member>> SessionManager::Members() {
  return impl_->Wait<std::vector<Member>>(
      [&](Callback<std::vector<Member>> done) {
        impl_->membership_->List(std::move(done));
      });
}

CacheStats SessionManager::cache_stats() const {
  return impl_->cache_ != nullptr ? impl_->cache_->stats() : CacheStats{};
}

ManagerStats SessionManager::stats() const { return impl_->Stats(); }

}  // namespace sessionkeeper
