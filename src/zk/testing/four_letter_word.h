// Test and benchmark hook: ZooKeeper's four-letter words ("srvr", "wchc",
// ...), for reading a server's own view (its counters, its watches). The
// servers of zk-config whitelist the words this tree uses.
#ifndef SESSIONKEEPER_ZK_TESTING_FOUR_LETTER_WORD_H_
#define SESSIONKEEPER_ZK_TESTING_FOUR_LETTER_WORD_H_

#include <string>

namespace sessionkeeper::zk {

// Sends `word` to the server at `host` (IPv4) and `port` and returns its
// whole answer; "" when the server cannot be reached.
std::string FourLetterWord(const std::string& host, int port,
                           const std::string& word);

}  // namespace sessionkeeper::zk

#endif  // SESSIONKEEPER_ZK_TESTING_FOUR_LETTER_WORD_H_
