// SessionManagerOptions: everything a SessionManager is opened with, and the
// documented defaults.
#ifndef SESSIONKEEPER_OPTIONS_H_
#define SESSIONKEEPER_OPTIONS_H_

#include <chrono>
#include <cstddef>
#include <string>

#include "sessionkeeper/clock.h"

namespace sessionkeeper {

enum class WriteMode {
  // A write returns after ZooKeeper acknowledged it.
  kWriteThrough,
  // A write returns at once; dirty sessions are flushed every
  // write_behind_interval (and by Flush() and on close). A crash loses the
  // writes of at most the last interval plus one flush.
  kWriteBehind,
};

struct SessionManagerOptions {
  // ZooKeeper connect string, "host:port,host:port[/chroot]".
  std::string connect_string;
  // Root znode of this store (under the chroot, if any).
  std::string root = "/sessionkeeper";
  // File with one line "user:password" for ZooKeeper digest auth; empty for
  // none. With credentials every znode gets a creator-only ACL.
  std::string credentials_file;
  // This manager's name in records and membership (unique per manager);
  // empty: "<host>-<pid>-<n>".
  std::string node_id;

  // ZooKeeper session timeout requested from the server.
  std::chrono::milliseconds zk_session_timeout{10000};
  // How long Open waits for the first connection.
  std::chrono::milliseconds connect_timeout{15000};

  // Defaults for sessions created without their own.
  std::chrono::milliseconds default_max_idle{30 * 60 * 1000};
  std::chrono::milliseconds default_max_lifetime{0};  // 0: none.

  // Encoded size limit of one session (never above what ZooKeeper's
  // jute.maxbuffer allows; Open rejects larger values).
  size_t max_session_bytes = 512 * 1024;
  size_t max_attributes = 1024;

  // A read writes the last-access time back only when the stored one is
  // older than this fraction of max idle, so read-heavy sessions cost no
  // ZooKeeper writes. 0 touches on every read.
  double touch_fraction = 0.1;

  // Bounded retries of a write that lost a version race, with jittered
  // backoff up to max_retry_backoff.
  int max_write_attempts = 32;
  std::chrono::milliseconds max_retry_backoff{20};

  // How long a call keeps retrying while ZooKeeper is unreachable, and how
  // long it keeps trying to learn whether a write whose reply was lost was
  // applied, before it reports Unavailable.
  std::chrono::milliseconds operation_timeout{10000};

  // The watch-invalidated session cache. Every cached session holds one
  // ZooKeeper watch, and on reconnect the C client re-sends all of them in
  // one packet, which must fit in the servers' jute.maxbuffer: Open rejects
  // a cache whose watches could not (see zk_max_packet_bytes). 0 disables
  // the cache (cached reads then go to the server).
  size_t cache_max_entries = 10000;
  size_t cache_max_bytes = 64 * 1024 * 1024;
  // The servers' jute.maxbuffer (ZooKeeper's default is 1 MiB).
  size_t zk_max_packet_bytes = 1024 * 1024;

  // How often this manager looks for expired sessions in the buckets it
  // owns: an expired session is deleted within its deadline plus about this
  // much (while any member lives). A session another member created is
  // known to the owner within eight times this (at most 4 s): one with a
  // shorter max idle may be deleted up to that long after creation.
  std::chrono::milliseconds expiry_granularity{500};
  // Expiry markers (docs/architecture.md) that a crashed member left behind
  // are removed by their bucket's owner after one to two of these periods.
  // A member that cannot reach ZooKeeper for longer than that while
  // resolving its own expiry may lose that session's expired event.
  std::chrono::milliseconds expiry_marker_sweep_period{5 * 60 * 1000};
  // Published in this manager's member record (e.g. the daemon's address).
  std::string member_address;

  WriteMode write_mode = WriteMode::kWriteThrough;
  std::chrono::milliseconds write_behind_interval{1000};

  // Session buckets under <root>/sessions; used only when the root is first
  // initialised (the meta znode then fixes it for every manager).
  uint32_t bucket_count = 256;

  // Where time comes from (not owned; must outlive the manager). Null: the
  // system clock.
  const Clock* clock = nullptr;
};

}  // namespace sessionkeeper

#endif  // SESSIONKEEPER_OPTIONS_H_
