#include "services/auth/jssdk.h"

#include <gtest/gtest.h>

namespace paymesh::auth {
namespace {

// WeChat's worked example (JS-SDK docs, appendix 1; seed 003).
constexpr char kTicket[] =
    "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg";
constexpr char kNonce[] = "Wm3WZYTPz0wzccnW";
constexpr int64_t kTimestamp = 1414587457;

TEST(JsSdkSignatureTest, WechatsWorkedExamples) {
  EXPECT_EQ(JsSdkSignature(kTicket, kNonce, kTimestamp, "http://mp.weixin.qq.com?params=value"),
            "0f9de62fce790f9a083d5c99e95740ceb90c27ed");
  // The older copies of the page sign the bare host.
  EXPECT_EQ(JsSdkSignature(kTicket, kNonce, kTimestamp, "http://mp.weixin.qq.com"),
            "f4d90daf4b3bca3078ab155816175ba34c443a7b");
}

TEST(JsSdkSignatureTest, EveryFieldCounts) {
  const std::string base = JsSdkSignature(kTicket, kNonce, kTimestamp, "https://a.example/p");
  EXPECT_NE(JsSdkSignature(kTicket, kNonce, kTimestamp + 1, "https://a.example/p"), base);
  EXPECT_NE(JsSdkSignature(kTicket, "x", kTimestamp, "https://a.example/p"), base);
  EXPECT_NE(JsSdkSignature("t", kNonce, kTimestamp, "https://a.example/p"), base);
  EXPECT_NE(JsSdkSignature(kTicket, kNonce, kTimestamp, "https://a.example/p/"), base);
}

TEST(PageUrlToSignTest, SignsThePageUrlWithoutItsFragment) {
  const std::vector<std::string> allowed = {"https://shop.example.com", "http://127.0.0.1:8080"};
  EXPECT_EQ(*PageUrlToSign("https://shop.example.com/pay?id=7&x=%E4%BD%A0#/cart", allowed),
            "https://shop.example.com/pay?id=7&x=%E4%BD%A0");
  EXPECT_EQ(*PageUrlToSign("HTTPS://Shop.Example.com/A", allowed), "HTTPS://Shop.Example.com/A")
      << "the origin compares case-insensitively; the bytes signed are the page's";
  EXPECT_EQ(*PageUrlToSign("http://127.0.0.1:8080", allowed), "http://127.0.0.1:8080");
  EXPECT_EQ(*PageUrlToSign("https://shop.example.com#", allowed), "https://shop.example.com");
}

TEST(PageUrlToSignTest, RefusesWhatIsNotAnAllowedPage) {
  const std::vector<std::string> allowed = {"https://shop.example.com"};
  for (const char* bad :
       {"", "/pay", "shop.example.com/pay", "javascript:alert(1)", "ftp://shop.example.com/",
        "https://evil.example/", "https://shop.example.com.evil.example/",
        "https://shop.example.com@evil.example/", "https://shop.example.com:444/",
        "http://shop.example.com/", "https://shop.example.com/a b", "https://shop.example.com/\n",
        "https://shop.example.com/\xe4\xbd\xa0", "https://"}) {
    absl::StatusOr<std::string> url = PageUrlToSign(bad, allowed);
    EXPECT_EQ(url.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(PageUrlToSign("https://shop.example.com/" + std::string(2048, 'a'), allowed).ok());
  EXPECT_FALSE(PageUrlToSign("https://shop.example.com/", {}).ok()) << "nothing allowed";
}

}  // namespace
}  // namespace paymesh::auth
