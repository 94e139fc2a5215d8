#include "common/http/message.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/http/server.h"

namespace paymesh::http {
namespace {

TEST(RequestTest, HeaderIsCaseInsensitiveAndReturnsTheFirst) {
  Request req;
  req.headers = {{"Content-Type", "application/json"}, {"X-Thing", "a"}, {"x-thing", "b"}};
  EXPECT_EQ(req.Header("content-type"), "application/json");
  EXPECT_EQ(req.Header("X-THING"), "a");
  EXPECT_EQ(req.Header("Missing"), "");
}

TEST(RequestTest, PathAndQuery) {
  Request req;
  req.target = "/api/v1/orders?cursor=abc&limit=5";
  EXPECT_EQ(req.Path(), "/api/v1/orders");
  EXPECT_EQ(req.Query(), "cursor=abc&limit=5");
  req.target = "/healthz";
  EXPECT_EQ(req.Path(), "/healthz");
  EXPECT_EQ(req.Query(), "");
  req.target = "/x?";
  EXPECT_EQ(req.Path(), "/x");
  EXPECT_EQ(req.Query(), "");
}

TEST(ResponseTest, SetHeaderReplacesCaseInsensitively) {
  Response res = Response::Json(201, "{}");
  EXPECT_EQ(res.status, 201);
  ASSERT_EQ(res.headers.size(), 1u);
  EXPECT_EQ(res.headers[0].second, "application/json");
  res.SetHeader("content-type", "text/html");
  res.SetHeader("Allow", "GET");
  ASSERT_EQ(res.headers.size(), 2u);
  EXPECT_EQ(res.headers[0].second, "text/html");
  EXPECT_EQ(res.headers[1].first, "Allow");
}

TEST(ResponseTest, TextKeepsContentType) {
  Response res = Response::Text(200, "hi", "text/plain; version=0.0.4");
  EXPECT_EQ(res.body, "hi");
  ASSERT_EQ(res.headers.size(), 1u);
  EXPECT_EQ(res.headers[0].first, "Content-Type");
  EXPECT_EQ(res.headers[0].second, "text/plain; version=0.0.4");
}

TEST(QueryParamTest, FindsDecodesAndDistinguishesEmpty) {
  const std::string_view q = "a=1&cursor=x%2By%3D&empty=&flag&sp=a+b&a=2";
  EXPECT_EQ(QueryParam(q, "a"), "1");
  EXPECT_EQ(QueryParam(q, "cursor"), "x+y=");
  EXPECT_EQ(QueryParam(q, "empty"), "");
  EXPECT_EQ(QueryParam(q, "flag"), "");
  EXPECT_EQ(QueryParam(q, "sp"), "a b");
  EXPECT_EQ(QueryParam(q, "missing"), std::nullopt);
  EXPECT_EQ(QueryParam("", "a"), std::nullopt);
  EXPECT_EQ(QueryParam("&&", "a"), std::nullopt);
  EXPECT_EQ(QueryParam("li%6Dit=3", "limit"), "3");
}

TEST(PercentTest, DecodeHandlesValidAndInvalidEscapes) {
  EXPECT_EQ(PercentDecode("a%20b%2fc"), "a b/c");
  EXPECT_EQ(PercentDecode("a+b"), "a+b");
  EXPECT_EQ(PercentDecode("100%"), "100%");
  EXPECT_EQ(PercentDecode("%zz%4"), "%zz%4");
  EXPECT_EQ(PercentDecode("%00"), std::string(1, '\0'));
}

TEST(PercentTest, EncodeKeepsUnreservedOnlyAndRoundTrips) {
  EXPECT_EQ(PercentEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(PercentEncode("a b/c?d=e&f"), "a%20b%2Fc%3Fd%3De%26f");
  EXPECT_EQ(PercentEncode("\xE4\xB8\xAD"), "%E4%B8%AD");
  const std::string raw = "x'; DROP TABLE orders;-- \xff\x01";
  EXPECT_EQ(PercentDecode(PercentEncode(raw)), raw);
}

TEST(RequestIdTest, SaneIds) {
  EXPECT_TRUE(IsSaneRequestId("abc-DEF_123.x"));
  EXPECT_TRUE(IsSaneRequestId(std::string(128, 'a')));
  EXPECT_FALSE(IsSaneRequestId(""));
  EXPECT_FALSE(IsSaneRequestId(std::string(129, 'a')));
  EXPECT_FALSE(IsSaneRequestId("a b"));
  EXPECT_FALSE(IsSaneRequestId("a\"b"));
  EXPECT_FALSE(IsSaneRequestId("a\r\nSet-Cookie: x"));
}

TEST(RequestIdTest, NewIdsAre32HexAndDiffer) {
  const std::string a = NewRequestId();
  const std::string b = NewRequestId();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos) << a;
  EXPECT_NE(a, b);
  EXPECT_TRUE(IsSaneRequestId(a));
}

TEST(ErrorJsonTest, ShapeAndEscaping) {
  const std::string body = ErrorJson("INVALID_ARGUMENT", "bad \"field\"\n", "rid-1");
  const boost::json::value v = boost::json::parse(body);
  const auto& error = v.as_object().at("error").as_object();
  EXPECT_EQ(error.at("code").as_string(), "INVALID_ARGUMENT");
  EXPECT_EQ(error.at("message").as_string(), "bad \"field\"\n");
  EXPECT_EQ(error.at("request_id").as_string(), "rid-1");
  EXPECT_EQ(v.as_object().size(), 1u);
  EXPECT_EQ(error.size(), 3u);
}

}  // namespace
}  // namespace paymesh::http
