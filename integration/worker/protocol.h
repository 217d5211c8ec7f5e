// The line protocol between a test and sk_worker. Every line is a word
// followed by key=value fields, values percent-escaped (so a line never
// holds a space, '=' or newline inside a value):
//   mutate id=AbC... set.color=red expect=3        a command (test -> worker)
//   ok version=4 expires_at=1700000000000          its reply
//   err code=NOT_FOUND unknown=0 message=no%20...  or its failure
//   event type=expired id=AbC... cause=idle        asynchronous (any time)
// The worker answers each command with exactly one "ok" or "err" line, in
// order; "event" lines may come in between.
#ifndef SESSIONKEEPER_INTEGRATION_WORKER_PROTOCOL_H_
#define SESSIONKEEPER_INTEGRATION_WORKER_PROTOCOL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sessionkeeper/status.h"

namespace sessionkeeper::worker {

// One protocol line. A value type; not thread-safe.
class Line {
 public:
  Line() = default;
  explicit Line(std::string word) : word_(std::move(word)) {}

  // "ok", or an "err" line carrying `status` (code, outcome_unknown and
  // message).
  static Line Ok() { return Line("ok"); }
  static Line Error(const Status& status);
  static Line Event(std::string_view type);
  // Parses one line (without its newline). Malformed fields (no '=') are
  // kept with an empty value.
  static Line Parse(std::string_view text);

  const std::string& word() const { return word_; }
  bool ok() const { return word_ == "ok"; }
  bool is_error() const { return word_ == "err"; }
  bool is_event() const { return word_ == "event"; }
  // For an "err" line, the Status it carries; OK otherwise.
  Status status() const;

  Line& Add(std::string key, std::string value);
  Line& Add(std::string key, const char* value) {
    return Add(std::move(key), std::string(value));
  }
  Line& Add(std::string key, int64_t value);
  Line& Add(std::string key, int value) {
    return Add(std::move(key), static_cast<int64_t>(value));
  }
  Line& Add(std::string key, uint64_t value);
  Line& Add(std::string key, bool value) {
    return Add(std::move(key), std::string(value ? "1" : "0"));
  }
  // A comma-separated list; the items must not contain ','.
  Line& AddList(std::string key, const std::vector<std::string>& items);

  // The first field named `key`.
  std::optional<std::string> Get(std::string_view key) const;
  std::string GetOr(std::string_view key, std::string fallback) const;
  // nullopt when absent or not an integer.
  std::optional<int64_t> GetInt(std::string_view key) const;
  int64_t GetIntOr(std::string_view key, int64_t fallback) const;
  std::vector<std::string> GetList(std::string_view key) const;
  const std::vector<std::pair<std::string, std::string>>& fields() const {
    return fields_;
  }

  // The wire form, without a newline.
  std::string Format() const;

 private:
  std::string word_;
  std::vector<std::pair<std::string, std::string>> fields_;
};

// Percent-escapes every byte outside '!'..'~' and '%', '=' (',' is kept:
// lists are comma-joined).
std::string Escape(std::string_view raw);
std::string Unescape(std::string_view escaped);

// The StatusCode whose StatusCodeName is `name`; kInternal when unknown.
StatusCode StatusCodeFromName(std::string_view name);

}  // namespace sessionkeeper::worker

#endif  // SESSIONKEEPER_INTEGRATION_WORKER_PROTOCOL_H_
