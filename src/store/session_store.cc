// SessionStore: layout initialisation and the multi()s that keep a session
// and its principal index together.
#include "store/session_store.h"

#include <glog/logging.h>

#include <future>
#include <utility>

#include "session/session_id.h"
#include "store/meta_codec.h"
#include "store/principal_key.h"
#include "store/session_codec.h"
#include "zk/path.h"

namespace sessionkeeper::store {

namespace {

// Which op of a session multi touches the principal index: those come after
// the session ops, so a failure there has failed_index >= this.
bool FailedOnMissingIndexParent(const zk::MultiResult& result,
                                size_t first_index_op) {
  return !result.ok() && result.status.IsNotFound() &&
         result.failed_index >= first_index_op;
}

Status StatusOf(const zk::MultiResult& result) { return result.status; }

// The status of a multi whose last `fence_size` operations are a fence: a
// failed fence check is Fenced, whatever ZooKeeper called it.
Status StatusOf(const zk::MultiResult& result, size_t fence_size) {
  if (!result.ok() && fence_size > 0 && !result.status.IsUnavailable() &&
      result.failed_index + fence_size >= result.results.size() &&
      result.failed_index < result.results.size()) {
    return Status::Fenced(
        "the lease token is no longer the session's lease; nothing was "
        "written");
  }
  return result.status;
}

void Append(std::vector<zk::Op>& ops, const std::vector<zk::Op>& more) {
  ops.insert(ops.end(), more.begin(), more.end());
}

}  // namespace

SessionStore::SessionStore(zk::Client* client, StoreOptions options,
                           uint32_t buckets)
    : client_(client),
      options_(std::move(options)),
      bucket_count_(buckets),
      sessions_prefix_(options_.root + "/sessions/") {}

Result<std::unique_ptr<SessionStore>> SessionStore::Open(zk::Client* client,
                                                         StoreOptions options) {
  SK_RETURN_IF_ERROR(zk::ValidatePath(options.root));
  if (options.root == "/") {
    return Status::InvalidArgument("the store root must not be '/'");
  }
  if (options.bucket_count == 0 || options.bucket_count > 4096) {
    return Status::InvalidArgument("bucket count must be in [1, 4096]");
  }
  SK_RETURN_IF_ERROR(client->EnsurePathSync(options.root));

  // The first manager to get here fixes the layout; the others adopt it.
  const std::string meta_path = zk::JoinPath(options.root, "meta");
  StoreMeta wanted;
  wanted.bucket_count = options.bucket_count;
  wanted.created_at_ms = options.now_ms;
  Result<zk::Created> created =
      client->CreateSync(meta_path, EncodeStoreMeta(wanted));
  if (!created.ok() && !created.status().IsAlreadyExists()) {
    return created.status();
  }
  Result<zk::NodeData> meta_bytes = client->GetSync(meta_path);
  if (!meta_bytes.ok()) return meta_bytes.status();
  Result<StoreMeta> meta = DecodeStoreMeta(meta_bytes->data);
  if (!meta.ok()) return meta.status().WithContext(meta_path);
  if (meta->layout_version != kLayoutVersion) {
    return Status::FailedPrecondition(meta_path + " has layout version " +
                                      std::to_string(meta->layout_version) +
                                      "; this build reads version " +
                                      std::to_string(kLayoutVersion));
  }

  std::unique_ptr<SessionStore> store(
      new SessionStore(client, std::move(options), meta->bucket_count));
  SK_RETURN_IF_ERROR(store->InitLayout());
  return store;
}

Status SessionStore::InitLayout() {
  for (const char* dir :
       {"sessions", "principals", "leases", "members", "expiring"}) {
    SK_RETURN_IF_ERROR(
        client_->EnsurePathSync(zk::JoinPath(options_.root, dir)));
  }
  Result<zk::Children> buckets =
      client_->GetChildrenSync(zk::JoinPath(options_.root, "sessions"));
  if (!buckets.ok()) return buckets.status();
  if (buckets->names.size() == bucket_count_) return Status::Ok();

  // Pipelined creates: one round trip for all buckets, not one each.
  std::vector<std::future<Status>> pending;
  pending.reserve(bucket_count_);
  for (uint32_t b = 0; b < bucket_count_; ++b) {
    auto promise = std::make_shared<std::promise<Status>>();
    pending.push_back(promise->get_future());
    client_->Create(BucketPath(b), "", zk::CreateMode::kPersistent,
                    [promise](Result<zk::Created> r) {
                      promise->set_value(r.ok() || r.status().IsAlreadyExists()
                                             ? Status::Ok()
                                             : r.status());
                    });
  }
  for (auto& f : pending) SK_RETURN_IF_ERROR(f.get());
  return Status::Ok();
}

std::string SessionStore::BucketPath(uint32_t bucket) const {
  return sessions_prefix_ + session::BucketName(bucket, bucket_count_);
}

std::string SessionStore::ExpiringPath() const {
  return zk::JoinPath(options_.root, "expiring");
}

std::string SessionStore::ExpiryMarkerPath(const std::string& id) const {
  return ExpiringPath() + "/" + id;
}

std::string SessionStore::SessionPath(const std::string& id) const {
  // One allocation: every write and read builds one.
  const std::string bucket =
      session::BucketName(session::SessionBucket(id, bucket_count_),
                          bucket_count_);  // Short enough to stay inline.
  std::string path;
  path.reserve(sessions_prefix_.size() + bucket.size() + 1 + id.size());
  path.append(sessions_prefix_).append(bucket).append(1, '/').append(id);
  return path;
}

std::string SessionStore::PrincipalPath(const std::string& principal) const {
  return options_.root + "/principals/" + PrincipalKey(principal);
}

std::string SessionStore::PrincipalEntryPath(const std::string& principal,
                                             const std::string& id) const {
  return PrincipalPath(principal) + "/" + id;
}

Status SessionStore::CheckSize(size_t encoded_bytes) const {
  if (encoded_bytes > options_.max_session_bytes) {
    return Status::ResourceExhausted(
        "session of " + std::to_string(encoded_bytes) +
        " bytes encoded is over the limit of " +
        std::to_string(options_.max_session_bytes));
  }
  return Status::Ok();
}

Result<std::string> SessionStore::Encode(const SessionRecord& record) const {
  std::string bytes = EncodeSessionRecord(record);
  SK_RETURN_IF_ERROR(CheckSize(bytes.size()));
  return bytes;
}

Result<std::string_view> SessionStore::EncodeInScratch(
    const SessionRecord& record) const {
  std::string_view bytes = EncodeSessionRecordInScratch(record);
  SK_RETURN_IF_ERROR(CheckSize(bytes.size()));
  return bytes;
}

void SessionStore::MultiWithPrincipalParent(std::vector<zk::Op> ops,
                                            std::string principal,
                                            int attempts_left,
                                            zk::MultiCallback done) {
  size_t first_index_op = 0;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].path.starts_with(options_.root + "/principals/")) {
      first_index_op = i;
      break;
    }
  }
  auto ops_copy = ops;
  client_->Multi(
      std::move(ops),
      [this, ops = std::move(ops_copy), principal = std::move(principal),
       attempts_left, first_index_op,
       done = std::move(done)](zk::MultiResult result) mutable {
        if (principal.empty() || attempts_left <= 0 ||
            !FailedOnMissingIndexParent(result, first_index_op) ||
            ops[result.failed_index].type != zk::Op::Type::kCreate) {
          done(std::move(result));
          return;
        }
        // The principal's container parent is missing (never created, or
        // reaped by the server once empty): create it and try again.
        client_->Create(
            PrincipalPath(principal), "", zk::CreateMode::kContainer,
            [this, ops = std::move(ops), principal, attempts_left,
             done = std::move(done)](Result<zk::Created> parent) mutable {
              if (!parent.ok() && !parent.status().IsAlreadyExists()) {
                zk::MultiResult failed;
                failed.status = parent.status();
                done(std::move(failed));
                return;
              }
              MultiWithPrincipalParent(std::move(ops), std::move(principal),
                                       attempts_left - 1, std::move(done));
            });
      });
}

void SessionStore::Create(const SessionRecord& record,
                          zk::Callback<zk::Stat> done) {
  if (record.principal.empty()) {
    // Nothing to keep in step with: a plain create costs the servers less
    // than a one-operation multi.
    Result<std::string_view> bytes = EncodeInScratch(record);
    if (!bytes.ok()) {
      return done(bytes.status());
    }
    client_->Create(
        SessionPath(record.id), *bytes, zk::CreateMode::kPersistent,
        [id = record.id, done = std::move(done)](Result<zk::Created> created) {
          if (!created.ok()) {
            return done(session::RedactSessionIdIn(created.status(), id));
          }
          done(created->stat);
        });
    return;
  }
  Result<std::string> bytes = Encode(record);
  if (!bytes.ok()) {
    return done(bytes.status());
  }
  std::vector<zk::Op> ops;
  ops.push_back(zk::Op::Create(SessionPath(record.id), std::move(*bytes)));
  ops.push_back(
      zk::Op::Create(PrincipalEntryPath(record.principal, record.id), ""));
  MultiWithPrincipalParent(
      std::move(ops), record.principal, 3,
      [id = record.id, done = std::move(done)](zk::MultiResult result) {
        if (!result.ok()) {
          return done(session::RedactSessionIdIn(StatusOf(result), id));
        }
        // A create reports no Stat in a multi; version 0 is certain.
        zk::Stat stat;
        stat.version = 0;
        done(stat);
      });
}

namespace {

// Decodes a read session znode for `done`.
zk::Callback<zk::NodeData> DecodeInto(const std::string& id,
                                      zk::Callback<StoredSession> done) {
  return [id, done = std::move(done)](Result<zk::NodeData> node) {
    if (!node.ok()) {
      if (node.status().IsNotFound()) {
        return done(
            Status::NotFound("no session " + session::RedactSessionId(id)));
      }
      return done(session::RedactSessionIdIn(node.status(), id));
    }
    Result<SessionRecord> record = DecodeSessionRecord(node->data);
    if (!record.ok()) {
      LOG(WARNING) << "session " << session::RedactSessionId(id)
                   << " has corrupt bytes: " << record.status();
      return done(record.status().WithContext("session " +
                                              session::RedactSessionId(id)));
    }
    if (record->id != id) {
      return done(Status::DataLoss("session " + session::RedactSessionId(id) +
                                   " holds the record of another id"));
    }
    done(StoredSession{std::move(*record), node->stat});
  };
}

}  // namespace

void SessionStore::Read(const std::string& id, zk::Callback<StoredSession> done,
                        zk::WatchCallback watch) {
  client_->Get(SessionPath(id), DecodeInto(id, std::move(done)),
               std::move(watch));
}

void SessionStore::ReadAndWatch(const std::string& id, zk::WatchSink* sink,
                                zk::Callback<StoredSession> done) {
  client_->GetAndWatch(SessionPath(id), sink, DecodeInto(id, std::move(done)));
}

std::string_view SessionStore::IdOfSessionPath(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

void SessionStore::Write(const SessionRecord& record, int32_t expected_version,
                         const std::vector<zk::Op>& fence,
                         zk::Callback<zk::Stat> done) {
  if (fence.empty()) {
    Result<std::string_view> bytes = EncodeInScratch(record);
    if (!bytes.ok()) {
      return done(bytes.status());
    }
    client_->Set(SessionPath(record.id), *bytes, expected_version,
                 [id = record.id, done = std::move(done)](Result<zk::Stat> r) {
                   if (!r.ok()) {
                     return done(session::RedactSessionIdIn(r.status(), id));
                   }
                   done(std::move(r));
                 });
    return;
  }
  Result<std::string> bytes = Encode(record);
  if (!bytes.ok()) {
    return done(bytes.status());
  }
  std::vector<zk::Op> ops;
  ops.push_back(
      zk::Op::Set(SessionPath(record.id), std::move(*bytes), expected_version));
  Append(ops, fence);
  client_->Multi(std::move(ops), [id = record.id, fence_size = fence.size(),
                                  done =
                                      std::move(done)](zk::MultiResult result) {
    if (!result.ok()) {
      return done(session::RedactSessionIdIn(StatusOf(result, fence_size), id));
    }
    done(result.results.front().stat);
  });
}

void SessionStore::Delete(const SessionRecord& record, int32_t expected_version,
                          const std::vector<zk::Op>& fence,
                          zk::DoneCallback done) {
  std::vector<zk::Op> ops;
  ops.push_back(zk::Op::Delete(SessionPath(record.id), expected_version));
  if (!record.principal.empty()) {
    ops.push_back(zk::Op::Delete(
        PrincipalEntryPath(record.principal, record.id), zk::kAnyVersion));
  }
  const bool has_index = ops.size() > 1;
  Append(ops, fence);
  client_->Multi(ops, [this, record, expected_version, has_index, fence,
                       done = std::move(done)](zk::MultiResult result) {
    if (has_index && FailedOnMissingIndexParent(result, 1)) {
      // The index entry is already gone; delete the session alone.
      std::vector<zk::Op> alone;
      alone.push_back(zk::Op::Delete(SessionPath(record.id), expected_version));
      Append(alone, fence);
      client_->Multi(
          std::move(alone),
          [id = record.id, fence_size = fence.size(), done](zk::MultiResult r) {
            done(session::RedactSessionIdIn(StatusOf(r, fence_size), id));
          });
      return;
    }
    done(session::RedactSessionIdIn(StatusOf(result, fence.size()), record.id));
  });
}

void SessionStore::Rotate(const SessionRecord& old_record, int32_t old_version,
                          const SessionRecord& new_record,
                          const std::vector<zk::Op>& fence,
                          zk::Callback<zk::Stat> done) {
  Result<std::string> bytes = Encode(new_record);
  if (!bytes.ok()) return done(bytes.status());
  std::vector<zk::Op> ops;
  ops.push_back(zk::Op::Delete(SessionPath(old_record.id), old_version));
  ops.push_back(zk::Op::Create(SessionPath(new_record.id), std::move(*bytes)));
  if (!old_record.principal.empty()) {
    ops.push_back(
        zk::Op::Delete(PrincipalEntryPath(old_record.principal, old_record.id),
                       zk::kAnyVersion));
    ops.push_back(zk::Op::Create(
        PrincipalEntryPath(new_record.principal, new_record.id), ""));
  }
  Append(ops, fence);
  MultiWithPrincipalParent(
      std::move(ops), new_record.principal, 3,
      [old_id = old_record.id, new_id = new_record.id,
       fence_size = fence.size(),
       done = std::move(done)](zk::MultiResult result) {
        if (!result.ok()) {
          return done(session::RedactSessionIdIn(
              session::RedactSessionIdIn(StatusOf(result, fence_size), old_id),
              new_id));
        }
        done(zk::Stat{});
      });
}

void SessionStore::ListPrincipal(const std::string& principal,
                                 zk::Callback<std::vector<std::string>> done) {
  client_->GetChildren(PrincipalPath(principal),
                       [done = std::move(done)](Result<zk::Children> children) {
                         if (!children.ok()) {
                           if (children.status().IsNotFound()) {
                             return done(std::vector<std::string>{});
                           }
                           return done(children.status());
                         }
                         done(std::move(children->names));
                       });
}

void SessionStore::Sync(zk::DoneCallback done) {
  client_->Sync(options_.root, std::move(done));
}

void SessionStore::QuorumBarrier(const std::string& id, zk::DoneCallback done) {
  client_->Multi({zk::Op::Check(SessionPath(id), zk::kAnyVersion)},
                 [id, done = std::move(done)](zk::MultiResult result) {
                   if (result.status.IsNotFound()) {
                     return done(Status::NotFound(
                         "no session " + session::RedactSessionId(id)));
                   }
                   done(session::RedactSessionIdIn(result.status, id));
                 });
}

void SessionStore::Stat(const std::string& id,
                        zk::Callback<std::optional<zk::Stat>> done) {
  client_->Exists(SessionPath(id), std::move(done));
}

void SessionStore::Watch(const std::string& id, zk::WatchCallback watch,
                         zk::Callback<std::optional<zk::Stat>> done) {
  client_->Exists(SessionPath(id), std::move(done), std::move(watch));
}

void SessionStore::Unwatch(const std::string& id) {
  client_->RemoveDataWatches(SessionPath(id), [](const Status& s) {
    if (!s.ok()) {
      VLOG(1) << "removing a cache watch: " << s;
    }
  });
}

}  // namespace sessionkeeper::store
