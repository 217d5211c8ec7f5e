// Lease acquisition is the ZooKeeper lock recipe without waiting: create a
// sequential contender, list, and hold if it is the lowest; otherwise take
// over a lowest lease past its TTL (a versioned delete, so a renewal that
// lands first wins), or withdraw and report the holder.
#include "lease/lease_manager.h"

#include <glog/logging.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "common/utf8.h"
#include "session/session_id.h"
#include "store/lease_codec.h"
#include "zk/path.h"

namespace sessionkeeper::lease {

using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr std::string_view kLeasePrefix = "l-";
constexpr size_t kMaxHolderBytes = 256;
constexpr size_t kMaxLostRemembered = 100000;
// An acquisition that keeps finding its own node gone (session losses) or
// the lowest lease changing gives up after this many rounds.
constexpr int kMaxRounds = 50;

Status ValidateLeaseArgs(const std::string& id, std::chrono::milliseconds ttl) {
  SK_RETURN_IF_ERROR(session::ValidateSessionId(id));
  if (ttl.count() <= 0 || ttl > LeaseManager::kMaxTtl) {
    return Status::InvalidArgument(
        "lease ttl must be between 1 ms and 24 hours");
  }
  return Status::Ok();
}

Status ValidateToken(int64_t token) {
  if (token < 1 || token > int64_t{INT32_MAX} + 1) {
    return Status::InvalidArgument("lease token out of range");
  }
  return Status::Ok();
}

Status LostLease(const std::string& id, int64_t token) {
  return Status::Fenced("lease " + std::to_string(token) + " of session " +
                        session::RedactSessionId(id) +
                        " is no longer held (released, taken over, or its "
                        "holder's ZooKeeper session was lost)");
}

}  // namespace

LeaseManager::LeaseManager(Deps deps) : deps_(std::move(deps)) {}

std::string LeaseManager::ParentPath(const std::string& id) const {
  return zk::JoinPath(deps_.store->root(), "leases/" + id);
}

std::string LeaseManager::LeasePath(const std::string& id,
                                    int64_t token) const {
  char name[32];
  std::snprintf(name, sizeof(name), "l-%010lld",
                static_cast<long long>(token - 1));  // ZooKeeper's format.
  return ParentPath(id) + "/" + name;
}

int64_t LeaseManager::TokenOf(const std::string& name) {
  if (!name.starts_with(kLeasePrefix)) return -1;
  const char* begin = name.data() + kLeasePrefix.size();
  const char* end = name.data() + name.size();
  int64_t token = -1;
  auto [ptr, ec] = std::from_chars(begin, end, token);
  if (ec != std::errc() || ptr != end || begin == end || token < 0) return -1;
  return token + 1;  // Tokens start at 1: 0 means "not yours" in a Lease.
}

// --- Acquire ----------------------------------------------------------------

struct LeaseManager::AcquireCall
    : std::enable_shared_from_this<LeaseManager::AcquireCall> {
  LeaseManager* m = nullptr;
  std::string id;
  std::string holder;
  std::chrono::milliseconds ttl{0};
  zk::Callback<LeaseAttempt> done;
  SteadyClock::time_point deadline;
  int retries = 0;
  int rounds = 0;
  std::string mine;  // Our contender's path, once created.
  store::LeaseRecord record;
  bool took_over = false;

  zk::Client* client() const { return m->deps_.client; }

  void Retry(void (AcquireCall::*step)(), const Status& why) {
    if (SteadyClock::now() >= deadline) return Fail(why);
    auto self = shared_from_this();
    m->deps_.retry_later(
        ++retries, [self, step] { ((*self).*step)(); },
        [self, why] { self->Fail(why); });
  }

  // Ends without the lease: our contender, if any, must not linger (while
  // it exists, others would see it as a holder once the lease below ends).
  void Fail(const Status& s) {
    auto self = shared_from_this();
    Withdraw([self, s] { self->done(s); });
  }

  // Deletes our contender, then runs `then`: when the call returns, no node
  // of it is left for others to trip over (unless ZooKeeper is unreachable;
  // then it dies with our ZooKeeper session at the latest).
  void Withdraw(std::function<void()> then) {
    if (mine.empty()) return then();
    const std::string path = std::move(mine);
    mine.clear();
    client()->Delete(path, zk::kAnyVersion, [then = std::move(then)](Status s) {
      if (!s.ok() && !s.IsNotFound()) {
        LOG(WARNING) << "lease: could not withdraw a contender: " << s;
      }
      then();
    });
  }

  void CreateContender() {
    if (++rounds > kMaxRounds) {
      return Fail(Status::Aborted("lease of session " +
                                  session::RedactSessionId(id) +
                                  " kept changing; try again"));
    }
    record.holder = holder;
    record.ttl_ms = ttl.count();
    record.expires_at_ms = m->deps_.clock->NowMillis() + ttl.count();
    record.node_id = m->deps_.node_id;
    std::vector<zk::Op> ops;
    // The session must exist when the lease is created: the check and the
    // create are one transaction.
    ops.push_back(
        zk::Op::Check(m->deps_.store->SessionPath(id), zk::kAnyVersion));
    ops.push_back(
        zk::Op::Create(m->ParentPath(id) + "/" + std::string(kLeasePrefix),
                       store::EncodeLeaseRecord(record),
                       zk::CreateMode::kEphemeralSequential));
    auto self = shared_from_this();
    client()->Multi(std::move(ops), [self](zk::MultiResult r) {
      self->OnCreated(std::move(r));
    });
  }

  void OnCreated(zk::MultiResult r) {
    if (r.ok()) {
      mine = r.results[1].path;
      return List();
    }
    // An unknown outcome may have left a contender of ours: the next round
    // finds it as our own lease (same holder, same ZooKeeper session).
    if (r.status.IsUnavailable()) {
      return Retry(&AcquireCall::CreateContender, r.status);
    }
    if (r.failed_index == 0 && r.status.IsNotFound()) {
      return done(
          Status::NotFound("no session " + session::RedactSessionId(id)));
    }
    if (r.failed_index == 1 && r.status.IsNotFound()) return CreateParent();
    done(r.status);
  }

  void CreateParent() {
    std::vector<zk::Op> ops;
    ops.push_back(
        zk::Op::Check(m->deps_.store->SessionPath(id), zk::kAnyVersion));
    ops.push_back(zk::Op::Create(m->ParentPath(id), ""));
    auto self = shared_from_this();
    client()->Multi(std::move(ops), [self](zk::MultiResult r) {
      if (r.ok() || (r.failed_index == 1 && r.status.IsAlreadyExists())) {
        return self->CreateContender();
      }
      if (r.status.IsUnavailable()) {
        return self->Retry(&AcquireCall::CreateParent, r.status);
      }
      if (r.failed_index == 0 && r.status.IsNotFound()) {
        return self->done(Status::NotFound("no session " +
                                           session::RedactSessionId(self->id)));
      }
      self->done(r.status);
    });
  }

  void List() {
    auto self = shared_from_this();
    client()->GetChildren(m->ParentPath(id), [self](Result<zk::Children> r) {
      self->OnList(std::move(r));
    });
  }

  void OnList(Result<zk::Children> children) {
    if (!children.ok()) {
      if (children.status().IsUnavailable()) {
        return Retry(&AcquireCall::List, children.status());
      }
      return Fail(children.status());
    }
    std::vector<std::pair<int64_t, std::string>> leases;
    for (const std::string& name : children->names) {
      const int64_t token = TokenOf(name);
      if (token >= 0) leases.emplace_back(token, name);
    }
    std::sort(leases.begin(), leases.end());
    const std::string parent = m->ParentPath(id);
    const bool mine_listed = std::any_of(
        leases.begin(), leases.end(),
        [&](const auto& lease) { return parent + "/" + lease.second == mine; });
    if (!mine_listed) {
      // Our ephemeral is gone: our ZooKeeper session was lost meanwhile.
      mine.clear();
      return CreateContender();
    }
    const std::string lowest = parent + "/" + leases.front().second;
    if (lowest == mine) return Grant(leases.front().first, record);
    Inspect(lowest, leases.front().first);
  }

  void Inspect(const std::string& lowest, int64_t token) {
    auto self = shared_from_this();
    client()->Get(lowest, [self, lowest, token](Result<zk::NodeData> node) {
      self->OnInspect(lowest, token, std::move(node));
    });
  }

  void OnInspect(const std::string& lowest, int64_t token,
                 Result<zk::NodeData> node) {
    if (!node.ok()) {
      if (node.status().IsNotFound()) return List();  // Just ended.
      if (node.status().IsUnavailable()) {
        return Retry(&AcquireCall::List, node.status());
      }
      return Fail(node.status());
    }
    Result<store::LeaseRecord> theirs = store::DecodeLeaseRecord(node->data);
    if (!theirs.ok()) {
      // Nobody can tell who holds it: refuse rather than guess.
      return Fail(theirs.status().WithContext("lease of session " +
                                              session::RedactSessionId(id)));
    }
    if (node->stat.ephemeral_owner == client()->session_id() &&
        theirs->holder == holder) {
      // Ours already (a retry after an unknown outcome, or the same holder
      // acquiring again): keep it, renewed; drop the new contender.
      return ReuseOwn(lowest, token, node->stat.version);
    }
    if (theirs->expires_at_ms <= m->deps_.clock->NowMillis()) {
      // Past its TTL: take it over. Versioned, so a renewal that landed
      // after our read wins and the holder keeps it.
      auto self = shared_from_this();
      client()->Delete(lowest, node->stat.version, [self](Status s) {
        if (s.ok()) self->took_over = true;
        if (s.IsUnavailable()) return self->Retry(&AcquireCall::List, s);
        self->List();  // Whoever is lowest now.
      });
      return;
    }
    LeaseAttempt refused;
    refused.lease = Lease{id, theirs->holder, 0, theirs->expires_at_ms};
    {
      std::lock_guard<std::mutex> lock(m->mu_);
      ++m->counters_.leases_contended;
    }
    auto self = shared_from_this();
    Withdraw([self, refused = std::move(refused)] { self->done(refused); });
  }

  void ReuseOwn(const std::string& own, int64_t token, int32_t version) {
    store::LeaseRecord renewed = record;
    renewed.expires_at_ms = m->deps_.clock->NowMillis() + ttl.count();
    auto self = shared_from_this();
    client()->Set(own, store::EncodeLeaseRecord(renewed), version,
                  [self, token, renewed](Result<zk::Stat> r) {
                    if (r.ok()) {
                      return self->Withdraw([self, token, renewed] {
                        self->Grant(token, renewed);
                      });
                    }
                    if (r.status().IsUnavailable()) {
                      return self->Retry(&AcquireCall::List, r.status());
                    }
                    self->List();  // Changed or gone: look again.
                  });
  }

  void Grant(int64_t token, const store::LeaseRecord& granted) {
    if (mine == m->LeasePath(id, token)) mine.clear();  // Ours to keep.
    const Lease lease{id, holder, token, granted.expires_at_ms};
    m->Granted(lease, took_over);
    done(LeaseAttempt{true, lease});
  }
};

void LeaseManager::Acquire(std::string id, std::string holder,
                           std::chrono::milliseconds ttl,
                           zk::Callback<LeaseAttempt> done) {
  if (Status s = ValidateLeaseArgs(id, ttl); !s.ok()) return done(s);
  if (holder.empty() || holder.size() > kMaxHolderBytes ||
      !IsValidUtf8(holder)) {
    return done(Status::InvalidArgument(
        "lease holder must be 1 to 256 bytes of UTF-8"));
  }
  auto call = std::make_shared<AcquireCall>();
  call->m = this;
  call->id = std::move(id);
  call->holder = std::move(holder);
  call->ttl = ttl;
  call->done = std::move(done);
  call->deadline = SteadyClock::now() + deps_.operation_timeout;
  call->CreateContender();
}

void LeaseManager::Granted(const Lease& lease, bool taken_over) {
  std::lock_guard<std::mutex> lock(mu_);
  held_[{lease.session_id, lease.token}] = lease.expires_at_ms;
  ++counters_.leases_acquired;
  if (taken_over) ++counters_.leases_taken_over;
}

// --- Renew and release
// --------------------------------------------------------

void LeaseManager::Renew(std::string id, int64_t token,
                         std::chrono::milliseconds ttl,
                         zk::Callback<Lease> done) {
  if (Status s = ValidateLeaseArgs(id, ttl); !s.ok()) return done(s);
  if (Status s = ValidateToken(token); !s.ok()) return done(s);
  if (KnownLost(id, token)) return done(LostLease(id, token));
  struct RenewCall : std::enable_shared_from_this<RenewCall> {
    LeaseManager* m;
    std::string id;
    int64_t token;
    std::chrono::milliseconds ttl;
    zk::Callback<Lease> done;
    SteadyClock::time_point deadline;
    int retries = 0;

    void Retry(const Status& why) {
      if (SteadyClock::now() >= deadline) return done(why);
      auto self = shared_from_this();
      m->deps_.retry_later(
          ++retries, [self] { self->Start(); },
          [self, why] { self->done(why); });
    }
    void Start() {
      auto self = shared_from_this();
      m->deps_.client->Get(
          m->LeasePath(id, token), [self](Result<zk::NodeData> node) {
            if (!node.ok()) {
              if (node.status().IsNotFound()) return self->Lost();
              if (node.status().IsUnavailable()) {
                return self->Retry(node.status());
              }
              return self->done(node.status());
            }
            Result<store::LeaseRecord> record =
                store::DecodeLeaseRecord(node->data);
            if (!record.ok()) return self->done(record.status());
            record->ttl_ms = self->ttl.count();
            record->expires_at_ms =
                self->m->deps_.clock->NowMillis() + self->ttl.count();
            self->Write(*record, node->stat.version);
          });
    }
    void Write(const store::LeaseRecord& record, int32_t version) {
      auto self = shared_from_this();
      m->deps_.client->Set(
          m->LeasePath(id, token), store::EncodeLeaseRecord(record), version,
          [self, record](Result<zk::Stat> r) {
            if (r.ok()) {
              {
                std::lock_guard<std::mutex> lock(self->m->mu_);
                auto it = self->m->held_.find({self->id, self->token});
                if (it != self->m->held_.end()) {
                  it->second = record.expires_at_ms;
                }
              }
              return self->done(Lease{self->id, record.holder, self->token,
                                      record.expires_at_ms});
            }
            if (r.status().IsNotFound()) return self->Lost();
            // A concurrent renewal (version moved) or a lost reply: the
            // set is idempotent, so read and write again.
            if (r.status().IsAborted() || r.status().IsUnavailable()) {
              return self->Retry(r.status());
            }
            self->done(r.status());
          });
    }
    void Lost() {
      m->Forget(id, token);
      done(LostLease(id, token));
    }
  };
  auto call = std::make_shared<RenewCall>();
  call->m = this;
  call->id = std::move(id);
  call->token = token;
  call->ttl = ttl;
  call->done = std::move(done);
  call->deadline = SteadyClock::now() + deps_.operation_timeout;
  call->Start();
}

void LeaseManager::Release(std::string id, int64_t token,
                           zk::DoneCallback done) {
  if (Status s = session::ValidateSessionId(id); !s.ok()) return done(s);
  if (Status s = ValidateToken(token); !s.ok()) return done(s);
  if (KnownLost(id, token)) return done(LostLease(id, token));
  struct ReleaseCall : std::enable_shared_from_this<ReleaseCall> {
    LeaseManager* m;
    std::string id;
    int64_t token;
    zk::DoneCallback done;
    SteadyClock::time_point deadline;
    int retries = 0;
    bool maybe_applied = false;  // An earlier attempt's reply was lost.

    void Start() {
      auto self = shared_from_this();
      m->deps_.client->Delete(
          m->LeasePath(id, token), zk::kAnyVersion, [self](Status s) {
            if (s.ok() || (s.IsNotFound() && self->maybe_applied)) {
              self->m->Forget(self->id, self->token);
              self->m->DropParentIfSessionGone(self->id);
              return self->done(Status::Ok());
            }
            if (s.IsNotFound()) {
              self->m->Forget(self->id, self->token);
              return self->done(LostLease(self->id, self->token));
            }
            if (s.IsUnavailable() && SteadyClock::now() < self->deadline) {
              self->maybe_applied = self->maybe_applied || s.outcome_unknown();
              return self->m->deps_.retry_later(
                  ++self->retries, [self] { self->Start(); },
                  [self, s] { self->done(s); });
            }
            self->done(s);
          });
    }
  };
  auto call = std::make_shared<ReleaseCall>();
  call->m = this;
  call->id = std::move(id);
  call->token = token;
  call->done = std::move(done);
  call->deadline = SteadyClock::now() + deps_.operation_timeout;
  call->Start();
}

// --- Fencing and bookkeeping
// ----------------------------------------------------

Result<std::vector<zk::Op>> LeaseManager::Fence(const std::string& id,
                                                int64_t token) {
  SK_RETURN_IF_ERROR(ValidateToken(token));
  if (KnownLost(id, token)) {
    NoteFencedWrite();
    return LostLease(id, token);
  }
  return std::vector<zk::Op>{
      zk::Op::Check(LeasePath(id, token), zk::kAnyVersion)};
}

void LeaseManager::NoteFencedWrite() {
  std::lock_guard<std::mutex> lock(mu_);
  ++counters_.fenced_writes_rejected;
}

void LeaseManager::DropParent(const std::string& id) {
  // NotEmpty (a lease still held) and NoNode (never leased) are expected;
  // a parent left behind costs one empty znode, never correctness.
  deps_.client->Delete(ParentPath(id), zk::kAnyVersion, [](Status s) {
    if (!s.ok() && !s.IsNotFound()) VLOG(1) << "lease parent kept: " << s;
  });
}

void LeaseManager::DropParentIfSessionGone(const std::string& id) {
  deps_.client->Exists(deps_.store->SessionPath(id),
                       [this, id](Result<std::optional<zk::Stat>> stat) {
                         if (stat.ok() && !stat->has_value()) DropParent(id);
                       });
}

void LeaseManager::OnConnectionEvent(const zk::ConnectionEvent& event) {
  if (event.state != zk::ConnectionState::kExpired) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (!held_.empty()) {
    LOG(WARNING) << "ZooKeeper session lost: " << held_.size()
                 << " leases held through this manager are lost";
  }
  for (const auto& [key, expires_at] : held_) {
    if (lost_.insert(key).second) lost_order_.push_back(key);
    ++counters_.leases_lost;
  }
  held_.clear();
  while (lost_order_.size() > kMaxLostRemembered) {
    lost_.erase(lost_order_.front());
    lost_order_.pop_front();
  }
}

void LeaseManager::Forget(const std::string& id, int64_t token) {
  std::lock_guard<std::mutex> lock(mu_);
  held_.erase({id, token});
}

bool LeaseManager::KnownLost(const std::string& id, int64_t token) const {
  std::lock_guard<std::mutex> lock(mu_);
  return lost_.count({id, token}) > 0;
}

void LeaseManager::FillStats(LifecycleStats& stats) const {
  std::lock_guard<std::mutex> lock(mu_);
  stats.leases_held = held_.size();
  stats.leases_acquired = counters_.leases_acquired;
  stats.leases_contended = counters_.leases_contended;
  stats.leases_taken_over = counters_.leases_taken_over;
  stats.leases_lost = counters_.leases_lost;
  stats.fenced_writes_rejected = counters_.fenced_writes_rejected;
}

}  // namespace sessionkeeper::lease
