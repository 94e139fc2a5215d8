#include "common/wechatpay/v2.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "common/crypto/aes_ecb.h"
#include "common/crypto/crypto.h"

namespace paymesh::wechatpay {
namespace {

using ::testing::HasSubstr;

constexpr char kKey[] = "192006250b4c09247ec02edce69f6a2d";

// docs/wechat-protocols.md §9.2: the official example.
V2Fields OfficialExample() {
  return {{"appid", "wxd930ea5d5a258f4f"},
          {"mch_id", "10000100"},
          {"device_info", "1000"},
          {"body", "test"},
          {"nonce_str", "ibuaiVcKdpRxkhJA"}};
}

TEST(V2SignTest, OfficialVectors) {
  EXPECT_EQ(V2SignString(OfficialExample(), kKey),
            "appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str="
            "ibuaiVcKdpRxkhJA&key=192006250b4c09247ec02edce69f6a2d");
  EXPECT_EQ(SignV2(OfficialExample(), kKey, V2SignType::kMd5), "9A0A8659F005D6984697E2CA0A9CF3B7");
  EXPECT_EQ(SignV2(OfficialExample(), kKey, V2SignType::kHmacSha256),
            "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6");
}

TEST(V2SignTest, EmptyFieldsAndTheSignItselfAreLeftOut) {
  V2Fields f = OfficialExample();
  f["attach"] = "";
  f["sign"] = "whatever";
  EXPECT_EQ(SignV2(f, kKey, V2SignType::kMd5), "9A0A8659F005D6984697E2CA0A9CF3B7");
}

TEST(V2VerifyTest, PicksTheAlgorithmByTheSignsLength) {
  V2Fields md5 = OfficialExample();
  md5["sign"] = "9A0A8659F005D6984697E2CA0A9CF3B7";
  EXPECT_TRUE(VerifyV2(md5, kKey).ok());
  md5["sign"] = "9a0a8659f005d6984697e2ca0a9cf3b7";  // hex in either case
  EXPECT_TRUE(VerifyV2(md5, kKey).ok());

  // HMAC without sign_type (notifications may omit it), and with it (then it is signed too).
  V2Fields hmac = OfficialExample();
  hmac["sign"] = "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6";
  EXPECT_TRUE(VerifyV2(hmac, kKey).ok());
  V2Fields typed = OfficialExample();
  typed["sign_type"] = "HMAC-SHA256";
  typed["sign"] = SignV2(typed, kKey, V2SignType::kHmacSha256);
  EXPECT_TRUE(VerifyV2(typed, kKey).ok());
}

TEST(V2VerifyTest, RefusesWhatDoesNotVerify) {
  V2Fields f = OfficialExample();
  EXPECT_EQ(VerifyV2(f, kKey).code(), absl::StatusCode::kUnauthenticated) << "no sign";
  f["sign"] = "9A0A8659F005D6984697E2CA0A9CF3B7";
  EXPECT_EQ(VerifyV2(f, "another key 0000000000000000000").code(),
            absl::StatusCode::kUnauthenticated);
  V2Fields changed = f;
  changed["body"] = "test2";
  EXPECT_EQ(VerifyV2(changed, kKey).code(), absl::StatusCode::kUnauthenticated);
  V2Fields short_sign = f;
  short_sign["sign"] = "9A0A8659";
  EXPECT_EQ(VerifyV2(short_sign, kKey).code(), absl::StatusCode::kUnauthenticated);
  // An MD5 sign that claims to be HMAC-SHA256 (sign_type is signed, so re-sign to isolate it).
  V2Fields mismatch = OfficialExample();
  mismatch["sign_type"] = "HMAC-SHA256";
  mismatch["sign"] = SignV2(mismatch, kKey, V2SignType::kMd5);
  EXPECT_THAT(VerifyV2(mismatch, kKey).message(), HasSubstr("sign_type"));
  V2Fields unknown = OfficialExample();
  unknown["sign_type"] = "SHA1";
  unknown["sign"] = SignV2(unknown, kKey, V2SignType::kMd5);
  EXPECT_EQ(VerifyV2(unknown, kKey).code(), absl::StatusCode::kUnauthenticated);
}

TEST(V2XmlTest, ReadsWhatWechatSends) {
  auto f = ParseV2Xml(
      "<xml>\n  <appid><![CDATA[wx2421b1c4370ec43b]]></appid>\n"
      "  <total_fee>1</total_fee>\n  <attach><![CDATA[a <b> & c]]></attach>\n"
      "  <body>tea &amp; cake</body>\n</xml>\n");
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->at("appid"), "wx2421b1c4370ec43b");
  EXPECT_EQ(f->at("total_fee"), "1");
  EXPECT_EQ(f->at("attach"), "a <b> & c");
  EXPECT_EQ(f->at("body"), "tea & cake");
  EXPECT_TRUE(ParseV2Xml("<?xml version=\"1.0\" encoding=\"UTF-8\"?><xml><a>1</a></xml>").ok());
  EXPECT_EQ(*ParseV2Xml(SerializeV2Xml(*f)), *f) << "round trip";
}

TEST(V2XmlTest, RefusesDtdsEntitiesAndShapesItDoesNotExpect) {
  const std::string laughs =
      "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
      "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>"
      "<xml><a>&lol2;</a></xml>";
  const std::string external =
      "<!DOCTYPE xml [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><xml><a>&xxe;</a></xml>";
  for (const std::string& bad : {
           laughs,
           external,
           std::string("<xml><a>&xxe;</a></xml>"),         // an undeclared entity
           std::string("<xml><a>&#60;</a></xml>"),         // character references too
           std::string("<xml><!-- hi --><a>1</a></xml>"),  // comments
           std::string("<xml><?pi x?><a>1</a></xml>"),     // instructions
           std::string("<xml><a><b>1</b></a></xml>"),      // nesting
           std::string("<xml><a x=\"1\">1</a></xml>"),     // attributes
           std::string("<xml><a>1</a><a>2</a></xml>"),     // a repeated field
           std::string("<xml><a>1</b></xml>"),             // mismatched close
           std::string("<xml><a><![CDATA[1</a></xml>"),    // unterminated CDATA
           std::string("<root><a>1</a></root>"),           // another root
           std::string("<xml><a>1</a></xml><xml></xml>"),  // content after the root
           std::string("<xml><a>1</a>"),                   // unterminated root
           std::string(""),
       }) {
    EXPECT_EQ(ParseV2Xml(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(V2XmlTest, Limits) {
  std::string many = "<xml>";
  for (size_t i = 0; i <= kMaxV2Fields; ++i)
    many += "<f" + std::to_string(i) + ">1</f" + std::to_string(i) + ">";
  EXPECT_THAT(ParseV2Xml(many + "</xml>").status().message(), HasSubstr("too many fields"));
  EXPECT_THAT(
      ParseV2Xml("<xml><a>" + std::string(kMaxV2Bytes, 'x') + "</a></xml>").status().message(),
      HasSubstr("too large"));
  const std::string long_name(kMaxV2NameBytes + 1, 'n');
  EXPECT_FALSE(ParseV2Xml("<xml><" + long_name + ">1</" + long_name + "></xml>").ok());
}

// §9.6: req_info sealed by the OpenSSL command line with AES-256-ECB under the lowercase hex
// MD5 of the APIv2 key (d96eb16a… for the official example key).
TEST(V2RefundInfoTest, OpensWhatOpensslSealed) {
  constexpr char kReqInfo[] =
      "WBzGpzQuNpcFxIlFjUUD9BZv+lpBMzd2SHiKCkwfALWid5G8ZvfOussfMIHLbKJmcnxPKdb1ZJEqTAp8ysQv+xa1fj+"
      "Eorgndx3fNxf3KAYa3LPgsjvZgxaeYyrhV05Kbjkj6ywg27cEyTTaPZFYNg==";
  absl::StatusOr<V2Fields> fields = DecryptV2RefundInfo(kReqInfo, kKey);
  ASSERT_TRUE(fields.ok()) << fields.status();
  EXPECT_EQ(*fields, (V2Fields{{"out_refund_no", "R1"}, {"refund_status", "SUCCESS"}}));
  EXPECT_EQ(DecryptV2RefundInfo(kReqInfo, "ffffffffffffffffffffffffffffffff").status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(DecryptV2RefundInfo("not base64!", kKey).status().code(),
            absl::StatusCode::kInvalidArgument);
  const V2Fields mine = {{"out_refund_no", "R2"}, {"refund_fee", "100"}};
  EXPECT_EQ(*DecryptV2RefundInfo(*EncryptV2RefundInfo(mine, kKey), kKey), mine);
  // Sealed well but not the XML it should be: as good as a forgery.
  std::string sealed = *crypto::Aes256EcbEncrypt(crypto::HexLower(crypto::Md5(kKey)),
                                                 "<!DOCTYPE root [<!ENTITY a \"b\">]><root/>");
  EXPECT_EQ(DecryptV2RefundInfo(crypto::Base64Encode(sealed), kKey).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(V2ReplyTest, ExactlyWhatWechatExpects) {
  EXPECT_EQ(V2Reply(true, ""),
            "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]>"
            "</return_msg></xml>");
  EXPECT_EQ(V2Reply(false, "sign error"),
            "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[sign error]]>"
            "</return_msg></xml>");
}

}  // namespace
}  // namespace paymesh::wechatpay
