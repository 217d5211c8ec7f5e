// SessionRecord <-> FlatBuffers. The only file that includes the generated
// session schema; everything above it sees plain SessionRecord values.
#include "store/session_codec.h"

#include <flatbuffers/flatbuffers.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "session/names.h"
#include "session/session_id.h"
#include "session_generated.h"

namespace sessionkeeper::store {
namespace {

namespace fb = ::sessionkeeper::fb;

// The schema nests SessionRecord -> attributes -> Attribute; anything deeper
// is not a record of ours.
constexpr flatbuffers::uoffset_t kMaxDepth = 8;
// FlatBuffers reads scalars in place, so the buffer must start at an address
// aligned for its widest scalar (int64/uint64). The verifier checks alignment
// only relative to the buffer start.
constexpr uintptr_t kBufferAlignment = alignof(uint64_t);
// Every finished FlatBuffer is padded to a multiple of its largest alignment,
// at least that of its 4-byte root offset. Any other length is a torn or
// truncated value (cutting only the final padding would still verify).
constexpr size_t kLengthMultiple = sizeof(flatbuffers::uoffset_t);

Status Corrupt(std::string_view what) {
  return Status::DataLoss("session record: " + std::string(what));
}

std::string_view View(const flatbuffers::String* text) {
  return text == nullptr ? std::string_view()
                         : std::string_view(text->c_str(), text->size());
}

Result<SessionRecord> DecodeVerified(const fb::SessionRecord& stored) {
  SessionRecord record;
  record.format_version = stored.format_version();
  if (record.format_version < 1) return Corrupt("format_version is 0");

  record.id = View(stored.id());
  if (const Status s = session::ValidateSessionId(record.id); !s.ok()) {
    return Corrupt("id: " + s.message());
  }
  record.principal = View(stored.principal());
  if (!record.principal.empty()) {
    if (const Status s = session::ValidatePrincipal(record.principal);
        !s.ok()) {
      return Corrupt("principal: " + s.message());
    }
  }

  // No ordering between the times is required: they come from the clocks of
  // different nodes.
  record.created_at_ms = stored.created_at_ms();
  record.last_access_at_ms = stored.last_access_at_ms();
  record.max_idle_ms = stored.max_idle_ms();
  record.max_lifetime_ms = stored.max_lifetime_ms();
  if (record.created_at_ms < 0) return Corrupt("created_at_ms is negative");
  if (record.last_access_at_ms < 0) {
    return Corrupt("last_access_at_ms is negative");
  }
  if (record.max_idle_ms <= 0) return Corrupt("max_idle_ms is not positive");
  if (record.max_lifetime_ms < 0) {
    return Corrupt("max_lifetime_ms is negative");
  }

  if (const auto* attributes = stored.attributes(); attributes != nullptr) {
    for (const fb::Attribute* attribute : *attributes) {
      const std::string_view name = View(attribute->name());
      if (const Status s = session::ValidateAttributeName(name); !s.ok()) {
        return Corrupt("attribute: " + s.message());
      }
      std::string value;
      if (const auto* bytes = attribute->value(); bytes != nullptr) {
        value.assign(reinterpret_cast<const char*>(bytes->data()),
                     bytes->size());
      }
      if (!record.attributes.emplace(name, std::move(value)).second) {
        return Corrupt("duplicate attribute name");
      }
    }
  }

  record.last_writer = View(stored.last_writer());
  record.write_nonce = stored.write_nonce();
  return record;
}

}  // namespace

namespace {

// Builds the record's FlatBuffer in `builder` (which must be empty), with
// `attributes` as scratch space for the attribute offsets.
void BuildSessionRecord(
    const SessionRecord& record, flatbuffers::FlatBufferBuilder& builder,
    std::vector<flatbuffers::Offset<fb::Attribute>>& attributes) {
  const auto id = builder.CreateString(record.id);
  const auto principal = builder.CreateString(record.principal);
  const auto last_writer = builder.CreateString(record.last_writer);

  // std::map iterates in byte order, which is the order FlatBuffers' key
  // comparison uses, so the vector comes out sorted by name.
  attributes.clear();
  attributes.reserve(record.attributes.size());
  for (const auto& [name, value] : record.attributes) {
    const auto stored_name = builder.CreateString(name);
    const auto stored_value = builder.CreateVector(
        reinterpret_cast<const uint8_t*>(value.data()), value.size());
    attributes.push_back(
        fb::CreateAttribute(builder, stored_name, stored_value));
  }
  const auto stored_attributes = builder.CreateVector(attributes);

  const auto root = fb::CreateSessionRecord(
      builder, kSessionFormatVersion, id, principal, record.created_at_ms,
      record.last_access_at_ms, record.max_idle_ms, record.max_lifetime_ms,
      stored_attributes, last_writer, record.write_nonce);
  fb::FinishSessionRecordBuffer(builder, root);
}

std::string_view BytesOf(const flatbuffers::FlatBufferBuilder& builder) {
  return {reinterpret_cast<const char*>(builder.GetBufferPointer()),
          builder.GetSize()};
}

}  // namespace

std::string EncodeSessionRecord(const SessionRecord& record) {
  // Sized for the whole record up front: growing the builder's buffer
  // would move it several times for a session of a few KiB.
  size_t estimate = 128 + record.id.size() + record.principal.size() +
                    record.last_writer.size();
  for (const auto& [name, value] : record.attributes) {
    estimate += name.size() + value.size() + 32;
  }
  flatbuffers::FlatBufferBuilder builder(estimate);
  std::vector<flatbuffers::Offset<fb::Attribute>> attributes;
  BuildSessionRecord(record, builder, attributes);
  return std::string(BytesOf(builder));
}

std::string_view EncodeSessionRecordInScratch(const SessionRecord& record) {
  constexpr size_t kKeptCapacity = size_t{256} * 1024;
  thread_local flatbuffers::FlatBufferBuilder builder(4096);
  thread_local std::vector<flatbuffers::Offset<fb::Attribute>> attributes;
  // The builder does not tell its capacity; the last record's size bounds
  // it from below (its growth steps add at most half again).
  thread_local size_t last_size = 0;
  if (last_size > kKeptCapacity) {
    builder.Reset();  // Frees it: the next buffer starts small again.
  } else {
    builder.Clear();  // Keeps the buffer.
  }
  BuildSessionRecord(record, builder, attributes);
  last_size = builder.GetSize();
  return BytesOf(builder);
}

Result<SessionRecord> DecodeSessionRecord(std::string_view bytes) {
  if (bytes.empty()) return Corrupt("empty");
  // The verifier's own precondition; checked before a byte is read.
  if (bytes.size() >= FLATBUFFERS_MAX_BUFFER_SIZE) return Corrupt("too large");
  // The identifier check below reads the root offset and identifier.
  if (bytes.size() <
      sizeof(flatbuffers::uoffset_t) + flatbuffers::kFileIdentifierLength) {
    return Corrupt("too short");
  }
  if (bytes.size() % kLengthMultiple != 0) {
    return Corrupt("length is not a whole FlatBuffer (truncated?)");
  }
  if (!fb::SessionRecordBufferHasIdentifier(bytes.data())) {
    return Corrupt("wrong file identifier (expected SKSR)");
  }

  // Copy only when the caller's bytes are misaligned (ZooKeeper's replies are
  // malloc'ed, so this is rare).
  std::vector<uint64_t> aligned;
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  if (reinterpret_cast<uintptr_t>(data) % kBufferAlignment != 0) {
    aligned.resize((bytes.size() + sizeof(uint64_t) - 1) / sizeof(uint64_t));
    std::memcpy(aligned.data(), bytes.data(), bytes.size());
    data = reinterpret_cast<const uint8_t*>(aligned.data());
  }

  flatbuffers::Verifier::Options options;
  options.max_depth = kMaxDepth;
  // Each table starts with a 4-byte vtable offset, so an honest buffer holds
  // at most size/4 of them; this bounds the verifier's work by the input.
  options.max_tables =
      static_cast<flatbuffers::uoffset_t>(bytes.size() / sizeof(uint32_t));
  flatbuffers::Verifier verifier(data, bytes.size(), options);
  if (!fb::VerifySessionRecordBuffer(verifier)) {
    return Corrupt("not a valid FlatBuffer");
  }
  return DecodeVerified(*fb::GetSessionRecord(data));
}

}  // namespace sessionkeeper::store
