// hello_session: create a session in one process, read or change it from
// another. Usage:
//   hello_session ZK_CONNECT create PRINCIPAL [name=value...]   prints the id
//   hello_session ZK_CONNECT get ID                             prints it
//   hello_session ZK_CONNECT set ID name=value...               changes it
//   hello_session ZK_CONNECT invalidate ID
#include <sessionkeeper/session_manager.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace sk = sessionkeeper;

namespace {

// "name=value" -> {name, value}.
bool SplitAssignment(const char* arg, std::string* name, std::string* value) {
  const char* eq = std::strchr(arg, '=');
  if (eq == nullptr) return false;
  name->assign(arg, eq - arg);
  value->assign(eq + 1);
  return true;
}

void Print(const sk::Session& s) {
  std::printf("id %s\nprincipal %s\nversion %d\nexpires_at_ms %lld\n",
              s.id.c_str(), s.principal.c_str(), s.version,
              static_cast<long long>(s.expires_at_ms()));
  for (const auto& [name, value] : s.attributes) {
    std::printf("attribute %s=%s\n", name.c_str(), value.c_str());
  }
}

int Fail(const sk::Status& status) {
  std::fprintf(stderr, "error: %s\n", status.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr,
                 "usage: %s ZK_CONNECT create PRINCIPAL [name=value...]\n"
                 "       %s ZK_CONNECT get|invalidate ID\n"
                 "       %s ZK_CONNECT set ID name=value...\n",
                 argv[0], argv[0], argv[0]);
    return 2;
  }
  sk::SessionManagerOptions options;
  options.connect_string = argv[1];
  options.root = "/hello-sessionkeeper";
  sk::Result<std::unique_ptr<sk::SessionManager>> manager =
      sk::SessionManager::Open(options);
  if (!manager.ok()) return Fail(manager.status());

  const std::string command = argv[2];
  if (command == "create") {
    sk::CreateRequest request;
    request.principal = argv[3];
    for (int i = 4; i < argc; ++i) {
      std::string name, value;
      if (!SplitAssignment(argv[i], &name, &value)) return 2;
      request.attributes[name] = value;
    }
    sk::Result<sk::Session> session = (*manager)->Create(request);
    if (!session.ok()) return Fail(session.status());
    std::printf("%s\n", session->id.c_str());
    return 0;
  }
  if (command == "get") {
    sk::Result<sk::Session> session = (*manager)->Get(argv[3]);
    if (!session.ok()) return Fail(session.status());
    Print(*session);
    return 0;
  }
  if (command == "set") {
    sk::Mutation mutation;
    for (int i = 4; i < argc; ++i) {
      std::string name, value;
      if (!SplitAssignment(argv[i], &name, &value)) return 2;
      mutation.set[name] = value;
    }
    sk::Result<sk::Session> session = (*manager)->Mutate(argv[3], mutation);
    if (!session.ok()) return Fail(session.status());
    Print(*session);
    return 0;
  }
  if (command == "invalidate") {
    sk::Status s = (*manager)->Invalidate(argv[3]);
    return s.ok() ? 0 : Fail(s);
  }
  std::fprintf(stderr, "unknown command %s\n", command.c_str());
  return 2;
}
