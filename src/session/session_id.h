// Session ids: 128 random bits from the kernel CSPRNG as base64url text, the
// exact-format check every id passes before it becomes part of a znode path,
// and the id's bucket (/<root>/sessions/<bucket>/<id>).
#ifndef SESSIONKEEPER_SESSION_SESSION_ID_H_
#define SESSIONKEEPER_SESSION_SESSION_ID_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sessionkeeper/result.h"
#include "sessionkeeper/status.h"

namespace sessionkeeper::session {

inline constexpr size_t kSessionIdBytes = 16;
// Base64url without padding: ceil(16 * 8 / 6).
inline constexpr size_t kSessionIdLength = 22;

// Bucket counts SessionBucket and BucketName accept (a root's bucket count is
// fixed when the root is created).
inline constexpr uint32_t kMinBucketCount = 1;
inline constexpr uint32_t kMaxBucketCount = 4096;

// A fresh id: kSessionIdBytes from getrandom(2), base64url-encoded without
// padding (kSessionIdLength characters of A-Za-z0-9-_). Unavailable when the
// kernel cannot supply randomness; never falls back to a weaker source.
// Thread-safe.
Result<std::string> NewSessionId();

// OK only for the exact format NewSessionId produces: kSessionIdLength
// characters of the base64url alphabet whose last character is canonical
// (it carries 2 data bits, so its 4 low bits must be zero: 'A', 'Q', 'g' or
// 'w'). Each id therefore has exactly one spelling, and nothing else (path
// separators, "..", percent-escapes, NUL, non-ASCII) can reach a znode path.
// The InvalidArgument message never repeats the input: ids are bearer
// credentials, and the input may be hostile.
Status ValidateSessionId(std::string_view id);

// The bucket of a valid id: the first two random bytes of the id (decoded,
// big-endian) modulo `bucket_count`, in [0, bucket_count). Stable across
// builds: it decides where a session is stored. `bucket_count` outside
// [kMinBucketCount, kMaxBucketCount] is clamped into it; an invalid id gives
// some bucket in range (never undefined behaviour), so callers must
// validate ids first.
uint32_t SessionBucket(std::string_view valid_id, uint32_t bucket_count);

// The znode name of `bucket`: lowercase hex, zero-padded to the width of
// bucket_count - 1 (at least one digit), e.g. "0f" of 256, "0ff" of 4096, so
// that names sort like numbers. `bucket_count` is clamped as above.
std::string BucketName(uint32_t bucket, uint32_t bucket_count);

// An id is a bearer credential: logs and error messages show only its first
// four characters ("AbCd...").
std::string RedactSessionId(std::string_view id);

// `status` with every occurrence of `id` in its message redacted.
Status RedactSessionIdIn(const Status& status, std::string_view id);

}  // namespace sessionkeeper::session

#endif  // SESSIONKEEPER_SESSION_SESSION_ID_H_
