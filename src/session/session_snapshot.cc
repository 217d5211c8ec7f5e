// SessionSnapshot's buffer: id, principal, then per attribute (sorted by
// name) varint(name size), name, varint(value size), value. The expiry
// rule is in record_view.cc, with Session's.
#include "sessionkeeper/session_snapshot.h"

#include <algorithm>
#include <cstdlib>
#include <limits>

namespace sessionkeeper {

namespace {

size_t VarintBytes(size_t n) {
  size_t bytes = 1;
  while (n >= 0x80) {
    n >>= 7;
    ++bytes;
  }
  return bytes;
}

char* PutVarint(char* out, size_t n) {
  while (n >= 0x80) {
    *out++ = static_cast<char>((n & 0x7f) | 0x80);
    n >>= 7;
  }
  *out++ = static_cast<char>(n);
  return out;
}

// Only reads what PutVarint wrote, so no bounds checks beyond the buffer's.
const char* GetVarint(const char* in, size_t* n) {
  size_t value = 0;
  int shift = 0;
  while ((static_cast<unsigned char>(*in) & 0x80) != 0) {
    value |= static_cast<size_t>(static_cast<unsigned char>(*in) & 0x7f)
             << shift;
    shift += 7;
    ++in;
  }
  value |= static_cast<size_t>(static_cast<unsigned char>(*in)) << shift;
  *n = value;
  return in + 1;
}

uint32_t CheckedSize(size_t n) {
  // Unreachable through the manager: the ZooKeeper packet limit keeps a
  // stored session far below 4 GiB. A caller building a bigger one by hand
  // gets a crash rather than a truncated copy.
  if (n > std::numeric_limits<uint32_t>::max()) {
    std::abort();
  }
  return static_cast<uint32_t>(n);
}

}  // namespace

SessionSnapshot::AttributeIterator::AttributeIterator(const char* at,
                                                      const char* end)
    : at_(at), end_(end) {
  Decode();
}

SessionSnapshot::AttributeIterator&
SessionSnapshot::AttributeIterator::operator++() {
  at_ = next_;
  Decode();
  return *this;
}

void SessionSnapshot::AttributeIterator::Decode() {
  if (at_ == end_) {
    return;
  }
  size_t size = 0;
  const char* p = GetVarint(at_, &size);
  current_.first = std::string_view(p, size);
  p = GetVarint(p + size, &size);
  current_.second = std::string_view(p, size);
  next_ = p + size;
}

SessionSnapshot::SessionSnapshot(
    const Fields& fields, const std::map<std::string, std::string>& attributes)
    : created_at_ms_(fields.created_at_ms),
      last_access_at_ms_(fields.last_access_at_ms),
      max_idle_ms_(fields.max_idle_ms),
      max_lifetime_ms_(fields.max_lifetime_ms),
      id_bytes_(CheckedSize(fields.id.size())),
      principal_bytes_(CheckedSize(fields.principal.size())),
      attribute_count_(CheckedSize(attributes.size())),
      version_(fields.version),
      stale_(fields.stale) {
  size_t size = fields.id.size() + fields.principal.size();
  for (const auto& [name, value] : attributes) {
    size += VarintBytes(name.size()) + name.size() + VarintBytes(value.size()) +
            value.size();
  }
  size_ = CheckedSize(size);
  // Not value-initialized: every byte is written below.
  data_.reset(new char[size_ > 0 ? size_ : 1]);
  char* out = data_.get();
  out = std::copy_n(fields.id.data(), fields.id.size(), out);
  out = std::copy_n(fields.principal.data(), fields.principal.size(), out);
  for (const auto& [name, value] : attributes) {
    out = PutVarint(out, name.size());
    out = std::copy_n(name.data(), name.size(), out);
    out = PutVarint(out, value.size());
    out = std::copy_n(value.data(), value.size(), out);
  }
}

SessionSnapshot::SessionSnapshot(const Session& session)
    : SessionSnapshot(
          Fields{session.id, session.principal, session.created_at_ms,
                 session.last_access_at_ms, session.max_idle_ms,
                 session.max_lifetime_ms, session.version, session.stale},
          session.attributes) {}

SessionSnapshot::SessionSnapshot(const SessionSnapshot& other)
    : data_(new char[other.size_ > 0 ? other.size_ : 1]),
      created_at_ms_(other.created_at_ms_),
      last_access_at_ms_(other.last_access_at_ms_),
      max_idle_ms_(other.max_idle_ms_),
      max_lifetime_ms_(other.max_lifetime_ms_),
      size_(other.size_),
      id_bytes_(other.id_bytes_),
      principal_bytes_(other.principal_bytes_),
      attribute_count_(other.attribute_count_),
      version_(other.version_),
      stale_(other.stale_) {
  std::copy_n(other.data_.get(), size_, data_.get());
}

SessionSnapshot& SessionSnapshot::operator=(const SessionSnapshot& other) {
  if (this != &other) {
    *this = SessionSnapshot(other);
  }
  return *this;
}

std::optional<std::string_view> SessionSnapshot::FindAttribute(
    std::string_view name) const {
  for (const auto& [candidate, value] : attributes()) {
    if (candidate == name) {
      return value;
    }
    if (candidate > name) {
      break;  // Sorted: it is not further on.
    }
  }
  return std::nullopt;
}

Session SessionSnapshot::ToSession() const {
  Session s;
  s.id = id();
  s.principal = principal();
  s.created_at_ms = created_at_ms_;
  s.last_access_at_ms = last_access_at_ms_;
  s.max_idle_ms = max_idle_ms_;
  s.max_lifetime_ms = max_lifetime_ms_;
  s.version = version_;
  s.stale = stale_;
  for (const auto& [name, value] : attributes()) {
    // In order: each goes in at the end, without a search.
    s.attributes.emplace_hint(s.attributes.end(), name, value);
  }
  return s;
}

SessionSnapshot SessionSnapshot::MarkedStale() const {
  SessionSnapshot copy(*this);
  copy.stale_ = true;
  return copy;
}

}  // namespace sessionkeeper
