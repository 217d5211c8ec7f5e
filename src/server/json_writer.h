// JsonWriter: appends JSON tokens to a string, for the documents the
// service sends most (a session on every GET). Writing straight into the
// response body skips the per-field allocations of a JSON tree; the output
// is byte for byte what nlohmann's dump() gives for valid UTF-8 input.
//
// Strings must be valid UTF-8: callers check (and fall back to a tree,
// whose dump replaces invalid bytes) before writing.
#ifndef SESSIONKEEPER_SERVER_JSON_WRITER_H_
#define SESSIONKEEPER_SERVER_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace sessionkeeper::server {

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  // An object, as the document or as the value after Key.
  void BeginObject();
  void EndObject();
  // The key of the next member; commas are placed as needed. Every value
  // but the document itself follows a Key.
  void Key(std::string_view key);
  void String(std::string_view value);
  void Int(int64_t value);
  void Null();

 private:
  std::string* out_;
  bool first_in_object_ = true;
};

// `text` as a quoted JSON string, escaped as nlohmann's dump() does with
// ensure_ascii off: quote, backslash and control characters only.
void AppendJsonString(std::string* out, std::string_view text);

}  // namespace sessionkeeper::server

#endif  // SESSIONKEEPER_SERVER_JSON_WRITER_H_
