// Formatting and parsing sk_worker's protocol lines.
#include "worker/protocol.h"

#include <charconv>

namespace sessionkeeper::worker {

namespace {

constexpr char kHex[] = "0123456789ABCDEF";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

std::string Escape(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (const char c : raw) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '%' || c == '=') {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

std::string Unescape(std::string_view escaped) {
  std::string out;
  out.reserve(escaped.size());
  for (size_t i = 0; i < escaped.size(); ++i) {
    if (escaped[i] == '%' && i + 2 < escaped.size() &&
        HexValue(escaped[i + 1]) >= 0 && HexValue(escaped[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(escaped[i + 1]) * 16 +
                               HexValue(escaped[i + 2]));
      i += 2;
    } else {
      out += escaped[i];
    }
  }
  return out;
}

StatusCode StatusCodeFromName(std::string_view name) {
  for (int c = static_cast<int>(StatusCode::kOk);
       c <= static_cast<int>(StatusCode::kInternal); ++c) {
    if (StatusCodeName(static_cast<StatusCode>(c)) == name) {
      return static_cast<StatusCode>(c);
    }
  }
  return StatusCode::kInternal;
}

Line Line::Error(const Status& status) {
  Line line("err");
  line.Add("code", std::string(StatusCodeName(status.code())));
  line.Add("unknown", status.outcome_unknown());
  line.Add("message", status.message());
  return line;
}

Line Line::Event(std::string_view type) {
  Line line("event");
  line.Add("type", std::string(type));
  return line;
}

Status Line::status() const {
  if (!is_error()) return Status::Ok();
  StatusCode code = StatusCodeFromName(GetOr("code", "INTERNAL"));
  // An "err" line always fails, even if it names OK.
  if (code == StatusCode::kOk) code = StatusCode::kInternal;
  return {code, GetOr("message", ""), GetIntOr("unknown", 0) != 0};
}

Line Line::Parse(std::string_view text) {
  while (!text.empty() && (text.back() == '\r' || text.back() == '\n')) {
    text.remove_suffix(1);
  }
  Line line;
  bool first = true;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t space = text.find(' ', pos);
    const std::string_view token = text.substr(
        pos,
        space == std::string_view::npos ? std::string_view::npos : space - pos);
    pos = space == std::string_view::npos ? text.size() : space + 1;
    if (token.empty()) continue;
    if (first) {
      line.word_ = std::string(token);
      first = false;
      continue;
    }
    const size_t eq = token.find('=');
    if (eq == std::string_view::npos) {
      line.fields_.emplace_back(Unescape(token), "");
    } else {
      line.fields_.emplace_back(Unescape(token.substr(0, eq)),
                                Unescape(token.substr(eq + 1)));
    }
  }
  return line;
}

Line& Line::Add(std::string key, std::string value) {
  fields_.emplace_back(std::move(key), std::move(value));
  return *this;
}

Line& Line::Add(std::string key, int64_t value) {
  return Add(std::move(key), std::to_string(value));
}

Line& Line::Add(std::string key, uint64_t value) {
  return Add(std::move(key), std::to_string(value));
}

Line& Line::AddList(std::string key, const std::vector<std::string>& items) {
  std::string joined;
  for (const std::string& item : items) {
    if (!joined.empty()) joined += ',';
    joined += item;
  }
  return Add(std::move(key), std::move(joined));
}

std::optional<std::string> Line::Get(std::string_view key) const {
  for (const auto& [k, v] : fields_) {
    if (k == key) return v;
  }
  return std::nullopt;
}

std::string Line::GetOr(std::string_view key, std::string fallback) const {
  std::optional<std::string> value = Get(key);
  return value ? *value : std::move(fallback);
}

std::optional<int64_t> Line::GetInt(std::string_view key) const {
  std::optional<std::string> value = Get(key);
  if (!value || value->empty()) return std::nullopt;
  int64_t n = 0;
  const char* end = value->data() + value->size();
  auto [ptr, ec] = std::from_chars(value->data(), end, n);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return n;
}

int64_t Line::GetIntOr(std::string_view key, int64_t fallback) const {
  return GetInt(key).value_or(fallback);
}

std::vector<std::string> Line::GetList(std::string_view key) const {
  std::vector<std::string> items;
  std::optional<std::string> value = Get(key);
  if (!value) return items;
  size_t pos = 0;
  while (pos <= value->size()) {
    const size_t comma = value->find(',', pos);
    const size_t end = comma == std::string::npos ? value->size() : comma;
    if (end > pos) items.push_back(value->substr(pos, end - pos));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return items;
}

std::string Line::Format() const {
  std::string out = word_;
  for (const auto& [key, value] : fields_) {
    out += ' ';
    out += Escape(key);
    out += '=';
    out += Escape(value);
  }
  return out;
}

}  // namespace sessionkeeper::worker
