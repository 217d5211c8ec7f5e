// The write paths of SessionManager as asynchronous state machines:
// - version races are replayed (re-read, re-apply only this call's change),
//   with bounded attempts and jittered backoff;
// - a write whose reply was lost (outcome unknown) is resolved by syncing,
//   re-reading and comparing the write nonce: success only when our nonce
//   is there, a retry when the record is untouched, "unknown" otherwise;
// - while ZooKeeper is unreachable, calls retry until operation_timeout.
#include <glog/logging.h>

#include <memory>
#include <utility>

#include "session/manager_impl.h"
#include "session/names.h"
#include "session/record_view.h"
#include "session/session_id.h"

namespace sessionkeeper {

using store::SessionRecord;
using store::StoredSession;
using SteadyClock = std::chrono::steady_clock;

namespace {

Status OutcomeUnknown(const std::string& what) {
  return Status::Unavailable(
      what +
          ": ZooKeeper did not confirm the write and the manager could not "
          "tell whether it was applied",
      true);
}

Status ExpiredError(const std::string& id) {
  return Status::NotFound("session " + session::RedactSessionId(id) +
                          " has expired");
}

// FlatBuffers drops fields it does not know when re-encoding: a record
// written by a newer schema must not be rewritten by this build.
Status CheckWritable(const SessionRecord& record) {
  if (record.format_version <= store::kSessionFormatVersion) {
    return Status::Ok();
  }
  return Status::FailedPrecondition(
      "session was written by a newer SessionKeeper (record format " +
      std::to_string(record.format_version) +
      "); upgrade this node before it writes sessions");
}

std::string Redacted(const std::string& id) {
  return session::RedactSessionId(id);
}

// Base of the per-call state machines. Steps run one at a time (each starts
// the next) on the callback thread or the timer thread; the state lives as
// long as a pending step holds a reference to it.
template <typename Derived>
struct CallState : std::enable_shared_from_this<Derived> {
  SessionManager::Impl* impl = nullptr;
  SteadyClock::time_point deadline;  // For unavailability and resolution.
  int conflicts = 0;                 // Version races lost so far.
  int retries = 0;                   // Every retry, for backoff growth.
  // Whether the connected server was synced with the leader before the
  // latest read. A lagging server may not have a session another node just
  // created, or a touch that moved its deadline: "not found" and "expired"
  // are only reported from a synced read.
  bool synced = false;
  // Lease checks that go into the same multi as the write (fenced writes).
  std::vector<zk::Op> fence;

  // A fenced write that ZooKeeper refused: counted, and never retried.
  Status Fenced(const Status& s) {
    impl->leases_->NoteFencedWrite();
    return s;
  }

  // True (and a synced re-read started) when `read` says the session is
  // missing or expired but the read was not synced yet.
  bool ResyncIfUnsure(bool missing_or_expired) {
    if (!missing_or_expired || synced) return false;
    static_cast<Derived*>(this)->SyncThenStart();
    return true;
  }

  void Init(SessionManager::Impl* owner) {
    impl = owner;
    deadline = SteadyClock::now() + owner->options_.operation_timeout;
  }
  bool PastDeadline() const { return SteadyClock::now() >= deadline; }

  // Runs `step` after a backoff; if the manager closes first, finishes with
  // `last` instead.
  void RetryLater(void (Derived::*step)(), Status last) {
    ++retries;
    auto self = this->shared_from_this();
    impl->After(
        impl->Backoff(retries), [self, step] { ((*self).*step)(); },
        [self, last = std::move(last)] {
          self->Finish(SessionManager::Impl::ClosingError().WithContext(
              last.ToString()));
        });
  }

  // A lost version race: retry from `step` unless attempts are used up.
  void OnConflict(void (Derived::*step)(), const Status& conflict) {
    if (++conflicts >= impl->options_.max_write_attempts) {
      static_cast<Derived*>(this)->Finish(
          Status::Aborted("gave up after " + std::to_string(conflicts) +
                          " version conflicts: " + conflict.message()));
      return;
    }
    RetryLater(step, conflict);
  }

  void Finish(Status s) {
    static_cast<Derived*>(this)->FinishWith(std::move(s));
  }

  // ZooKeeper unreachable: retry `step` until the deadline, then give up
  // with `s`. Any other error ends the call.
  void OnUnavailable(void (Derived::*step)(), const Status& s) {
    if (!s.IsUnavailable() || PastDeadline()) return Finish(s);
    RetryLater(step, s);
  }

  // Catches the connected server up with the leader, then starts over: after
  // a lost race (the server may lag the leader that rejected us) and before
  // a "not found" or "expired" is believed.
  void SyncThenStart() {
    auto self = this->shared_from_this();
    impl->store_->Sync([self](Status s) {
      if (!s.ok()) return self->OnUnavailable(&Derived::SyncThenStart, s);
      self->synced = true;
      self->Start();
    });
  }
};

// --- Read-modify-write ------------------------------------------------------

struct RmwState : CallState<RmwState> {
  std::string id;
  SessionManager::Impl::RecordChange change;
  std::optional<int32_t> expected_version;
  zk::Callback<StoredSession> done;
  SessionRecord written;  // The attempt in flight.
  int32_t from_version = 0;

  void FinishWith(Status s) { done(std::move(s)); }

  // The cache learns the written copy before the caller hears of it.
  void Succeed(StoredSession stored) {
    impl->AfterWrite(id, stored);
    done(std::move(stored));
  }

  void Start() {
    // First attempt: a watched cached copy saves the read. It decides
    // nothing on its own: a caller's expected version that differs from it
    // is checked against ZooKeeper (the copy may lag a write made through
    // another node), and every later attempt reads from ZooKeeper.
    if (conflicts == 0 && retries == 0 && !synced) {
      std::optional<StoredSession> cached = impl->CachedForWrite(id);
      if (cached.has_value() && (!expected_version.has_value() ||
                                 *expected_version == cached->stat.version)) {
        return OnRead(std::move(*cached));
      }
    }
    auto self = shared_from_this();
    impl->store_->Read(
        id, [self](Result<StoredSession> r) { self->OnRead(std::move(r)); });
  }

  void OnRead(Result<StoredSession> read) {
    const int64_t now = impl->NowMs();
    if (ResyncIfUnsure(read.status().IsNotFound() ||
                       (read.ok() && session::IsExpired(read->record, now)))) {
      return;
    }
    if (!read.ok()) {
      return OnUnavailable(&RmwState::Start, read.status());
    }
    if (session::IsExpired(read->record, now)) return done(ExpiredError(id));
    if (expected_version.has_value() &&
        read->stat.version != *expected_version) {
      return done(
          Status::Aborted("session " + Redacted(id) + " is at version " +
                          std::to_string(read->stat.version) + ", expected " +
                          std::to_string(*expected_version)));
    }
    written = std::move(read->record);
    if (Status s = CheckWritable(written); !s.ok()) return done(s);
    if (Status s = change(written, now); !s.ok()) return done(s);
    written.last_writer = impl->node_id_;
    written.write_nonce = impl->NewNonce();
    from_version = read->stat.version;
    auto self = shared_from_this();
    impl->store_->Write(
        written, from_version, fence,
        [self](Result<zk::Stat> r) { self->OnWrite(std::move(r)); });
  }

  void OnWrite(Result<zk::Stat> stat) {
    // Nothing needs `written` after a success: hand it over.
    if (stat.ok()) {
      return Succeed(StoredSession{std::move(written), *stat});
    }
    const Status& s = stat.status();
    if (s.IsFenced()) return done(Fenced(s));
    if (s.IsAborted()) {
      if (expected_version.has_value()) {
        return done(Status::Aborted("session " + Redacted(id) +
                                    " changed since the expected version"));
      }
      return OnConflict(&RmwState::SyncThenStart, s);
    }
    if (s.IsNotFound())
      return done(Status::NotFound("no session " + Redacted(id)));
    if (s.outcome_unknown()) return Resolve();
    OnUnavailable(&RmwState::Start, s);
  }

  void Resolve() {
    auto self = shared_from_this();
    impl->store_->Sync([self](Status s) {
      if (!s.ok()) return self->ResolveLater(s);
      self->impl->store_->Read(self->id, [self](Result<StoredSession> r) {
        self->OnResolveRead(std::move(r));
      });
    });
  }

  void ResolveLater(const Status& s) {
    if (!s.IsUnavailable() || PastDeadline()) {
      return done(OutcomeUnknown("session " + Redacted(id)));
    }
    RetryLater(&RmwState::Resolve, s);
  }

  void OnResolveRead(Result<StoredSession> read) {
    if (!read.ok()) {
      if (read.status().IsNotFound()) {
        return done(
            Status::NotFound("session " + Redacted(id) +
                             " was deleted while a write to it was pending"));
      }
      return ResolveLater(read.status());
    }
    if (read->record.write_nonce == written.write_nonce) {
      return Succeed(std::move(*read));  // Our write applied.
    }
    if (read->stat.version == from_version) {
      VLOG(1) << "write to " << Redacted(id) << " did not apply; retrying";
      return OnRead(std::move(read));  // Untouched: safe to write again.
    }
    if (read->stat.version == from_version + 1) {
      // Exactly one write since the version ours was conditional on, and
      // not ours: ours needed that same version, so it cannot have applied,
      // nor apply later. (A paused lease holder whose session expired gets
      // here: its retry is then refused as Fenced.)
      VLOG(1) << "write to " << Redacted(id) << " lost the version race";
      return OnRead(std::move(read));
    }
    // Someone wrote after us, or instead of us: we cannot tell which.
    done(OutcomeUnknown("session " + Redacted(id)));
  }
};

// --- Create
// -------------------------------------------------------------------

struct CreateState : CallState<CreateState> {
  SessionRecord record;
  SessionManager::Callback<Session> done;

  void FinishWith(Status s) { done(std::move(s)); }

  void Start() {
    auto self = shared_from_this();
    impl->store_->Create(
        record, [self](Result<zk::Stat> r) { self->OnCreate(std::move(r)); });
  }

  void OnCreate(Result<zk::Stat> created) {
    if (created.ok()) {
      return done(session::ToSession(std::move(record), 0));
    }
    const Status& s = created.status();
    // Taken: either an earlier attempt of ours applied after all, or (with
    // probability 2^-128) another session has this id.
    if (s.IsAlreadyExists()) return Resolve();
    if (s.outcome_unknown()) return Resolve();
    if (!s.IsUnavailable() || PastDeadline()) return done(s);
    RetryLater(&CreateState::Start, s);
  }

  void Resolve() {
    auto self = shared_from_this();
    impl->store_->Sync([self](Status s) {
      if (!s.ok()) return self->ResolveLater(s);
      self->impl->store_->Read(self->record.id,
                               [self](Result<StoredSession> r) {
                                 self->OnResolveRead(std::move(r));
                               });
    });
  }

  void ResolveLater(const Status& s) {
    if (!s.IsUnavailable() || PastDeadline()) {
      return done(OutcomeUnknown("create of session " + Redacted(record.id)));
    }
    RetryLater(&CreateState::Resolve, s);
  }

  void OnResolveRead(Result<StoredSession> read) {
    if (read.ok()) {
      if (read->record.write_nonce == record.write_nonce) {
        return done(session::ToSession(read->record, read->stat.version));
      }
      // An id collision: start over with a fresh id.
      Result<std::string> id = session::NewSessionId();
      if (!id.ok()) return done(id.status());
      record.id = std::move(*id);
      return Start();
    }
    if (read.status().IsNotFound()) {
      // Not applied: create again with the same id and nonce, so a late
      // application of the first attempt is recognised as ours.
      return Start();
    }
    ResolveLater(read.status());
  }
};

// --- Invalidate -------------------------------------------------------------

struct InvalidateState : CallState<InvalidateState> {
  std::string id;
  SessionManager::DoneCallback done;

  void FinishWith(Status s) { done(std::move(s)); }

  void Start() {
    auto self = shared_from_this();
    impl->store_->Read(
        id, [self](Result<StoredSession> r) { self->OnRead(std::move(r)); });
  }

  void OnRead(Result<StoredSession> read) {
    if (ResyncIfUnsure(
            read.status().IsNotFound() ||
            (read.ok() && session::IsExpired(read->record, impl->NowMs())))) {
      return;
    }
    if (!read.ok())
      return OnUnavailable(&InvalidateState::Start, read.status());
    if (session::IsExpired(read->record, impl->NowMs())) {
      return done(ExpiredError(id));
    }
    auto self = shared_from_this();
    impl->store_->Delete(read->record, read->stat.version, fence,
                         [self](Status s) { self->OnDelete(s); });
  }

  void OnDelete(const Status& s) {
    if (s.ok()) {
      impl->ForgetSession(id);
      return done(Status::Ok());
    }
    if (s.IsFenced()) return done(Fenced(s));
    if (s.IsAborted()) return OnConflict(&InvalidateState::SyncThenStart, s);
    if (s.IsNotFound())
      return done(Status::NotFound("no session " + Redacted(id)));
    if (s.outcome_unknown()) return Resolve();
    OnUnavailable(&InvalidateState::Start, s);
  }

  void Resolve() {
    auto self = shared_from_this();
    impl->store_->Sync([self](Status s) {
      if (!s.ok()) return self->ResolveLater(s);
      self->impl->store_->Read(self->id, [self](Result<StoredSession> r) {
        if (r.status().IsNotFound()) {
          self->impl->ForgetSession(self->id);
          return self->done(Status::Ok());  // Gone, which is what we wanted.
        }
        if (!r.ok()) return self->ResolveLater(r.status());
        self->OnRead(std::move(r));  // Still there: delete again.
      });
    });
  }

  void ResolveLater(const Status& s) {
    if (!s.IsUnavailable() || PastDeadline()) {
      return done(OutcomeUnknown("invalidate of session " + Redacted(id)));
    }
    RetryLater(&InvalidateState::Resolve, s);
  }
};

// --- Rotate
// -------------------------------------------------------------------

struct RotateState : CallState<RotateState> {
  std::string old_id;
  SessionManager::Callback<Session> done;
  SessionRecord old_record;
  int32_t old_version = 0;
  SessionRecord fresh;  // The attempt in flight.

  void FinishWith(Status s) { done(std::move(s)); }

  void Start() {
    auto self = shared_from_this();
    impl->store_->Read(old_id, [self](Result<StoredSession> r) {
      self->OnRead(std::move(r));
    });
  }

  void OnRead(Result<StoredSession> read) {
    const int64_t now = impl->NowMs();
    if (ResyncIfUnsure(read.status().IsNotFound() ||
                       (read.ok() && session::IsExpired(read->record, now)))) {
      return;
    }
    if (!read.ok()) return OnUnavailable(&RotateState::Start, read.status());
    if (session::IsExpired(read->record, now))
      return done(ExpiredError(old_id));
    if (Status s = CheckWritable(read->record); !s.ok()) return done(s);
    old_record = read->record;
    old_version = read->stat.version;
    Result<std::string> new_id = session::NewSessionId();
    if (!new_id.ok()) return done(new_id.status());
    fresh = old_record;
    fresh.id = std::move(*new_id);
    fresh.last_access_at_ms = std::max(fresh.last_access_at_ms, now);
    fresh.last_writer = impl->node_id_;
    fresh.write_nonce = impl->NewNonce();
    auto self = shared_from_this();
    impl->store_->Rotate(
        old_record, old_version, fresh, fence,
        [self](Result<zk::Stat> r) { self->OnRotate(std::move(r)); });
  }

  void OnRotate(Result<zk::Stat> r) {
    if (r.ok()) {
      impl->ForgetSession(old_id);
      return done(session::ToSession(fresh, 0));
    }
    const Status& s = r.status();
    if (s.IsFenced()) return done(Fenced(s));
    // A version race on the old id, or (2^-128) a taken new id: both are
    // fixed by starting over.
    if (s.IsAborted() || s.IsAlreadyExists()) {
      return OnConflict(&RotateState::SyncThenStart, s);
    }
    if (s.IsNotFound())
      return done(Status::NotFound("no session " + Redacted(old_id)));
    if (s.outcome_unknown()) return Resolve();
    OnUnavailable(&RotateState::Start, s);
  }

  void Resolve() {
    auto self = shared_from_this();
    impl->store_->Sync([self](Status s) {
      if (!s.ok()) return self->ResolveLater(s);
      self->impl->store_->Read(self->fresh.id, [self](Result<StoredSession> r) {
        self->OnResolveNew(std::move(r));
      });
    });
  }

  void OnResolveNew(Result<StoredSession> r) {
    if (r.ok() && r->record.write_nonce == fresh.write_nonce) {
      impl->ForgetSession(old_id);
      return done(session::ToSession(r->record, r->stat.version));
    }
    if (!r.ok() && !r.status().IsNotFound()) return ResolveLater(r.status());
    // The new id is not ours: did the old one stay untouched?
    auto self = shared_from_this();
    impl->store_->Read(old_id, [self](Result<StoredSession> old) {
      if (old.ok() && old->stat.version == self->old_version) {
        return self->OnRead(std::move(old));  // Not applied: rotate again.
      }
      if (!old.ok() && !old.status().IsNotFound()) {
        return self->ResolveLater(old.status());
      }
      self->done(
          OutcomeUnknown("rotation of session " + Redacted(self->old_id)));
    });
  }

  void ResolveLater(const Status& s) {
    if (!s.IsUnavailable() || PastDeadline()) {
      return done(OutcomeUnknown("rotation of session " + Redacted(old_id)));
    }
    RetryLater(&RotateState::Resolve, s);
  }
};

}  // namespace

// --- Entry points
// -------------------------------------------------------------

void SessionManager::Impl::ReadModifyWrite(
    std::string id, RecordChange change,
    std::optional<int32_t> expected_version, std::vector<zk::Op> fence,
    zk::Callback<StoredSession> done) {
  auto state = std::make_shared<RmwState>();
  state->Init(this);
  state->fence = std::move(fence);
  state->id = std::move(id);
  state->change = std::move(change);
  state->expected_version = expected_version;
  state->done = std::move(done);
  state->Start();
}

void SessionManager::Impl::Create(CreateRequest request,
                                  Callback<Session> done) {
  const int64_t max_idle =
      request.max_idle.value_or(options_.default_max_idle).count();
  const int64_t max_lifetime =
      request.max_lifetime.value_or(options_.default_max_lifetime).count();
  if (max_idle <= 0) {
    return done(Status::InvalidArgument("max idle must be positive"));
  }
  if (max_lifetime < 0) {
    return done(Status::InvalidArgument("max lifetime must not be negative"));
  }
  if (!request.principal.empty()) {
    if (Status s = session::ValidatePrincipal(request.principal); !s.ok()) {
      return done(s);
    }
  }
  // Validated as the mutation that sets them all (moved in and back out:
  // no copy of the attributes).
  Mutation initial;
  initial.set = std::move(request.attributes);
  if (Status s = ValidateMutation(initial); !s.ok()) return done(s);
  Result<std::string> id = session::NewSessionId();
  if (!id.ok()) return done(id.status());

  auto state = std::make_shared<CreateState>();
  state->Init(this);
  const int64_t now = NowMs();
  SessionRecord& r = state->record;
  r.id = std::move(*id);
  r.principal = std::move(request.principal);
  r.created_at_ms = now;
  r.last_access_at_ms = now;
  r.max_idle_ms = max_idle;
  r.max_lifetime_ms = max_lifetime;
  r.attributes = std::move(initial.set);
  r.last_writer = node_id_;
  r.write_nonce = NewNonce();
  state->done = [this, done = std::move(done)](Result<Session> created) {
    if (created.ok()) {
      // The owner of its bucket learns the deadline without reading it back.
      expiry_->OnCreated(created->id, created->expires_at_ms());
      events_->Publish({SessionEventType::kCreated, created->id,
                        created->principal, "created"});
    }
    done(std::move(created));
  };
  state->Start();
}

Result<std::vector<zk::Op>> SessionManager::Impl::FenceFor(
    const std::string& id, std::optional<int64_t> lease_token) {
  if (!lease_token.has_value()) return std::vector<zk::Op>{};
  return leases_->Fence(id, *lease_token);
}

void SessionManager::Impl::Invalidate(std::string id,
                                      std::optional<int64_t> lease_token,
                                      DoneCallback done) {
  if (Status s = session::ValidateSessionId(id); !s.ok()) return done(s);
  Result<std::vector<zk::Op>> fence = FenceFor(id, lease_token);
  if (!fence.ok()) return done(fence.status());
  auto state = std::make_shared<InvalidateState>();
  state->Init(this);
  state->fence = std::move(*fence);
  state->done = [this, id, done = std::move(done)](Status s) {
    if (s.ok()) {
      events_->Publish({SessionEventType::kInvalidated, id, "", "invalidated"});
    }
    done(std::move(s));
  };
  state->id = std::move(id);
  state->Start();
}

void SessionManager::Impl::RotateId(std::string id,
                                    std::optional<int64_t> lease_token,
                                    Callback<Session> done) {
  if (Status s = session::ValidateSessionId(id); !s.ok()) return done(s);
  Result<std::vector<zk::Op>> fence = FenceFor(id, lease_token);
  if (!fence.ok()) return done(fence.status());
  auto state = std::make_shared<RotateState>();
  state->Init(this);
  state->fence = std::move(*fence);
  state->done = [this, id, done = std::move(done)](Result<Session> rotated) {
    if (rotated.ok()) {
      events_->Publish(
          {SessionEventType::kInvalidated, id, rotated->principal, "rotated"});
      events_->Publish({SessionEventType::kCreated, rotated->id,
                        rotated->principal, "rotated"});
    }
    done(std::move(rotated));
  };
  state->old_id = std::move(id);
  state->Start();
}

}  // namespace sessionkeeper
