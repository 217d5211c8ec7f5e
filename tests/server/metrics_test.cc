// Prometheus rendering of the SessionManager's statistics.
#include "server/metrics.h"

#include <gtest/gtest.h>

#include <string>

namespace sessionkeeper::server {
namespace {

TEST(MetricsTest, RendersConnectionCacheAndLifecycleFamilies) {
  ManagerStats stats;
  stats.connection = {"connected", true, 2, "zk1:2181"};
  stats.cache.hits = 11;
  stats.cache.misses = 3;
  stats.lifecycle.expired_deleted = 5;
  stats.lifecycle.fenced_writes_rejected = 1;
  const std::string page = RenderManagerStats(stats);
  for (const char* line : {
           "sessionkeeperd_zookeeper_connected 1\n",
           "sessionkeeperd_zookeeper_connection_state{state=\"connected\"} 1\n",
           "sessionkeeperd_zookeeper_connection_state{state=\"expired\"} 0\n",
           "sessionkeeperd_zookeeper_session_generation 2\n",
           "sessionkeeperd_zookeeper_server_info{server=\"zk1:2181\"} 1\n",
           "# TYPE sessionkeeperd_cache_hits_total counter\n",
           "sessionkeeperd_cache_hits_total 11\n",
           "sessionkeeperd_cache_misses_total 3\n",
           "# TYPE sessionkeeperd_cache_entries gauge\n",
           "sessionkeeperd_sessions_expired_total 5\n",
           "sessionkeeperd_fenced_writes_rejected_total 1\n",
       }) {
    EXPECT_NE(page.find(line), std::string::npos) << line << page;
  }
}

TEST(MetricsTest, ADisconnectedManagerHasNoServerAndItsStateSet) {
  ManagerStats stats;
  stats.connection = {"disconnected", false, 1, ""};
  const std::string page = RenderManagerStats(stats);
  EXPECT_NE(page.find("sessionkeeperd_zookeeper_connected 0\n"),
            std::string::npos);
  EXPECT_NE(page.find("connection_state{state=\"disconnected\"} 1\n"),
            std::string::npos);
  EXPECT_NE(page.find("connection_state{state=\"connected\"} 0\n"),
            std::string::npos);
  EXPECT_EQ(page.find("server_info"), std::string::npos);
}

TEST(MetricsTest, AnUnknownStateIsRenderedEscaped) {
  ManagerStats stats;
  stats.connection = {"odd\"state\\\n", false, 1, ""};
  const std::string page = RenderManagerStats(stats);
  EXPECT_NE(page.find("{state=\"odd\\\"state\\\\\\n\"} 1\n"), std::string::npos)
      << page;
}

}  // namespace
}  // namespace sessionkeeper::server
