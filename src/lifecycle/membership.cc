// Membership: ephemeral registration with retries, watched member list.
#include "lifecycle/membership.h"

#include <glog/logging.h>

#include <algorithm>
#include <memory>

#include "store/member_codec.h"
#include "zk/path.h"

namespace sessionkeeper::lifecycle {

namespace {
constexpr std::chrono::milliseconds kRetryDelay{500};
}  // namespace

Membership::Membership(zk::Client* client, TimerThread* timer,
                       std::string members_path, Member self,
                       MembersChanged on_change)
    : client_(client),
      timer_(timer),
      members_path_(std::move(members_path)),
      self_(std::move(self)),
      on_change_(std::move(on_change)) {}

void Membership::Start() {
  Register(1);
  WatchMembers();
}

void Membership::OnNewSession() {
  Register(1);
  WatchMembers();
}

void Membership::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  stopped_ = true;
}

std::vector<std::string> Membership::live() const {
  std::lock_guard<std::mutex> lock(mu_);
  return live_;
}

void Membership::Register(int attempt) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
  }
  const std::string path = zk::JoinPath(members_path_, self_.node_id);
  client_->Create(
      path, store::EncodeMember(self_), zk::CreateMode::kEphemeral,
      [this, path, attempt](Result<zk::Created> created) {
        if (created.ok()) return;
        if (created.status().IsAlreadyExists()) {
          // Ours (a retry that applied), or the ephemeral of a previous
          // session of this node that the server has not expired yet.
          client_->Exists(
              path, [this, attempt](Result<std::optional<zk::Stat>> stat) {
                if (stat.ok() && stat->has_value() &&
                    (*stat)->ephemeral_owner == client_->session_id()) {
                  return;
                }
                if (attempt % 20 == 1) {
                  LOG(WARNING)
                      << "member name " << self_.node_id
                      << " is taken by another ZooKeeper session; "
                         "retrying (a previous session of this node "
                         "expires, or another manager uses this node id)";
                }
                timer_->RunAfter(kRetryDelay,
                                 [this, attempt] { Register(attempt + 1); });
              });
          return;
        }
        timer_->RunAfter(kRetryDelay,
                         [this, attempt] { Register(attempt + 1); });
      });
}

void Membership::WatchMembers() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
  }
  client_->GetChildren(
      members_path_,
      [this](Result<zk::Children> children) {
        if (!children.ok()) {
          // Retried on the next session event, or now if it is transient.
          if (children.status().IsUnavailable()) {
            timer_->RunAfter(kRetryDelay, [this] { WatchMembers(); });
          }
          return;
        }
        std::vector<std::string> names = children->names;
        std::sort(names.begin(), names.end());
        {
          std::lock_guard<std::mutex> lock(mu_);
          if (names == live_) return;
          live_ = names;
        }
        on_change_(std::move(names));
      },
      [this](const zk::WatchEvent& event) {
        // A lost session re-watches through OnNewSession.
        if (event.type != zk::WatchEventType::kSessionLost) WatchMembers();
      });
}

void Membership::List(zk::Callback<std::vector<Member>> done) {
  client_->GetChildren(members_path_, [this, done = std::move(done)](
                                          Result<zk::Children> children) {
    if (!children.ok()) return done(children.status());
    struct Gather {
      std::mutex mu;
      std::vector<Member> members;
      size_t remaining = 0;
    };
    auto gather = std::make_shared<Gather>();
    gather->remaining = children->names.size();
    if (gather->remaining == 0) return done(std::vector<Member>{});
    for (const std::string& name : children->names) {
      client_->Get(zk::JoinPath(members_path_, name),
                   [gather, done, name](Result<zk::NodeData> node) {
                     std::lock_guard<std::mutex> lock(gather->mu);
                     if (node.ok()) {
                       Result<Member> m = store::DecodeMember(node->data);
                       if (m.ok()) {
                         gather->members.push_back(std::move(*m));
                       } else {
                         gather->members.push_back(Member{name, "", 0});
                       }
                     }
                     if (--gather->remaining > 0) return;
                     std::sort(gather->members.begin(), gather->members.end(),
                               [](const Member& a, const Member& b) {
                                 return a.node_id < b.node_id;
                               });
                     done(gather->members);
                   });
    }
  });
}

}  // namespace sessionkeeper::lifecycle
