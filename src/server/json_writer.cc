// JsonWriter: escaping and separators.
#include "server/json_writer.h"

#include <array>
#include <charconv>
#include <cstring>

namespace sessionkeeper::server {

namespace {

// The escape of each byte below 0x20, '"' and '\\'; empty: copied as is.
constexpr std::string_view EscapeOf(unsigned char c) {
  switch (c) {
    case '"':
      return "\\\"";
    case '\\':
      return "\\\\";
    case '\b':
      return "\\b";
    case '\f':
      return "\\f";
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    case '\t':
      return "\\t";
    default:
      return {};
  }
}

bool NeedsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

// Whether any of the eight bytes of `word` needs an escape: a byte below
// 0x20, '"' or '\\' (the has-zero-byte and has-less-than bit tricks).
bool AnyNeedsEscape(uint64_t word) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  auto has_zero = [](uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  const uint64_t below_space = (word - kOnes * 0x20) & ~word & kHigh;
  return below_space != 0 || has_zero(word ^ (kOnes * '"')) != 0 ||
         has_zero(word ^ (kOnes * '\\')) != 0;
}

}  // namespace

void AppendJsonString(std::string* out, std::string_view text) {
  out->push_back('"');
  size_t run_start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text.size() - i >= 8) {
      uint64_t word = 0;
      std::memcpy(&word, text.data() + i, sizeof(word));
      if (!AnyNeedsEscape(word)) {
        i += 7;  // And the loop's ++i.
        continue;
      }
    }
    const auto c = static_cast<unsigned char>(text[i]);
    if (!NeedsEscape(c)) {
      continue;
    }
    out->append(text.data() + run_start, i - run_start);
    run_start = i + 1;
    std::string_view escape = EscapeOf(c);
    if (!escape.empty()) {
      out->append(escape);
      continue;
    }
    static constexpr char kHex[] = "0123456789abcdef";
    const std::array<char, 6> unicode = {'\\', 'u',          '0',
                                         '0',  kHex[c >> 4], kHex[c & 0xF]};
    out->append(unicode.data(), unicode.size());
  }
  out->append(text.data() + run_start, text.size() - run_start);
  out->push_back('"');
}

void JsonWriter::BeginObject() {
  out_->push_back('{');
  first_in_object_ = true;
}

void JsonWriter::EndObject() {
  out_->push_back('}');
  first_in_object_ = false;
}

void JsonWriter::Key(std::string_view key) {
  if (!first_in_object_) {
    out_->push_back(',');
  }
  first_in_object_ = false;
  AppendJsonString(out_, key);
  out_->push_back(':');
}

void JsonWriter::String(std::string_view value) {
  AppendJsonString(out_, value);
}

void JsonWriter::Int(int64_t value) {
  std::array<char, 24> digits{};  // Room for any int64 and its sign.
  const char* end =
      std::to_chars(digits.data(), digits.data() + digits.size(), value).ptr;
  out_->append(digits.data(), static_cast<size_t>(end - digits.data()));
}

void JsonWriter::Null() { out_->append("null"); }

}  // namespace sessionkeeper::server
