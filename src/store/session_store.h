// SessionStore: the znode layout of a SessionKeeper root and versioned,
// all-or-nothing operations on session records.
//
//   <root>/meta                      layout version and bucket count
//   <root>/sessions/<bb>/<id>        SessionRecord (FlatBuffers)
//   <root>/principals/<key>/<id>     empty; <key> = PrincipalKey(principal),
//                                    parents are container znodes
//   <root>/leases, <root>/members    (cluster lifecycle)
//   <root>/expiring/<id>             written in the same multi as an expiry
//                                    delete, so a delete whose reply was lost
//                                    can tell whether it applied
//
// A session and its principal-index entry change together in one multi, so
// there is never an orphaned index entry or a half-rotated id.
//
// Thread-safe; callbacks run on the zk::Client's callback thread. Does not own
// the client, which must outlive it.
#ifndef SESSIONKEEPER_STORE_SESSION_STORE_H_
#define SESSIONKEEPER_STORE_SESSION_STORE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sessionkeeper/result.h"
#include "store/session_record.h"
#include "zk/client.h"

namespace sessionkeeper::store {

struct StoreOptions {
  std::string root = "/sessionkeeper";
  // Used only when this call initialises the root.
  uint32_t bucket_count = 256;
  size_t max_session_bytes = 512 * 1024;
  int64_t now_ms = 0;  // Recorded in meta when initialising.
};

struct StoredSession {
  SessionRecord record;
  zk::Stat stat;
};

class SessionStore {
 public:
  // Creates the layout under `options.root` if missing (idempotent, safe to
  // race with other managers) and reads its meta. FailedPrecondition when the
  // root was written by an incompatible layout version.
  static Result<std::unique_ptr<SessionStore>> Open(zk::Client* client,
                                                    StoreOptions options);

  // Creates the session znode (and its index entry). AlreadyExists when the
  // id is taken.
  void Create(const SessionRecord& record, zk::Callback<zk::Stat> done);

  // Reads and decodes. NotFound, DataLoss (bytes fail verification: only this
  // session is affected), or Unavailable. `watch` as in zk::Client::Get.
  void Read(const std::string& id, zk::Callback<StoredSession> done,
            zk::WatchCallback watch = nullptr);
  // Read arming a data watch for `sink` (zk::Client::GetAndWatch): the
  // cache's fills, one watch per cached session with no state of ours.
  void ReadAndWatch(const std::string& id, zk::WatchSink* sink,
                    zk::Callback<StoredSession> done);
  // The session id at the end of a session znode's path (a sink's event).
  static std::string_view IdOfSessionPath(std::string_view path);

  // Writes below take a `fence`: check operations (a lease node's
  // existence) run in the same multi. When one fails the write fails with
  // Fenced and changes nothing. Empty: an unfenced write.

  // Replaces the record if the znode is still at `expected_version`
  // (Aborted otherwise). The principal cannot change.
  void Write(const SessionRecord& record, int32_t expected_version,
             const std::vector<zk::Op>& fence, zk::Callback<zk::Stat> done);

  // Deletes the session and its index entry if at `expected_version`.
  void Delete(const SessionRecord& record, int32_t expected_version,
              const std::vector<zk::Op>& fence, zk::DoneCallback done);

  // Atomically replaces `old_record` (at `old_version`) by `new_record`
  // under a new id, moving the index entry too.
  void Rotate(const SessionRecord& old_record, int32_t old_version,
              const SessionRecord& new_record, const std::vector<zk::Op>& fence,
              zk::Callback<zk::Stat> done);

  // Ids in the principal's index (unfiltered: callers re-check each).
  void ListPrincipal(const std::string& principal,
                     zk::Callback<std::vector<std::string>> done);

  // Brings the connected server up to date with the leader (not a quorum
  // operation: see ZOOKEEPER-1675).
  void Sync(zk::DoneCallback done);

  // A quorum operation on the session's znode (a multi holding one version
  // check that any version passes): a read issued after it completes sees
  // every write acknowledged before it started. NotFound when the session
  // does not exist.
  void QuorumBarrier(const std::string& id, zk::DoneCallback done);

  // The session znode's metadata (no watch).
  void Stat(const std::string& id, zk::Callback<std::optional<zk::Stat>> done);
  // Arms a data watch on the session znode; `done` gets its metadata.
  void Watch(const std::string& id, zk::WatchCallback watch,
             zk::Callback<std::optional<zk::Stat>> done);
  // Removes the data watches on the session znode, on the server too
  // (cache eviction); a sink watching it gets kRemoved.
  void Unwatch(const std::string& id);

  std::string SessionPath(const std::string& id) const;
  std::string BucketPath(uint32_t bucket) const;
  std::string ExpiringPath() const;
  std::string ExpiryMarkerPath(const std::string& id) const;
  std::string PrincipalPath(const std::string& principal) const;
  std::string PrincipalEntryPath(const std::string& principal,
                                 const std::string& id) const;
  const std::string& root() const { return options_.root; }
  uint32_t bucket_count() const { return bucket_count_; }
  size_t max_session_bytes() const { return options_.max_session_bytes; }

 private:
  SessionStore(zk::Client* client, StoreOptions options, uint32_t buckets);

  Status InitLayout();
  // Encodes and checks the size limit.
  Result<std::string> Encode(const SessionRecord& record) const;
  // The same, in this thread's scratch buffer (valid until its next
  // encode): for a request that copies the bytes at once.
  Result<std::string_view> EncodeInScratch(const SessionRecord& record) const;
  Status CheckSize(size_t encoded_bytes) const;
  // Runs `ops`; when an index operation failed because the principal's
  // container parent is missing, creates it and runs `ops` once more.
  void MultiWithPrincipalParent(std::vector<zk::Op> ops, std::string principal,
                                int attempts_left, zk::MultiCallback done);

  zk::Client* const client_;
  const StoreOptions options_;
  const uint32_t bucket_count_;
  const std::string sessions_prefix_;  // root + "/sessions/".
};

}  // namespace sessionkeeper::store

#endif  // SESSIONKEEPER_STORE_SESSION_STORE_H_
