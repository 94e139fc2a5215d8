#include "common/strings/ip.h"

#include <gtest/gtest.h>

namespace paymesh::strings {
namespace {

TEST(IpTest, LiteralAddressesOnly) {
  for (const char* good : {"203.0.113.7", "0.0.0.0", "::1", "2001:db8::1", "::ffff:1.2.3.4"}) {
    EXPECT_TRUE(IsIpAddress(good)) << good;
  }
  for (const char* bad : {"", "localhost", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ",
                          "2001:db8::g", "1.2.3.4/24", "[::1]"}) {
    EXPECT_FALSE(IsIpAddress(bad)) << bad;
  }
}

}  // namespace
}  // namespace paymesh::strings
