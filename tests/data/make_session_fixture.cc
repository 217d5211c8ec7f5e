// Writes tests/data/session_record_v1.bin: a SessionRecord encoded by the
// first schema version, kept so every later build proves it still reads it.
//
// Not built by default, and never to be re-run once the file is committed:
// regenerating it with a later schema would defeat its purpose. It was made
// with (from the repository root):
//
//   flatc --cpp --scoped-enums -o /tmp/skgen flatbuffers/session.fbs
//   S=src/session T=src/store
//   F="$T/session_codec.cc $S/session_id.cc $S/names.cc src/common/status.cc"
//   F="$F tests/data/make_session_fixture.cc"
//   c++ -std=c++20 -Iinclude -Isrc -I/tmp/skgen $F -o /tmp/mkfixture
//   /tmp/mkfixture tests/data/session_record_v1.bin
//
// The expected values live in tests/store/session_fixture_test.cc too; keep
// the two in step only if this file is ever (deliberately) re-run.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "store/session_codec.h"
#include "store/session_record.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " OUTPUT.bin\n";
    return 2;
  }
  sessionkeeper::store::SessionRecord record;
  record.format_version = 1;
  record.id = "AAAAAAAAAAAAAAAAAAAAAA";
  record.principal = "alice@example.com";
  record.created_at_ms = 1700000000000;
  record.last_access_at_ms = 1700000100000;
  record.max_idle_ms = 1800000;
  record.max_lifetime_ms = 86400000;
  record.attributes = {{"cart", "3 items"},
                       {"bin", std::string("\x00\x01\x02\xff", 4)}};
  record.last_writer = "node-a";
  record.write_nonce = 0x0123456789abcdefULL;

  const std::string bytes = sessionkeeper::store::EncodeSessionRecord(record);
  // Never write a fixture this build could not read back identically.
  const auto decoded = sessionkeeper::store::DecodeSessionRecord(bytes);
  if (!decoded.ok() || !(*decoded == record)) {
    std::cerr << "record does not round-trip: " << decoded.status() << "\n";
    return 1;
  }
  std::ofstream out(argv[1], std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) {
    std::perror(argv[1]);
    return 1;
  }
  std::cout << "wrote " << bytes.size() << " bytes to " << argv[1] << "\n";
  return 0;
}
