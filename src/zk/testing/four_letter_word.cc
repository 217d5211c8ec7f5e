// One TCP exchange: the server answers a four-letter word and closes.
#include "zk/testing/four_letter_word.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdint>

namespace sessionkeeper::zk {

std::string FourLetterWord(const std::string& host, int port,
                           const std::string& word) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  std::string answer;
  if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) == 1 &&
      connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) ==
          0 &&
      write(fd, word.data(), word.size()) ==
          static_cast<ssize_t>(word.size())) {
    std::array<char, 4096> buffer{};
    ssize_t n = 0;
    while ((n = read(fd, buffer.data(), buffer.size())) > 0) {
      answer.append(buffer.data(), static_cast<size_t>(n));
    }
  }
  close(fd);
  return answer;
}

}  // namespace sessionkeeper::zk
