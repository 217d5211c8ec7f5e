// Writes the binary seed inputs of corpus/session_record and
// corpus/meta_member: records as this build encodes them, plus the near
// misses the decoders must refuse (each rule of DecodeSessionRecord broken
// once). Run from the repository root after a schema change that adds
// fields, to give the fuzzer records that carry them:
//
//   build-fuzz/fuzz/fuzz_make_seeds fuzz/corpus
//
// Existing files are overwritten with the same bytes; the v1 fixture
// (tests/data/session_record_v1.bin) is copied in by scripts/fuzz.sh's
// caller once, by hand, and never regenerated.
#include <flatbuffers/flatbuffers.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "session_generated.h"
#include "store/member_codec.h"
#include "store/meta_codec.h"
#include "store/session_codec.h"
#include "store/session_record.h"

namespace {

namespace fb = ::sessionkeeper::fb;
using sessionkeeper::store::EncodeSessionRecord;
using sessionkeeper::store::SessionRecord;

bool Write(const std::filesystem::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) {
    std::perror(file.c_str());
    return false;
  }
  return true;
}

SessionRecord Minimal() {
  SessionRecord record;
  record.id = "AAAAAAAAAAAAAAAAAAAAAA";
  record.max_idle_ms = 1;
  return record;
}

SessionRecord Full() {
  SessionRecord record;
  record.id = "q7_-Zz09AbCdEfGhIjKlMw";
  record.principal = "bob@example.com";
  record.created_at_ms = 1700000000000;
  record.last_access_at_ms = 1700000500000;
  record.max_idle_ms = 1800000;
  record.max_lifetime_ms = 86400000;
  record.attributes = {{"cart", "3 items"},
                       {"bin", std::string("\x00\x01\x02\xff", 4)},
                       {"empty", ""},
                       {"\xc3\xa9t\xc3\xa9", "\xe2\x82\xac 5"},
                       {"json", "{\"a\": [1, 2]}"}};
  record.last_writer = "node-b";
  record.write_nonce = 42;
  return record;
}

// A record with fields EncodeSessionRecord never writes: an arbitrary
// format_version and attributes in the given order (duplicates allowed).
std::string Raw(uint32_t format_version, const SessionRecord& record,
                const std::vector<std::pair<std::string, std::string>>& attrs) {
  flatbuffers::FlatBufferBuilder builder(256);
  const auto id = builder.CreateString(record.id);
  const auto principal = builder.CreateString(record.principal);
  const auto writer = builder.CreateString(record.last_writer);
  std::vector<flatbuffers::Offset<fb::Attribute>> stored;
  for (const auto& [name, value] : attrs) {
    const auto n = builder.CreateString(name);
    const auto v = builder.CreateVector(
        reinterpret_cast<const uint8_t*>(value.data()), value.size());
    stored.push_back(fb::CreateAttribute(builder, n, v));
  }
  const auto vec = builder.CreateVector(stored);
  fb::FinishSessionRecordBuffer(
      builder, fb::CreateSessionRecord(
                   builder, format_version, id, principal, record.created_at_ms,
                   record.last_access_at_ms, record.max_idle_ms,
                   record.max_lifetime_ms, vec, writer, record.write_nonce));
  return {reinterpret_cast<const char*>(builder.GetBufferPointer()),
          builder.GetSize()};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  const std::filesystem::path root = argv[1];
  const auto sessions = root / "session_record";
  const auto meta = root / "meta_member";
  std::filesystem::create_directories(sessions);
  std::filesystem::create_directories(meta);

  std::vector<std::pair<std::string, std::string>> seeds;
  seeds.emplace_back("valid-minimal", EncodeSessionRecord(Minimal()));
  seeds.emplace_back("valid-full", EncodeSessionRecord(Full()));
  {
    SessionRecord huge = Full();
    huge.created_at_ms = std::numeric_limits<int64_t>::max();
    huge.last_access_at_ms = std::numeric_limits<int64_t>::max();
    huge.max_idle_ms = std::numeric_limits<int64_t>::max();
    huge.max_lifetime_ms = std::numeric_limits<int64_t>::max();
    huge.write_nonce = std::numeric_limits<uint64_t>::max();
    seeds.emplace_back("valid-extreme-times", EncodeSessionRecord(huge));
  }
  {
    SessionRecord many = Minimal();
    for (int i = 0; i < 40; ++i) {
      many.attributes["a" + std::to_string(i)] = std::string(i, 'x');
    }
    seeds.emplace_back("valid-many-attributes", EncodeSessionRecord(many));
  }
  seeds.emplace_back("valid-newer-format",
                     Raw(7, Full(), {{"bin", "1"}, {"cart", "2"}}));
  seeds.emplace_back("valid-unsorted-attributes",
                     Raw(1, Full(), {{"z", "1"}, {"a", "2"}}));
  seeds.emplace_back("bad-duplicate-attribute",
                     Raw(1, Full(), {{"cart", "1"}, {"cart", "2"}}));
  seeds.emplace_back("bad-format-version-0", Raw(0, Full(), {}));
  seeds.emplace_back("bad-empty-attribute-name", Raw(1, Full(), {{"", "v"}}));
  seeds.emplace_back("bad-control-char-name", Raw(1, Full(), {{"a\nb", "v"}}));
  seeds.emplace_back("bad-invalid-utf8-name", Raw(1, Full(), {{"\xff", "v"}}));
  {
    SessionRecord r = Full();
    r.id = "../zookeeper/config000";
    seeds.emplace_back("bad-id-traversal", EncodeSessionRecord(r));
    r.id = "AAAAAAAAAAAAAAAAAAAAAB";  // Non-canonical last character.
    seeds.emplace_back("bad-id-noncanonical", EncodeSessionRecord(r));
    r.id = "";
    seeds.emplace_back("bad-id-empty", EncodeSessionRecord(r));
  }
  {
    SessionRecord r = Full();
    r.principal = std::string("ali\0ce", 6);
    seeds.emplace_back("bad-principal-nul", EncodeSessionRecord(r));
    r.principal = std::string(1025, 'p');
    seeds.emplace_back("bad-principal-too-long", EncodeSessionRecord(r));
  }
  {
    SessionRecord r = Full();
    r.max_idle_ms = 0;
    seeds.emplace_back("bad-max-idle-zero", EncodeSessionRecord(r));
    r = Full();
    r.created_at_ms = -1;
    seeds.emplace_back("bad-created-negative", EncodeSessionRecord(r));
    r = Full();
    r.max_lifetime_ms = -5;
    seeds.emplace_back("bad-lifetime-negative", EncodeSessionRecord(r));
  }
  {
    const std::string full = EncodeSessionRecord(Full());
    seeds.emplace_back("bad-truncated-half", full.substr(0, full.size() / 2));
    seeds.emplace_back("bad-truncated-whole-words",
                       full.substr(0, full.size() / 8 * 4));
    seeds.emplace_back("bad-odd-length", full + std::string(1, '\0'));
    std::string wrong_id = full;
    wrong_id[4] = 'X';
    seeds.emplace_back("bad-file-identifier", wrong_id);
  }
  for (const auto& [name, bytes] : seeds) {
    if (!Write(sessions / name, bytes)) return 1;
    // Say what the decoder makes of each, to check the near misses miss
    // for the intended reason.
    const auto decoded = sessionkeeper::store::DecodeSessionRecord(bytes);
    std::printf("%-28s %s\n", name.c_str(),
                decoded.ok() ? "decodes" : decoded.status().message().c_str());
  }

  using sessionkeeper::store::EncodeMember;
  using sessionkeeper::store::EncodeStoreMeta;
  using sessionkeeper::store::StoreMeta;
  if (!Write(meta / "meta-valid", EncodeStoreMeta(StoreMeta{1, 256, 1}))) {
    return 1;
  }
  if (!Write(meta / "meta-4096-buckets",
             EncodeStoreMeta(StoreMeta{1, 4096, 1700000000000}))) {
    return 1;
  }
  if (!Write(meta / "meta-bad-zero-buckets",
             EncodeStoreMeta(StoreMeta{1, 0, 0}))) {
    return 1;
  }
  if (!Write(meta / "member-valid",
             EncodeMember({"node-a", "10.0.0.1:8080", 1700000000000}))) {
    return 1;
  }
  if (!Write(meta / "member-empty", EncodeMember({"", "", 0}))) return 1;
  std::printf("wrote %zu session seeds and 5 meta/member seeds\n",
              seeds.size());
  return 0;
}
