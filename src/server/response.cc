// Error responses.
#include "server/response.h"

#include <nlohmann/json.hpp>

namespace sessionkeeper::server {

Response ErrorResponse(int status, std::string_view error,
                       std::string_view message, bool outcome_unknown) {
  nlohmann::ordered_json doc;
  doc["error"] = std::string(error);
  doc["message"] = std::string(message);
  if (outcome_unknown) doc["outcome_unknown"] = true;
  Response response;
  response.status = status;
  // `replace`: a message can never make serialisation throw.
  response.body =
      doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

Response UnavailableResponse(std::string_view message, int retry_after_s) {
  Response response = ErrorResponse(503, "unavailable", message);
  response.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
  return response;
}

}  // namespace sessionkeeper::server
