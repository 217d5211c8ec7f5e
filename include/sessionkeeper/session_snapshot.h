// SessionSnapshot: an immutable, compact copy of one session, for sharing.
//
// The manager's cache keeps each session in this form, and GetShared hands
// out the cache's own snapshot without copying it. Every string (id,
// principal, attribute names and values) sits in one buffer, the attributes
// sorted by name, each length a varint: a 1 KiB session with ten attributes
// takes one buffer of about 1.05 KiB where a Session, with a tree node and
// heap strings per attribute, takes over twice that.
//
// Attribute lookup is a scan of the buffer (sessions hold few attributes);
// ToSession() gives the std::map form for code that looks up many.
#ifndef SESSIONKEEPER_SESSION_SNAPSHOT_H_
#define SESSIONKEEPER_SESSION_SNAPSHOT_H_

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "sessionkeeper/session.h"

namespace sessionkeeper {

class SessionSnapshot {
 public:
  // Everything but the attributes; the strings are copied in.
  struct Fields {
    std::string_view id;
    std::string_view principal;
    int64_t created_at_ms = 0;
    int64_t last_access_at_ms = 0;
    int64_t max_idle_ms = 0;
    int64_t max_lifetime_ms = 0;
    int32_t version = 0;
    bool stale = false;
  };

  // (name, value), viewing the snapshot's buffer.
  using Attribute = std::pair<std::string_view, std::string_view>;

  class AttributeIterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Attribute;
    using difference_type = std::ptrdiff_t;
    using pointer = const Attribute*;
    using reference = const Attribute&;

    AttributeIterator() = default;
    AttributeIterator(const char* at, const char* end);

    reference operator*() const { return current_; }
    pointer operator->() const { return &current_; }
    AttributeIterator& operator++();
    AttributeIterator operator++(int) {
      AttributeIterator before = *this;
      ++*this;
      return before;
    }
    friend bool operator==(const AttributeIterator& a,
                           const AttributeIterator& b) {
      return a.at_ == b.at_;
    }
    friend bool operator!=(const AttributeIterator& a,
                           const AttributeIterator& b) {
      return a.at_ != b.at_;
    }

   private:
    void Decode();

    const char* at_ = nullptr;    // This attribute's encoding.
    const char* next_ = nullptr;  // The next one's.
    const char* end_ = nullptr;
    Attribute current_;
  };

  class AttributeRange {
   public:
    AttributeRange(const char* begin, const char* end, size_t count)
        : begin_(begin), end_(end), count_(count) {}
    AttributeIterator begin() const { return {begin_, end_}; }
    AttributeIterator end() const { return {end_, end_}; }
    size_t size() const { return count_; }
    bool empty() const { return count_ == 0; }

   private:
    const char* begin_;
    const char* end_;
    size_t count_;
  };

  // `attributes` in std::map order: sorted by name, no duplicates. All the
  // strings together must stay under 4 GiB (the process aborts otherwise;
  // sessions read from ZooKeeper are far smaller).
  SessionSnapshot(const Fields& fields,
                  const std::map<std::string, std::string>& attributes);
  explicit SessionSnapshot(const Session& session);
  SessionSnapshot(const SessionSnapshot& other);
  SessionSnapshot& operator=(const SessionSnapshot& other);
  SessionSnapshot(SessionSnapshot&&) noexcept = default;
  SessionSnapshot& operator=(SessionSnapshot&&) noexcept = default;
  ~SessionSnapshot() = default;

  std::string_view id() const { return {data_.get(), id_bytes_}; }
  // Empty when the session has none.
  std::string_view principal() const {
    return {data_.get() + id_bytes_, principal_bytes_};
  }
  int64_t created_at_ms() const { return created_at_ms_; }
  int64_t last_access_at_ms() const { return last_access_at_ms_; }
  int64_t max_idle_ms() const { return max_idle_ms_; }
  int64_t max_lifetime_ms() const { return max_lifetime_ms_; }  // 0: none.
  // As Session::version and Session::stale.
  int32_t version() const { return version_; }
  bool stale() const { return stale_; }

  // As Session::expires_at_ms.
  int64_t expires_at_ms() const;
  bool ExpiredAt(int64_t now_ms) const { return now_ms >= expires_at_ms(); }

  // Sorted by name.
  AttributeRange attributes() const {
    const char* begin = data_.get() + id_bytes_ + principal_bytes_;
    return {begin, data_.get() + size_, attribute_count_};
  }
  std::optional<std::string_view> FindAttribute(std::string_view name) const;

  Session ToSession() const;
  // A copy whose stale() is true.
  SessionSnapshot MarkedStale() const;
  // What this snapshot occupies: the object and its buffer.
  size_t MemoryBytes() const { return sizeof(*this) + size_; }

 private:
  std::unique_ptr<char[]> data_;  // id, principal, then the attributes.
  int64_t created_at_ms_ = 0;
  int64_t last_access_at_ms_ = 0;
  int64_t max_idle_ms_ = 0;
  int64_t max_lifetime_ms_ = 0;
  uint32_t size_ = 0;
  uint32_t id_bytes_ = 0;
  uint32_t principal_bytes_ = 0;
  uint32_t attribute_count_ = 0;
  int32_t version_ = 0;
  bool stale_ = false;
};

}  // namespace sessionkeeper

#endif  // SESSIONKEEPER_SESSION_SNAPSHOT_H_
