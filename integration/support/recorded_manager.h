// RecordedManager: a SessionManager client whose every call goes into a
// History, with what it wrote or read and where it was connected.
#ifndef SESSIONKEEPER_INTEGRATION_SUPPORT_RECORDED_MANAGER_H_
#define SESSIONKEEPER_INTEGRATION_SUPPORT_RECORDED_MANAGER_H_

#include <memory>
#include <string>

#include "sessionkeeper/session_manager.h"
#include "support/history.h"
#include "zk/client.h"

namespace sessionkeeper::integration {

// Owns its manager. Thread-safe like SessionManager (History is too).
class RecordedManager {
 public:
  RecordedManager(int client, std::unique_ptr<SessionManager> manager,
                  History* history);

  // Creates a session holding `attribute` = `value`.
  Result<Session> Create(const std::string& attribute, const std::string& value,
                         const std::string& principal = "");
  // Sets `attribute` = `value`.
  Result<Session> Write(const std::string& id, const std::string& attribute,
                        const std::string& value);
  // Reads the session, recording `attribute`'s value.
  Result<Session> Read(const std::string& id, const std::string& attribute,
                       ReadConsistency consistency);

  // Invalidates the session.
  Status Delete(const std::string& id);

  int client() const { return client_; }
  SessionManager& manager() { return *manager_; }
  zk::Client& zk_client();
  // "host:port" of the ZooKeeper server it is connected to, or "".
  std::string CurrentServer();

 private:
  const int client_;
  std::unique_ptr<SessionManager> manager_;
  History* const history_;
};

}  // namespace sessionkeeper::integration

#endif  // SESSIONKEEPER_INTEGRATION_SUPPORT_RECORDED_MANAGER_H_
