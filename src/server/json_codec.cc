// JSON <-> library types, strict: unknown fields, duplicate keys, wrong
// types and deep nesting are all 400s.
#include "server/json_codec.h"

#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <unordered_set>

#include "common/utf8.h"
#include "server/base64.h"
#include "server/json_writer.h"

namespace sessionkeeper::server {

namespace {

using nlohmann::json;

Status Invalid(std::string_view message) {
  return Status::InvalidArgument(message);
}

bool IsBlank(std::string_view body) {
  return body.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// Nesting depth of arrays and objects, counted without parsing (strings
// skipped), so a hostile body is refused before any tree is built.
bool NestedDeeperThan(std::string_view body, int limit) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : body) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

// Parses a body that must be one JSON object. Duplicate keys are refused:
// parsers disagree on which one wins, and that disagreement is an attack
// surface.
Result<json> ParseObject(std::string_view body) {
  if (IsBlank(body)) return json::object();
  if (NestedDeeperThan(body, kMaxJsonDepth)) {
    return Invalid("JSON nested too deeply");
  }
  try {
    std::vector<std::unordered_set<std::string>> keys;
    bool duplicate = false;
    const json::parser_callback_t on_event =
        [&keys, &duplicate](int /*depth*/, json::parse_event_t event,
                            json& parsed) {
          switch (event) {
            case json::parse_event_t::object_start:
              keys.emplace_back();
              break;
            case json::parse_event_t::key:
              if (!keys.empty() &&
                  !keys.back()
                       .insert(parsed.get_ref<const std::string&>())
                       .second) {
                duplicate = true;
              }
              break;
            case json::parse_event_t::object_end:
              if (!keys.empty()) keys.pop_back();
              break;
            default:
              break;
          }
          return true;
        };
    json doc = json::parse(body.begin(), body.end(), on_event,
                           /*allow_exceptions=*/false);
    if (doc.is_discarded()) return Invalid("body is not valid JSON");
    if (duplicate) return Invalid("duplicate key in a JSON object");
    if (!doc.is_object()) return Invalid("body must be a JSON object");
    return doc;
  } catch (const std::exception&) {
    // Only allocation failure can get here; still never let it escape.
    return Invalid("body is not valid JSON");
  }
}

Status CheckFields(const json& doc, const std::set<std::string_view>& allowed,
                   std::string_view allowed_text) {
  for (const auto& item : doc.items()) {
    if (!allowed.contains(item.key())) {
      return Invalid("unknown field; allowed: " + std::string(allowed_text));
    }
  }
  return Status::Ok();
}

// nullptr when absent or null.
const json* Field(const json& doc, const char* name) {
  const auto it = doc.find(name);
  if (it == doc.end() || it->is_null()) return nullptr;
  return &*it;
}

// An object of name -> string; base64-decoded when `base64`.
Status ReadAttributeObject(const json& value, std::string_view field,
                           bool base64,
                           std::map<std::string, std::string>* out) {
  if (!value.is_object()) {
    return Invalid(std::string(field) + " must be an object");
  }
  for (const auto& item : value.items()) {
    if (!item.value().is_string()) {
      return Invalid(std::string(field) + " values must be strings");
    }
    const auto& text = item.value().get_ref<const std::string&>();
    std::string bytes;
    if (base64) {
      std::optional<std::string> decoded = Base64Decode(text);
      if (!decoded.has_value()) {
        return Invalid(std::string(field) +
                       " values must be canonical base64 (RFC 4648, padded)");
      }
      bytes = std::move(*decoded);
    } else {
      bytes = text;
    }
    if (!out->emplace(item.key(), std::move(bytes)).second) {
      return Invalid("an attribute is given both as text and as base64");
    }
  }
  return Status::Ok();
}

Result<int64_t> ReadSeconds(const json& value, std::string_view field,
                            int64_t min) {
  if (!value.is_number_integer()) {
    return Invalid(std::string(field) + " must be an integer");
  }
  int64_t seconds = 0;
  if (value.is_number_unsigned()) {
    const auto u = value.get<uint64_t>();
    if (u > static_cast<uint64_t>(kMaxSessionSeconds)) {
      return Invalid(std::string(field) + " is out of range");
    }
    seconds = static_cast<int64_t>(u);
  } else {
    seconds = value.get<int64_t>();
  }
  if (seconds < min || seconds > kMaxSessionSeconds) {
    return Invalid(std::string(field) + " is out of range");
  }
  return seconds;
}

}  // namespace

Result<CreateRequest> ParseCreateRequest(std::string_view body) {
  Result<json> parsed = ParseObject(body);
  if (!parsed.ok()) return parsed.status();
  const json& doc = *parsed;
  SK_RETURN_IF_ERROR(CheckFields(
      doc,
      {"principal", "max_idle_s", "max_lifetime_s", "attributes",
       "attributes_b64"},
      "principal, max_idle_s, max_lifetime_s, attributes, attributes_b64"));
  CreateRequest request;
  if (const json* v = Field(doc, "principal")) {
    if (!v->is_string()) return Invalid("principal must be a string");
    request.principal = v->get<std::string>();
    if (request.principal.empty()) {
      return Invalid("principal must not be empty (omit it for none)");
    }
  }
  if (const json* v = Field(doc, "max_idle_s")) {
    Result<int64_t> s = ReadSeconds(*v, "max_idle_s", 1);
    if (!s.ok()) return s.status();
    request.max_idle = std::chrono::seconds(*s);
  }
  if (const json* v = Field(doc, "max_lifetime_s")) {
    Result<int64_t> s = ReadSeconds(*v, "max_lifetime_s", 0);
    if (!s.ok()) return s.status();
    request.max_lifetime = std::chrono::seconds(*s);
  }
  if (const json* v = Field(doc, "attributes")) {
    SK_RETURN_IF_ERROR(
        ReadAttributeObject(*v, "attributes", false, &request.attributes));
  }
  if (const json* v = Field(doc, "attributes_b64")) {
    SK_RETURN_IF_ERROR(
        ReadAttributeObject(*v, "attributes_b64", true, &request.attributes));
  }
  return request;
}

Result<Mutation> ParseMutation(std::string_view body) {
  Result<json> parsed = ParseObject(body);
  if (!parsed.ok()) return parsed.status();
  const json& doc = *parsed;
  SK_RETURN_IF_ERROR(
      CheckFields(doc, {"set", "set_b64", "remove"}, "set, set_b64, remove"));
  Mutation mutation;
  if (const json* v = Field(doc, "set")) {
    SK_RETURN_IF_ERROR(ReadAttributeObject(*v, "set", false, &mutation.set));
  }
  if (const json* v = Field(doc, "set_b64")) {
    SK_RETURN_IF_ERROR(ReadAttributeObject(*v, "set_b64", true, &mutation.set));
  }
  if (const json* v = Field(doc, "remove")) {
    if (!v->is_array()) return Invalid("remove must be an array of names");
    std::set<std::string> names;
    for (const json& name : *v) {
      if (!name.is_string()) return Invalid("remove must be an array of names");
      const auto& text = name.get_ref<const std::string&>();
      if (mutation.set.contains(text)) {
        return Invalid("an attribute is both set and removed");
      }
      if (names.insert(text).second) mutation.remove.push_back(text);
    }
  }
  return mutation;
}

Result<LeaseRequest> ParseLeaseRequest(std::string_view body, bool renewal) {
  Result<json> parsed = ParseObject(body);
  if (!parsed.ok()) return parsed.status();
  const json& doc = *parsed;
  SK_RETURN_IF_ERROR(CheckFields(doc, {"holder", "ttl_ms"}, "holder, ttl_ms"));
  LeaseRequest request;
  if (const json* v = Field(doc, "holder")) {
    if (!v->is_string()) return Invalid("holder must be a string");
    request.holder = v->get<std::string>();
    if (request.holder.empty() ||
        request.holder.size() > kMaxLeaseHolderBytes ||
        !IsValidUtf8(request.holder)) {
      return Invalid("holder must be 1 to 256 bytes of UTF-8");
    }
  } else if (!renewal) {
    return Invalid("holder is required");
  }
  const json* ttl = Field(doc, "ttl_ms");
  if (ttl == nullptr) return Invalid("ttl_ms is required");
  if (!ttl->is_number_integer()) return Invalid("ttl_ms must be an integer");
  // An unsigned value above int64 would wrap in get<int64_t>().
  if (ttl->is_number_unsigned() &&
      ttl->get<uint64_t>() > static_cast<uint64_t>(kMaxLeaseTtlMs)) {
    return Invalid("ttl_ms must be between 1 and 86400000 (24 hours)");
  }
  const auto ms = ttl->get<int64_t>();
  if (ms < kMinLeaseTtlMs || ms > kMaxLeaseTtlMs) {
    return Invalid("ttl_ms must be between 1 and 86400000 (24 hours)");
  }
  request.ttl = std::chrono::milliseconds(ms);
  return request;
}

std::string LeaseToJson(const Lease& lease) {
  nlohmann::ordered_json doc;
  doc["token"] = lease.token;
  doc["expires_at"] = lease.expires_at_ms;
  return doc.dump();
}

namespace {

// Through a JSON tree, whose dump replaces bytes that are not UTF-8: for
// the rare session with such an attribute name.
std::string SessionToJsonTree(const SessionSnapshot& session) {
  nlohmann::ordered_json doc;
  doc["id"] = session.id();
  doc["version"] = session.version();
  if (session.principal().empty()) {
    doc["principal"] = nullptr;
  } else {
    doc["principal"] = session.principal();
  }
  doc["created_at"] = session.created_at_ms();
  doc["last_access_at"] = session.last_access_at_ms();
  doc["expires_at"] = session.expires_at_ms();
  doc["max_idle_s"] = session.max_idle_ms() / 1000;
  nlohmann::ordered_json text = nlohmann::ordered_json::object();
  nlohmann::ordered_json binary = nlohmann::ordered_json::object();
  for (const auto& [name, value] : session.attributes()) {
    if (IsValidUtf8(value)) {
      text[std::string(name)] = value;
    } else {
      binary[std::string(name)] = Base64Encode(value);
    }
  }
  doc["attributes"] = std::move(text);
  if (!binary.empty()) doc["attributes_b64"] = std::move(binary);
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

std::string SessionToJson(const Session& session) {
  return SessionToJson(SessionSnapshot(session));
}

std::string SessionToJson(const SessionSnapshot& session) {
  size_t estimate = 256 + session.id().size() + session.principal().size();
  bool any_binary = false;
  for (const auto& [name, value] : session.attributes()) {
    if (!IsValidUtf8(name)) {
      return SessionToJsonTree(session);
    }
    any_binary = any_binary || !IsValidUtf8(value);
    estimate += name.size() + value.size() + 8;
  }
  std::string out;
  out.reserve(estimate);
  JsonWriter json(&out);
  json.BeginObject();
  json.Key("id");
  json.String(session.id());
  json.Key("version");
  json.Int(session.version());
  json.Key("principal");
  if (session.principal().empty()) {
    json.Null();
  } else {
    json.String(session.principal());
  }
  json.Key("created_at");
  json.Int(session.created_at_ms());
  json.Key("last_access_at");
  json.Int(session.last_access_at_ms());
  json.Key("expires_at");
  json.Int(session.expires_at_ms());
  json.Key("max_idle_s");
  json.Int(session.max_idle_ms() / 1000);
  json.Key("attributes");
  json.BeginObject();
  for (const auto& [name, value] : session.attributes()) {
    if (any_binary && !IsValidUtf8(value)) {
      continue;
    }
    json.Key(name);
    json.String(value);
  }
  json.EndObject();
  if (any_binary) {
    json.Key("attributes_b64");
    json.BeginObject();
    for (const auto& [name, value] : session.attributes()) {
      if (IsValidUtf8(value)) {
        continue;
      }
      json.Key(name);
      json.String(Base64Encode(value));
    }
    json.EndObject();
  }
  json.EndObject();
  return out;
}

std::string SessionIdsToJson(const std::vector<std::string>& ids) {
  nlohmann::ordered_json doc;
  doc["sessions"] = ids;
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string InvalidatedToJson(size_t count) {
  nlohmann::ordered_json doc;
  doc["invalidated"] = count;
  return doc.dump();
}

namespace {

nlohmann::ordered_json MemberList(const std::vector<Member>& members) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const Member& member : members) {
    nlohmann::ordered_json m;
    m["node_id"] = member.node_id;
    m["address"] = member.address;
    m["started_at"] = member.started_at_ms;
    list.push_back(std::move(m));
  }
  return list;
}

}  // namespace

std::string MembersToJson(const std::vector<Member>& members) {
  nlohmann::ordered_json doc;
  doc["members"] = MemberList(members);
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string ManagerStatsToJson(const std::string& node_id,
                               const ManagerStats& stats,
                               const std::vector<Member>& members) {
  nlohmann::ordered_json doc;
  doc["node_id"] = node_id;
  const ConnectionStats& c = stats.connection;
  doc["connection"] = {{"state", c.state},
                       {"connected", c.connected},
                       {"generation", c.generation},
                       {"server", c.server}};
  const CacheStats& cache = stats.cache;
  doc["cache"] = {{"hits", cache.hits},
                  {"misses", cache.misses},
                  {"invalidations", cache.invalidations},
                  {"evictions", cache.evictions},
                  {"stale_reads", cache.stale_reads},
                  {"reloads", cache.reloads},
                  {"revalidations", cache.revalidations},
                  {"entries", cache.entries},
                  {"bytes", cache.bytes}};
  const LifecycleStats& life = stats.lifecycle;
  doc["lifecycle"] = {{"owned_buckets", life.owned_buckets},
                      {"scheduled_sessions", life.scheduled_sessions},
                      {"expired_deleted", life.expired_deleted},
                      {"members", life.members},
                      {"leases_held", life.leases_held},
                      {"leases_acquired", life.leases_acquired},
                      {"leases_contended", life.leases_contended},
                      {"leases_taken_over", life.leases_taken_over},
                      {"leases_lost", life.leases_lost},
                      {"fenced_writes_rejected", life.fenced_writes_rejected}};
  doc["members"] = MemberList(members);
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace sessionkeeper::server
