// SessionManager::Impl: opening, reads, principal queries, write-behind and
// the small helpers every operation shares.
#include "session/manager_impl.h"

#include <glog/logging.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <span>
#include <thread>
#include <utility>

#include "session/names.h"
#include "session/record_view.h"
#include "session/session_id.h"
#include "store/session_codec.h"
#include "zk/credentials.h"
#include "zk/path.h"

namespace sessionkeeper {

using store::SessionRecord;
using store::StoredSession;

namespace {

// ZooKeeper's jute.maxbuffer is 1 MiB by default; a session must fit in one
// packet with its path and the request header.
constexpr size_t kMaxSessionBytesLimit = 1024 * 1024 - 8 * 1024;

// "<host>-<pid>-<n>": unique per manager, since each registers a member.
std::string DefaultNodeId() {
  static std::atomic<int> managers{0};
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return std::string(host[0] != '\0' ? host : "node") + "-" +
         std::to_string(::getpid()) + "-" + std::to_string(managers++);
}

}  // namespace

Result<std::unique_ptr<SessionManager::Impl>> SessionManager::Impl::Open(
    SessionManagerOptions options) {
  if (options.max_session_bytes == 0 ||
      options.max_session_bytes > kMaxSessionBytesLimit) {
    return Status::InvalidArgument(
        "max_session_bytes must be in [1, " +
        std::to_string(kMaxSessionBytesLimit) +
        "] (ZooKeeper's jute.maxbuffer bounds one znode)");
  }
  if (options.default_max_idle.count() <= 0) {
    return Status::InvalidArgument("default_max_idle must be positive");
  }
  if (options.touch_fraction < 0 || options.touch_fraction > 1) {
    return Status::InvalidArgument("touch_fraction must be in [0, 1]");
  }
  if (options.max_write_attempts < 1) {
    return Status::InvalidArgument("max_write_attempts must be at least 1");
  }
  auto impl = std::make_unique<Impl>();
  impl->clock_ =
      options.clock != nullptr ? options.clock : SystemClock::Default();
  impl->node_id_ = options.node_id.empty() ? DefaultNodeId() : options.node_id;
  // It names this manager's member znode.
  if (impl->node_id_.size() > 255 ||
      impl->node_id_.find('/') != std::string::npos ||
      !zk::ValidatePath("/" + impl->node_id_).ok()) {
    return Status::InvalidArgument(
        "node_id must be 1..255 characters, no '/', '.', '..' or control "
        "characters");
  }
  impl->rng_.seed(std::random_device{}());

  zk::ClientOptions zk_options;
  zk_options.connect_string = options.connect_string;
  zk_options.session_timeout = options.zk_session_timeout;
  if (!options.credentials_file.empty()) {
    Result<zk::DigestCredentials> creds =
        zk::LoadDigestCredentials(options.credentials_file);
    if (!creds.ok()) return creds.status();
    zk_options.credentials = std::move(*creds);
  }
  Result<std::unique_ptr<zk::Client>> client =
      zk::Client::Open(std::move(zk_options));
  if (!client.ok()) return client.status();
  impl->client_ = std::move(*client);
  const auto connect_deadline =
      std::chrono::steady_clock::now() + options.connect_timeout;
  SK_RETURN_IF_ERROR(impl->client_->WaitConnected(options.connect_timeout));

  store::StoreOptions store_options;
  store_options.root = options.root;
  store_options.bucket_count = options.bucket_count;
  store_options.max_session_bytes = options.max_session_bytes;
  store_options.now_ms = impl->clock_->NowMillis();
  // Opening the store is idempotent: a request that timed out (a loaded,
  // freshly started ensemble took longer than the C client's two thirds of
  // the session timeout in CI) is retried within the connect timeout.
  Result<std::unique_ptr<store::SessionStore>> store =
      store::SessionStore::Open(impl->client_.get(), store_options);
  while (!store.ok() && store.status().IsUnavailable() &&
         std::chrono::steady_clock::now() < connect_deadline) {
    LOG(WARNING) << "opening the store: " << store.status() << "; retrying";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        connect_deadline - std::chrono::steady_clock::now());
    if (Status s = impl->client_->WaitConnected(
            std::max(left, std::chrono::milliseconds(1)));
        !s.ok()) {
      return s;
    }
    store = store::SessionStore::Open(impl->client_.get(), store_options);
  }
  if (!store.ok()) return store.status();
  impl->store_ = std::move(*store);
  if (options.cache_max_entries > 0) {
    // Each cached session holds a watch; on reconnect the C client re-sends
    // all watched paths in one packet, which must fit in jute.maxbuffer.
    const size_t path_bytes = options.root.size() + 40;
    if (options.cache_max_entries * path_bytes >
        options.zk_max_packet_bytes * 3 / 4) {
      return Status::InvalidArgument(
          "cache_max_entries=" + std::to_string(options.cache_max_entries) +
          " could need a watch packet over 3/4 of zk_max_packet_bytes=" +
          std::to_string(options.zk_max_packet_bytes) +
          " on reconnect; lower it, or raise the servers' jute.maxbuffer and "
          "zk_max_packet_bytes together");
    }
    cache::SessionCache::Options cache_options;
    cache_options.max_entries = options.cache_max_entries;
    cache_options.max_bytes = options.cache_max_bytes;
    impl->cache_ = std::make_unique<cache::SessionCache>(cache_options);
  }
  impl->timer_ = std::make_unique<TimerThread>("sk-timer");
  Impl* raw = impl.get();
  impl->batcher_ = std::make_unique<session::MutationBatcher>(
      [raw](const std::string& id,
            std::vector<session::MutationBatcher::Item> batch,
            std::function<void()> finished) {
        raw->WriteBatch(id, std::move(batch), std::move(finished));
      },
      /*max_batch=*/256);
  impl->options_ = std::move(options);
  impl->events_ = std::make_unique<lifecycle::EventBus>();

  // Cluster lifecycle: register as a member; split the buckets with the
  // other members for expiry.
  lifecycle::ExpiryScheduler::Deps deps;
  deps.store = impl->store_.get();
  deps.client = impl->client_.get();
  deps.timer = impl->timer_.get();
  deps.clock = impl->clock_;
  deps.events = impl->events_.get();
  deps.forget = [raw](const std::string& id) { raw->ForgetSession(id); };
  deps.self = impl->node_id_;
  deps.granularity = impl->options_.expiry_granularity;
  deps.marker_sweep_period = impl->options_.expiry_marker_sweep_period;
  impl->expiry_ = std::make_unique<lifecycle::ExpiryScheduler>(std::move(deps));
  Member self{impl->node_id_, impl->options_.member_address,
              impl->clock_->NowMillis()};
  impl->membership_ = std::make_unique<lifecycle::Membership>(
      impl->client_.get(), impl->timer_.get(), impl->options_.root + "/members",
      std::move(self), [raw](std::vector<std::string> members) {
        raw->expiry_->OnMembersChanged(members);
      });

  lease::LeaseManager::Deps lease_deps;
  lease_deps.client = impl->client_.get();
  lease_deps.store = impl->store_.get();
  lease_deps.clock = impl->clock_;
  lease_deps.node_id = impl->node_id_;
  lease_deps.operation_timeout = impl->options_.operation_timeout;
  lease_deps.retry_later = [raw](int attempt, std::function<void()> task,
                                 std::function<void()> on_closing) {
    raw->After(raw->Backoff(attempt), std::move(task), std::move(on_closing));
  };
  impl->leases_ = std::make_unique<lease::LeaseManager>(std::move(lease_deps));

  impl->client_->AddConnectionListener([raw](const zk::ConnectionEvent& event) {
    raw->OnConnectionEvent(event);
    raw->leases_->OnConnectionEvent(event);
    // A new session after a loss: the member ephemeral and every watch
    // went with the old one.
    if (event.state == zk::ConnectionState::kConnected &&
        event.generation != raw->lifecycle_generation_) {
      raw->lifecycle_generation_ = event.generation;
      raw->membership_->OnNewSession();
      raw->expiry_->OnNewSession();
    }
  });
  impl->lifecycle_generation_ = impl->client_->generation();
  impl->membership_->Start();
  impl->expiry_->Start();
  // Connected already: the listener missed that event.
  impl->cache_usable_ =
      impl->client_->state() == zk::ConnectionState::kConnected;
  if (impl->options_.write_mode == WriteMode::kWriteBehind) {
    impl->ScheduleWriteBehindFlush();
  }
  return impl;
}

SessionManager::Impl::~Impl() {
  if (options_.write_mode == WriteMode::kWriteBehind && client_ != nullptr) {
    const Status flushed =
        WaitDone([this](DoneCallback done) { Flush(std::move(done)); });
    if (!flushed.ok()) {
      LOG(WARNING) << "write-behind flush at close failed: " << flushed << "; "
                   << pending_.size() << " sessions not written";
    }
  }
  closing_ = true;
  if (membership_ != nullptr) membership_->Stop();
  if (expiry_ != nullptr) expiry_->Stop();
  // Order matters: stop retries (pending ones finish with Unavailable), then
  // close ZooKeeper (operations in flight complete with Unavailable), and
  // only then drop what their callbacks still use.
  if (timer_ != nullptr) timer_->Stop();
  client_.reset();
  membership_.reset();
  expiry_.reset();
  leases_.reset();
  store_.reset();
  timer_.reset();  // Last: callbacks failed by the close above may post.
  if (events_ != nullptr) events_->Drain();
}

ManagerStats SessionManager::Impl::Stats() const {
  ManagerStats stats;
  const zk::ConnectionState state = client_->state();
  stats.connection.state = std::string(zk::ConnectionStateName(state));
  stats.connection.connected = state == zk::ConnectionState::kConnected;
  stats.connection.generation = client_->generation();
  stats.connection.server = client_->current_server();
  if (cache_ != nullptr) stats.cache = cache_->stats();
  stats.lifecycle.owned_buckets = expiry_->owned_bucket_count();
  stats.lifecycle.scheduled_sessions = expiry_->scheduled_count();
  stats.lifecycle.expired_deleted = expiry_->expired_count();
  stats.lifecycle.members = membership_->live().size();
  leases_->FillStats(stats.lifecycle);
  return stats;
}

// --- Helpers
// ------------------------------------------------------------------

uint64_t SessionManager::Impl::NewNonce() {
  std::lock_guard<std::mutex> lock(rng_mu_);
  uint64_t nonce = 0;
  while (nonce == 0) nonce = rng_();  // 0 marks "no write yet".
  return nonce;
}

std::chrono::milliseconds SessionManager::Impl::Backoff(int attempt) {
  const int64_t cap = options_.max_retry_backoff.count();
  const int64_t ceiling =
      std::min<int64_t>(cap, int64_t{1} << std::min(attempt, 20));
  std::lock_guard<std::mutex> lock(rng_mu_);
  std::uniform_int_distribution<int64_t> jitter(0,
                                                std::max<int64_t>(ceiling, 1));
  return std::chrono::milliseconds(jitter(rng_));
}

void SessionManager::Impl::After(std::chrono::milliseconds delay,
                                 std::function<void()> task,
                                 std::function<void()> on_closing) {
  if (closing_.load() || timer_ == nullptr) {
    on_closing();
    return;
  }
  // Shared so that a refusal (the timer stopped after the check above) can
  // still run it.
  auto closing = std::make_shared<std::function<void()>>(std::move(on_closing));
  const bool queued =
      timer_->RunAfter(delay, [this, task = std::move(task), closing] {
        if (closing_.load()) {
          (*closing)();
        } else {
          task();
        }
      });
  if (!queued) (*closing)();
}

Status SessionManager::Impl::ClosingError() {
  return Status::Unavailable("the session manager is closing");
}

Status SessionManager::Impl::CallbackThreadError() {
  return Status::FailedPrecondition(
      "synchronous SessionManager call from its callback thread would "
      "deadlock; use the Async form");
}

Status SessionManager::Impl::WaitDone(
    const std::function<void(DoneCallback)>& start) {
  if (client_->OnCallbackThread()) return CallbackThreadError();
  auto promise = std::make_shared<std::promise<Status>>();
  auto future = promise->get_future();
  start([promise](Status s) { promise->set_value(std::move(s)); });
  return future.get();
}

Status SessionManager::Impl::ValidateMutation(const Mutation& mutation) const {
  if (mutation.set.size() + mutation.remove.size() > options_.max_attributes) {
    return Status::ResourceExhausted("more than " +
                                     std::to_string(options_.max_attributes) +
                                     " attribute changes in one call");
  }
  size_t bytes = 0;
  for (const auto& [name, value] : mutation.set) {
    SK_RETURN_IF_ERROR(session::ValidateAttributeName(name));
    bytes += name.size() + value.size();
  }
  for (const auto& name : mutation.remove) {
    SK_RETURN_IF_ERROR(session::ValidateAttributeName(name));
  }
  if (bytes > options_.max_session_bytes) {
    return Status::ResourceExhausted("attribute values of " +
                                     std::to_string(bytes) +
                                     " bytes exceed the session size limit");
  }
  return Status::Ok();
}

session::PendingChange SessionManager::Impl::ToPendingChange(
    const Mutation& mutation, int64_t now_ms) {
  session::PendingChange change;
  for (const auto& [name, value] : mutation.set)
    change.attributes[name] = value;
  for (const auto& name : mutation.remove)
    change.attributes[name] = std::nullopt;
  change.touched_at_ms = now_ms;
  return change;
}

namespace {

// The change a Mutate call applies on each attempt: its own attribute
// changes and an access, nothing else, so replaying it after a lost race
// keeps every other writer's changes.
Status ApplyMutation(const Mutation& mutation, size_t max_attributes,
                     SessionRecord& record, int64_t now_ms) {
  for (const auto& [name, value] : mutation.set)
    record.attributes[name] = value;
  for (const auto& name : mutation.remove) record.attributes.erase(name);
  if (record.attributes.size() > max_attributes) {
    return Status::ResourceExhausted(
        "session would hold " + std::to_string(record.attributes.size()) +
        " attributes; the limit is " + std::to_string(max_attributes));
  }
  record.last_access_at_ms = std::max(record.last_access_at_ms, now_ms);
  return Status::Ok();
}

}  // namespace

// --- Writes
// -------------------------------------------------------------------

void SessionManager::Impl::Mutate(std::string id, Mutation mutation,
                                  Callback<Session> done) {
  if (Status s = session::ValidateSessionId(id); !s.ok()) return done(s);
  if (Status s = ValidateMutation(mutation); !s.ok()) return done(s);

  if (options_.write_mode == WriteMode::kWriteBehind &&
      !mutation.expected_version.has_value() &&
      !mutation.lease_token.has_value()) {
    // Read (for existence, expiry and the size check), remember the change,
    // answer with the overlaid view. Conditional and fenced writes bypass
    // the buffer: their condition must be checked by ZooKeeper.
    store_->Read(id, [this, id, mutation = std::move(mutation),
                      done = std::move(done)](Result<StoredSession> stored) {
      if (!stored.ok()) return done(stored.status());
      const int64_t now = NowMs();
      SessionRecord view = stored->record;
      if (auto pending = pending_.Find(id)) pending->ApplyTo(view);
      if (session::IsExpired(view, now)) {
        return done(Status::NotFound("session " + session::RedactSessionId(id) +
                                     " has expired"));
      }
      const session::PendingChange change = ToPendingChange(mutation, now);
      change.ApplyTo(view);
      if (view.attributes.size() > options_.max_attributes) {
        return done(Status::ResourceExhausted("too many attributes"));
      }
      if (store::EncodeSessionRecordInScratch(view).size() >
          options_.max_session_bytes) {
        return done(Status::ResourceExhausted(
            "session would exceed the size limit of " +
            std::to_string(options_.max_session_bytes) + " bytes"));
      }
      pending_.Add(id, change);
      done(session::ToSession(view, stored->stat.version));
    });
    return;
  }

  if (mutation.expected_version.has_value() ||
      mutation.lease_token.has_value()) {
    return WriteAlone(std::move(id), std::move(mutation), std::move(done));
  }
  batcher_->Add(id, {std::move(mutation), std::move(done)});
}

void SessionManager::Impl::WriteAlone(std::string id, Mutation mutation,
                                      Callback<Session> done) {
  const size_t max_attributes = options_.max_attributes;
  const std::optional<int32_t> expected = mutation.expected_version;
  const bool changed = !mutation.set.empty() || !mutation.remove.empty();
  Result<std::vector<zk::Op>> fence = FenceFor(id, mutation.lease_token);
  if (!fence.ok()) return done(fence.status());
  ReadModifyWrite(
      std::move(id),
      [mutation = std::move(mutation), max_attributes](SessionRecord& record,
                                                       int64_t now_ms) {
        return ApplyMutation(mutation, max_attributes, record, now_ms);
      },
      expected, std::move(*fence),
      [this, changed, done = std::move(done)](Result<StoredSession> r) {
        if (!r.ok()) return done(r.status());
        if (changed) PublishChanged(r->record);
        done(session::ToSession(std::move(r->record), r->stat.version));
      });
}

void SessionManager::Impl::PublishChanged(const SessionRecord& record) {
  events_->Publish({SessionEventType::kAttributesChanged, record.id,
                    record.principal, "mutated"});
}

void SessionManager::Impl::WriteBatch(
    const std::string& id, std::vector<session::MutationBatcher::Item> batch,
    std::function<void()> finished) {
  // The change reads the mutations where they are: moving the vector into
  // the callback below keeps its elements in place, and the change never
  // runs once that callback has.
  const std::span<const session::MutationBatcher::Item> items(batch);
  ReadModifyWrite(
      id,
      [this, items](SessionRecord& record, int64_t now_ms) {
        for (const auto& item : items) {
          SK_RETURN_IF_ERROR(ApplyMutation(
              item.mutation, options_.max_attributes, record, now_ms));
        }
        return Status::Ok();
      },
      std::nullopt, {},
      [this, id, batch = std::move(batch),
       finished = std::move(finished)](Result<StoredSession> r) mutable {
        if (!r.ok() && r.status().IsResourceExhausted() && batch.size() > 1) {
          // Together they are too big; each may still fit on its own.
          for (auto& item : batch) {
            WriteAlone(id, std::move(item.mutation), std::move(item.done));
          }
          return finished();
        }
        if (!r.ok()) {
          for (auto& item : batch) item.done(r.status());
          return finished();
        }
        for (const auto& item : batch) {
          if (!item.mutation.set.empty() || !item.mutation.remove.empty()) {
            PublishChanged(r->record);
          }
        }
        // Every caller gets a copy but the last, who gets the original.
        Session written =
            session::ToSession(std::move(r->record), r->stat.version);
        for (size_t i = 0; i + 1 < batch.size(); ++i) {
          batch[i].done(written);
        }
        if (!batch.empty()) {
          batch.back().done(std::move(written));
        }
        finished();
      });
}

void SessionManager::Impl::Touch(std::string id, DoneCallback done) {
  if (Status s = session::ValidateSessionId(id); !s.ok()) return done(s);
  if (options_.write_mode == WriteMode::kWriteBehind) {
    Mutation none;
    return Mutate(
        std::move(id), none,
        [done = std::move(done)](Result<Session> r) { done(r.status()); });
  }
  // An empty mutation: only the access time moves. Merged with any
  // concurrent writes of the session.
  batcher_->Add(id, {Mutation{}, [done = std::move(done)](Result<Session> r) {
                       done(r.status());
                     }});
}

// --- Principal queries ------------------------------------------------------

void SessionManager::Impl::FindByPrincipal(
    std::string principal, Callback<std::vector<std::string>> done) {
  if (Status s = session::ValidatePrincipal(principal); !s.ok()) {
    return done(s);
  }
  store_->ListPrincipal(principal, [this, principal, done = std::move(done)](
                                       Result<std::vector<std::string>> ids) {
    if (!ids.ok()) return done(ids.status());
    if (ids->empty()) return done(std::vector<std::string>{});
    // Keep only live sessions that really belong to the principal (the
    // index key is a hash; expired sessions may not be deleted yet).
    struct Gather {
      std::mutex mu;
      std::vector<std::string> live;
      Status error;
      size_t remaining = 0;
    };
    auto gather = std::make_shared<Gather>();
    gather->remaining = ids->size();
    for (const std::string& id : *ids) {
      if (!session::ValidateSessionId(id).ok()) {
        std::lock_guard<std::mutex> lock(gather->mu);
        if (--gather->remaining == 0) done(gather->live);
        continue;
      }
      store_->Read(
          id, [this, id, principal, gather, done](Result<StoredSession> r) {
            std::lock_guard<std::mutex> lock(gather->mu);
            if (r.ok() && r->record.principal == principal &&
                !session::IsExpired(r->record, NowMs())) {
              gather->live.push_back(id);
            } else if (!r.ok() && !r.status().IsNotFound() &&
                       !r.status().IsDataLoss() && gather->error.ok()) {
              gather->error = r.status();
            }
            if (--gather->remaining > 0) return;
            if (!gather->error.ok()) return done(gather->error);
            std::sort(gather->live.begin(), gather->live.end());
            done(gather->live);
          });
    }
  });
}

void SessionManager::Impl::InvalidateAllForPrincipal(std::string principal,
                                                     Callback<size_t> done) {
  FindByPrincipal(principal, [this, done = std::move(done)](
                                 Result<std::vector<std::string>> ids) {
    if (!ids.ok()) return done(ids.status());
    if (ids->empty()) return done(size_t{0});
    struct Count {
      std::mutex mu;
      size_t invalidated = 0;
      size_t remaining = 0;
      Status error;
    };
    auto count = std::make_shared<Count>();
    count->remaining = ids->size();
    for (const std::string& id : *ids) {
      Invalidate(id, std::nullopt, [count, done](Status s) {
        std::lock_guard<std::mutex> lock(count->mu);
        if (s.ok()) {
          ++count->invalidated;
        } else if (!s.IsNotFound() && count->error.ok()) {
          count->error = s;
        }
        if (--count->remaining > 0) return;
        if (!count->error.ok()) return done(count->error);
        done(count->invalidated);
      });
    }
  });
}

// --- Write-behind
// -------------------------------------------------------------

void SessionManager::Impl::Flush(DoneCallback done) {
  auto batch = pending_.TakeAll();
  if (batch.empty()) return done(Status::Ok());
  struct Progress {
    std::mutex mu;
    size_t remaining = 0;
    Status first_error;
  };
  auto progress = std::make_shared<Progress>();
  progress->remaining = batch.size();
  for (auto& [id, change] : batch) {
    ReadModifyWrite(
        id,
        [change = change](SessionRecord& record, int64_t) {
          change.ApplyTo(record);
          return Status::Ok();
        },
        std::nullopt, {},
        [this, id = id, change = change, progress,
         done](Result<StoredSession> r) {
          if (!r.ok() && !r.status().IsNotFound()) {
            // Not lost: it goes back under any newer change for the next
            // flush (replaying it is harmless: it is idempotent).
            pending_.Restore(id, change);
            LOG(WARNING) << "write-behind flush of session "
                         << session::RedactSessionId(id) << ": " << r.status();
          }
          std::lock_guard<std::mutex> lock(progress->mu);
          if (!r.ok() && !r.status().IsNotFound() &&
              progress->first_error.ok()) {
            progress->first_error = r.status();
          }
          if (--progress->remaining == 0) done(progress->first_error);
        });
  }
}

void SessionManager::Impl::ScheduleWriteBehindFlush() {
  After(
      options_.write_behind_interval,
      [this] {
        Flush([](Status s) {
          if (!s.ok()) VLOG(1) << "periodic write-behind flush: " << s;
        });
        ScheduleWriteBehindFlush();
      },
      [] {});
}

}  // namespace sessionkeeper
