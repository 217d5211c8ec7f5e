// Session id generation (getrandom + base64url), validation and bucketing.
#include "session/session_id.h"

#include <sys/random.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <system_error>

namespace sessionkeeper::session {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// The 6-bit value of a base64url character, or -1.
constexpr int DecodeCharSlow(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// Every cached read validates its id: a table lookup per character instead
// of five range tests (the validation was 15 % of a cached GetShared).
constexpr std::array<int8_t, 256> kDecodeTable = [] {
  std::array<int8_t, 256> table{};
  for (int c = 0; c < 256; ++c) {
    table[c] = static_cast<int8_t>(DecodeCharSlow(static_cast<char>(c)));
  }
  return table;
}();

int DecodeChar(char c) { return kDecodeTable[static_cast<unsigned char>(c)]; }

// 22 characters hold 132 bits for 128 of data: the last character carries
// only its top 2 bits, and the rest must be zero for a single spelling.
constexpr unsigned kUnusedTailBits = kSessionIdLength * 6 - kSessionIdBytes * 8;
static_assert(kUnusedTailBits == 4);

Status FillRandom(std::array<unsigned char, kSessionIdBytes>& out) {
  size_t filled = 0;
  while (filled < out.size()) {
    const ssize_t got = getrandom(out.data() + filled, out.size() - filled, 0);
    if (got < 0) {
      const int error = errno;
      if (error == EINTR) continue;
      return Status::Unavailable(
          "getrandom failed: " +
          std::error_code(error, std::generic_category()).message());
    }
    filled += static_cast<size_t>(got);
  }
  return Status::Ok();
}

std::string EncodeBase64Url(
    const std::array<unsigned char, kSessionIdBytes>& bytes) {
  std::string out;
  out.reserve(kSessionIdLength);
  uint32_t acc = 0;
  unsigned bits = 0;
  for (const unsigned char byte : bytes) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 0x3fU];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 0x3fU];
  return out;
}

uint32_t ClampBucketCount(uint32_t bucket_count) {
  return std::clamp(bucket_count, kMinBucketCount, kMaxBucketCount);
}

}  // namespace

Result<std::string> NewSessionId() {
  std::array<unsigned char, kSessionIdBytes> bytes{};
  SK_RETURN_IF_ERROR(FillRandom(bytes));
  return EncodeBase64Url(bytes);
}

Status ValidateSessionId(std::string_view id) {
  if (id.size() != kSessionIdLength) {
    return Status::InvalidArgument(
        "session id must be " + std::to_string(kSessionIdLength) +
        " characters (got " + std::to_string(id.size()) + ")");
  }
  int all = 0;  // Negative when any character is outside the alphabet.
  for (const char c : id) all |= DecodeChar(c);
  if (all < 0) {
    for (size_t i = 0; i < id.size(); ++i) {
      if (DecodeChar(id[i]) < 0) {
        return Status::InvalidArgument(
            "session id has a character outside A-Za-z0-9-_ at offset " +
            std::to_string(i));
      }
    }
  }
  const unsigned tail_mask = (1U << kUnusedTailBits) - 1;
  if ((static_cast<unsigned>(DecodeChar(id.back())) & tail_mask) != 0) {
    return Status::InvalidArgument(
        "session id is not canonical (its last character must be one of "
        "A, Q, g, w)");
  }
  return Status::Ok();
}

uint32_t SessionBucket(std::string_view valid_id, uint32_t bucket_count) {
  // The first 18 bits of the id are its first three characters; the first
  // two random bytes are the top 16 of them.
  uint32_t bits = 0;
  for (size_t i = 0; i < 3; ++i) {
    const int value = i < valid_id.size() ? DecodeChar(valid_id[i]) : -1;
    bits = (bits << 6) | static_cast<uint32_t>(value < 0 ? 0 : value);
  }
  const uint32_t first_two_bytes = bits >> 2;
  return first_two_bytes % ClampBucketCount(bucket_count);
}

std::string BucketName(uint32_t bucket, uint32_t bucket_count) {
  int width = 1;
  for (uint32_t rest = (ClampBucketCount(bucket_count) - 1) >> 4; rest != 0;
       rest >>= 4) {
    ++width;
  }
  // Lower-case hex, zero-padded to `width` digits (what "%0*x" prints,
  // without the formatting machinery on every session path).
  static constexpr char kHex[] = "0123456789abcdef";
  std::string name(static_cast<size_t>(width), '0');
  for (int i = width - 1; i >= 0 && bucket != 0; --i, bucket >>= 4) {
    name[static_cast<size_t>(i)] = kHex[bucket & 0xfU];
  }
  return name;
}

std::string RedactSessionId(std::string_view id) {
  return std::string(id.substr(0, 4)) + "...";
}

Status RedactSessionIdIn(const Status& status, std::string_view id) {
  if (status.ok() || id.empty()) return status;
  std::string message = status.message();
  const std::string redacted = RedactSessionId(id);
  for (size_t pos = message.find(id); pos != std::string::npos;
       pos = message.find(id, pos + redacted.size())) {
    message.replace(pos, id.size(), redacted);
  }
  return {status.code(), message, status.outcome_unknown()};
}

}  // namespace sessionkeeper::session
