#include "common/pg/dsn.h"

#include <gtest/gtest.h>

namespace paymesh::pg {
namespace {

TEST(WithConnectTimeoutTest, AddsToUrlWithoutQuery) {
  EXPECT_EQ(WithConnectTimeout("postgresql://u:p@h:5432/db", 2),
            "postgresql://u:p@h:5432/db?connect_timeout=2");
  EXPECT_EQ(WithConnectTimeout("postgres://h/db", 3), "postgres://h/db?connect_timeout=3");
}

TEST(WithConnectTimeoutTest, AppendsToUrlQuery) {
  EXPECT_EQ(WithConnectTimeout("postgresql://h/db?sslmode=disable", 2),
            "postgresql://h/db?sslmode=disable&connect_timeout=2");
}

TEST(WithConnectTimeoutTest, AddsToKeywordValueForm) {
  EXPECT_EQ(WithConnectTimeout("host=h dbname=db", 2), "host=h dbname=db connect_timeout=2");
  EXPECT_EQ(WithConnectTimeout("", 2), "connect_timeout=2");
}

TEST(WithConnectTimeoutTest, KeepsAnExistingTimeout) {
  EXPECT_EQ(WithConnectTimeout("host=h connect_timeout=9", 2), "host=h connect_timeout=9");
  EXPECT_EQ(WithConnectTimeout("postgresql://h/db?connect_timeout=9", 2),
            "postgresql://h/db?connect_timeout=9");
}

TEST(SafeConnectErrorTest, MasksThePassword) {
  const std::string msg = SafeConnectError("postgresql://app:s3cr3tpw@127.0.0.1:1/db",
                                           "connection to server failed: s3cr3tpw was rejected\n");
  EXPECT_EQ(msg.find("s3cr3tpw"), std::string::npos) << msg;
  EXPECT_NE(msg.find("connection to server failed"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  EXPECT_EQ(SafeConnectError("host=h password=hunter22", "bad hunter22").find("hunter22"),
            std::string::npos);
}

TEST(SafeConnectErrorTest, DropsTheTextOfAnUnparsableDsn) {
  const std::string msg =
      SafeConnectError("host=h password=hunter22 garbage", "missing \"=\" after \"hunter22\"");
  EXPECT_EQ(msg, "invalid connection string");
}

}  // namespace
}  // namespace paymesh::pg
