#include <gtest/gtest.h>

#include "common/redis/client.h"

namespace paymesh::redis {
namespace {

TEST(ParseUrlTest, HostOnlyUsesDefaults) {
  auto o = ParseUrl("redis://cache.internal");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->host, "cache.internal");
  EXPECT_EQ(o->port, 6379);
  EXPECT_EQ(o->db, 0);
  EXPECT_EQ(o->password, "");
}

TEST(ParseUrlTest, AllParts) {
  auto o = ParseUrl("redis://:s3cret@127.0.0.1:26379/3");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->host, "127.0.0.1");
  EXPECT_EQ(o->port, 26379);
  EXPECT_EQ(o->db, 3);
  EXPECT_EQ(o->password, "s3cret");
}

TEST(ParseUrlTest, TrailingSlashMeansDbZero) {
  auto o = ParseUrl("redis://h:1/");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->db, 0);
  EXPECT_EQ(o->port, 1);
}

TEST(ParseUrlTest, PercentDecodesThePassword) {
  auto o = ParseUrl("redis://:p%40ss%3Aw%2Fd@h");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->password, "p@ss:w/d");
  EXPECT_EQ(o->host, "h");
}

TEST(ParseUrlTest, BracketedIpv6) {
  auto o = ParseUrl("redis://[::1]:7000/2");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->host, "::1");
  EXPECT_EQ(o->port, 7000);
  EXPECT_EQ(o->db, 2);
}

TEST(ParseUrlTest, RejectsBadInput) {
  for (const char* url : {
           "",
           "rediss://h",
           "http://h:6379",
           "h:6379",
           "redis://",
           "redis://:pw@",
           "redis://h:",
           "redis://h:0",
           "redis://h:65536",
           "redis://h:12ab",
           "redis://h:-1",
           "redis://h:99999999999",
           "redis://h/x",
           "redis://h/-1",
           "redis://h/1/2",
           "redis://h?db=1",
           "redis://user:pw@h",
           "redis://:p%4@h",
           "redis://[::1",
           "redis://[::1]x",
       }) {
    EXPECT_EQ(ParseUrl(url).status().code(), absl::StatusCode::kInvalidArgument) << url;
  }
}

TEST(ParseUrlTest, ErrorsNeverQuoteThePassword) {
  absl::Status st = ParseUrl("redis://:topsecret@h:badport").status();
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message().find("topsecret"), absl::string_view::npos) << st;
}

}  // namespace
}  // namespace paymesh::redis
