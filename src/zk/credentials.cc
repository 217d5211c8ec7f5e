// Loading digest credentials from a file.
#include "zk/credentials.h"

#include <glog/logging.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

namespace sessionkeeper::zk {

namespace {

std::string_view Trim(std::string_view s) {
  const auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
  };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<DigestCredentials> ParseDigestCredentials(std::string_view text) {
  const std::string_view line = Trim(text);
  if (line.find('\n') != std::string_view::npos) {
    return Status::InvalidArgument(
        "credentials must be a single line user:password");
  }
  if (line.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("credentials contain a NUL byte");
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0 ||
      colon + 1 == line.size()) {
    return Status::InvalidArgument(
        "credentials must look like user:password, both non-empty");
  }
  return DigestCredentials{std::string(line.substr(0, colon)),
                           std::string(line.substr(colon + 1))};
}

Result<DigestCredentials> LoadDigestCredentials(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return Status::InvalidArgument("cannot read credentials file " + path);
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH))) {
    LOG(WARNING) << "credentials file " << path
                 << " is readable by other users; chmod 600 it";
  }
  std::stringstream text;
  text << in.rdbuf();
  Result<DigestCredentials> creds = ParseDigestCredentials(text.str());
  if (!creds.ok()) return creds.status().WithContext(path);
  return creds;
}

}  // namespace sessionkeeper::zk
