#include "common/strings/ip.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string>

namespace paymesh::strings {

bool IsIpAddress(std::string_view text) {
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return false;
  const std::string s(text);
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

}  // namespace paymesh::strings
