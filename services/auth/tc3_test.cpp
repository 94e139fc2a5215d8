#include "services/auth/tc3.h"

#include <gtest/gtest.h>

namespace paymesh::auth {
namespace {

// Tencent Cloud's worked example ("签名方法 v3", CVM DescribeInstances), as reproduced by
// independent SDKs.
TEST(Tc3Test, TencentCloudsWorkedExample) {
  const std::string payload =
      R"({"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]})";
  EXPECT_EQ(Tc3Authorization({.secret_id = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
                              .secret_key = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
                              .service = "cvm",
                              .host = "cvm.tencentcloudapi.com",
                              .content_type = "application/json; charset=utf-8",
                              .payload = payload,
                              .timestamp = 1551113065}),
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/"
            "tc3_request, SignedHeaders=content-type;host, "
            "Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168");
}

TEST(Tc3Test, EveryInputCounts) {
  Tc3Request base{.secret_id = "id",
                  .secret_key = "key",
                  .service = "sms",
                  .host = "sms.tencentcloudapi.com",
                  .content_type = "application/json",
                  .payload = "{}",
                  .timestamp = 1700000000};
  const std::string signed_base = Tc3Authorization(base);
  Tc3Request other = base;
  other.payload = "{ }";
  EXPECT_NE(Tc3Authorization(other), signed_base);
  other = base;
  other.secret_key = "key2";
  EXPECT_NE(Tc3Authorization(other), signed_base);
  other = base;
  other.timestamp += 86400;
  EXPECT_NE(Tc3Authorization(other).find("/2023-11-15/sms/"), std::string::npos);
}

}  // namespace
}  // namespace paymesh::auth
