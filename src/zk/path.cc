// Znode path validation and composition.
#include "zk/path.h"

#include <string>

namespace sessionkeeper::zk {

Status ValidatePath(std::string_view path) {
  if (path.empty() || path.front() != '/') {
    return Status::InvalidArgument("znode path must start with '/'");
  }
  if (path == "/") return Status::Ok();
  if (path.back() == '/') {
    return Status::InvalidArgument("znode path must not end with '/'");
  }
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view part = path.substr(start, end - start);
    if (part.empty()) {
      return Status::InvalidArgument("znode path has an empty component");
    }
    if (part == "." || part == "..") {
      return Status::InvalidArgument("znode path has a '.' or '..' component");
    }
    for (const char c : part) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u == 0x7f) {
        return Status::InvalidArgument(
            "znode path has a control or NUL character");
      }
    }
    start = end + 1;
  }
  return Status::Ok();
}

std::string JoinPath(std::string_view parent, std::string_view child) {
  std::string out(parent);
  if (out.empty() || out.back() != '/') out += '/';
  out += child;
  return out;
}

std::string ParentPath(std::string_view path) {
  const size_t slash = path.rfind('/');
  if (slash == 0 || slash == std::string_view::npos) return "/";
  return std::string(path.substr(0, slash));
}

}  // namespace sessionkeeper::zk
