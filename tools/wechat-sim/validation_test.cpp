#include "tools/wechat-sim/validation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace paymesh::wechatsim {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

const Merchant kMerchant{"1900000109", "wx8888888888888888", "wx7777777777777777", true,
                         [](const std::string& appid, const std::string& openid) {
                           return appid == "wx7777777777777777" && openid == "oMini";
                         }};

json::object ValidBody() {
  return json::object{{"appid", "wx8888888888888888"},
                      {"mchid", "1900000109"},
                      {"description", "Image形象店-深圳腾大-QQ公仔"},
                      {"out_trade_no", "PM20261121_ab-c|d*1"},
                      {"notify_url", "https://www.weixin.qq.com/wxpay/pay.php"},
                      {"time_expire", "2018-06-08T10:34:56+08:00"},
                      {"attach", "自定义数据"},
                      {"amount", json::object{{"total", 100}, {"currency", "CNY"}}}};
}

std::optional<ApiError> Check(const json::object& body, const Merchant& m = kMerchant) {
  OrderRequest out;
  return ParsePrepayRequest(json::serialize(body), m, "NATIVE", &out);
}

// The request is refused with PARAM_ERROR and a message naming `field`.
void ExpectParamError(const json::object& body, const std::string& field) {
  std::optional<ApiError> e = Check(body);
  ASSERT_TRUE(e.has_value()) << json::serialize(body);
  EXPECT_EQ(e->status, 400);
  EXPECT_EQ(e->code, "PARAM_ERROR");
  EXPECT_THAT(e->message, HasSubstr(field)) << json::serialize(body);
}

TEST(NativeValidationTest, AcceptsAValidRequest) {
  OrderRequest out;
  ASSERT_EQ(ParsePrepayRequest(json::serialize(ValidBody()), kMerchant, "NATIVE", &out),
            std::nullopt);
  EXPECT_EQ(out.out_trade_no, "PM20261121_ab-c|d*1");
  EXPECT_EQ(out.amount_total, 100);
  EXPECT_EQ(out.currency, "CNY");
  EXPECT_EQ(out.attach, "自定义数据");
  EXPECT_EQ(out.mchid, "1900000109");
  json::object minimal = ValidBody();
  minimal.erase("time_expire");
  minimal.erase("attach");
  minimal["amount"] = json::object{{"total", 1}};
  EXPECT_EQ(Check(minimal), std::nullopt);
}

TEST(NativeValidationTest, MissingRequiredFields) {
  for (const char* field :
       {"appid", "mchid", "description", "out_trade_no", "notify_url", "amount"}) {
    json::object body = ValidBody();
    body.erase(field);
    ExpectParamError(body, field);
  }
  json::object body = ValidBody();
  body["amount"] = json::object{{"currency", "CNY"}};
  ExpectParamError(body, "amount.total");
}

TEST(NativeValidationTest, FieldRules) {
  auto with = [](const char* field, const json::value& v) {
    json::object body = ValidBody();
    body[field] = v;
    return body;
  };
  ExpectParamError(with("description", ""), "description");
  ExpectParamError(with("description", json::string(std::string(128, 'x'))), "description");
  EXPECT_EQ(Check(with("description", json::string(std::string(127, 'x')))), std::nullopt);
  ExpectParamError(with("description", 5), "description");
  ExpectParamError(with("out_trade_no", "12345"), "out_trade_no");
  ExpectParamError(with("out_trade_no", json::string(std::string(33, '1'))), "out_trade_no");
  ExpectParamError(with("out_trade_no", "order@123"), "out_trade_no");
  ExpectParamError(with("notify_url", "https://example.com/notify?x=1"), "notify_url");
  ExpectParamError(with("notify_url", "/relative/notify"), "notify_url");
  ExpectParamError(with("notify_url", "ftp://example.com/n"), "notify_url");
  ExpectParamError(with("notify_url", json::string("https://e.com/" + std::string(250, 'a'))),
                   "notify_url");
  EXPECT_EQ(Check(with("notify_url", "http://127.0.0.1:8080/wechat/notify/pay")), std::nullopt);
  ExpectParamError(with("time_expire", "2018-06-08 10:34:56"), "time_expire");
  EXPECT_EQ(Check(with("time_expire", "2018-06-08T02:34:56.000Z")), std::nullopt);
  ExpectParamError(with("attach", json::string(std::string(129, 'a'))), "attach");
  ExpectParamError(with("amount", json::object{{"total", 0}}), "amount.total");
  ExpectParamError(with("amount", json::object{{"total", 1.5}}), "amount.total");
  ExpectParamError(with("amount", json::object{{"total", "100"}}), "amount.total");
  ExpectParamError(with("amount", json::object{{"total", 1}, {"currency", "USD"}}),
                   "amount.currency");
  ExpectParamError(with("mchid", "1230000109"), "mchid");
}

TEST(NativeValidationTest, ForeignAppidIsAppidMchidNotMatch) {
  json::object body = ValidBody();
  body["appid"] = "wx0000000000000000";
  std::optional<ApiError> e = Check(body);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->status, 400);
  EXPECT_EQ(e->code, "APPID_MCHID_NOT_MATCH");
}

TEST(NativeValidationTest, UnknownFieldsOnlyWhenStrict) {
  json::object body = ValidBody();
  body["surprise"] = 1;
  ExpectParamError(body, "surprise");
  Merchant lax = kMerchant;
  lax.strict_fields = false;
  EXPECT_EQ(Check(body, lax), std::nullopt);
  body.erase("surprise");
  body["scene_info"] = json::object{{"payer_client_ip", "14.23.150.211"}};
  body["support_fapiao"] = false;
  EXPECT_EQ(Check(body), std::nullopt);
}

TEST(NativeValidationTest, MalformedJson) {
  OrderRequest out;
  std::optional<ApiError> e = ParsePrepayRequest("{not json", kMerchant, "NATIVE", &out);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, "PARAM_ERROR");
  EXPECT_TRUE(ParsePrepayRequest("[1]", kMerchant, "NATIVE", &out).has_value());
}

TEST(CloseValidationTest, MchidOnly) {
  EXPECT_EQ(ParseCloseRequest(R"({"mchid":"1900000109"})", kMerchant), std::nullopt);
  EXPECT_TRUE(ParseCloseRequest(R"({"mchid":"1"})", kMerchant).has_value());
  EXPECT_TRUE(ParseCloseRequest(R"({})", kMerchant).has_value());
  EXPECT_TRUE(ParseCloseRequest(R"({"mchid":"1900000109","x":1})", kMerchant).has_value());
}

TEST(QueryValidationTest, MchidParameter) {
  EXPECT_EQ(CheckQueryMchid("mchid=1900000109", kMerchant), std::nullopt);
  std::optional<ApiError> missing = CheckQueryMchid("", kMerchant);
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->code, "PARAM_ERROR");
  EXPECT_THAT(missing->message, HasSubstr("mchid"));
  EXPECT_TRUE(CheckQueryMchid("mchid=1230000109", kMerchant).has_value());
}

TEST(JsapiValidationTest, ThePayerMustBeTheAppsOpenid) {
  json::object body = ValidBody();
  body["appid"] = "wx7777777777777777";  // the mini program, bound to the merchant
  body["payer"] = json::object{{"openid", "oMini"}};
  OrderRequest out;
  ASSERT_EQ(ParsePrepayRequest(json::serialize(body), kMerchant, "JSAPI", &out), std::nullopt);
  EXPECT_EQ(out.trade_type, "JSAPI");
  EXPECT_EQ(out.payer_openid, "oMini");

  body["payer"] = json::object{{"openid", "oSomeoneElse"}};
  std::optional<ApiError> e = ParsePrepayRequest(json::serialize(body), kMerchant, "JSAPI", &out);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, "PARAM_ERROR");
  EXPECT_THAT(e->message, HasSubstr("openid"));

  body.erase("payer");
  e = ParsePrepayRequest(json::serialize(body), kMerchant, "JSAPI", &out);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->subcode, 268501013) << "JSAPI支付必须传openid";

  body["payer"] = json::object{{"openid", "oMini"}};
  EXPECT_TRUE(ParsePrepayRequest(json::serialize(body), kMerchant, "NATIVE", &out).has_value())
      << "the mini program's appid is bound for JSAPI only; and NATIVE knows no payer";
}

TEST(H5ValidationTest, TheSceneIsRequired) {
  json::object body = ValidBody();
  OrderRequest out;
  EXPECT_TRUE(ParsePrepayRequest(json::serialize(body), kMerchant, "MWEB", &out).has_value());
  body["scene_info"] =
      json::object{{"payer_client_ip", "203.0.113.7"}, {"h5_info", json::object{{"type", "Wap"}}}};
  ASSERT_EQ(ParsePrepayRequest(json::serialize(body), kMerchant, "MWEB", &out), std::nullopt);
  EXPECT_EQ(out.payer_client_ip, "203.0.113.7");
  EXPECT_EQ(out.h5_type, "Wap");
  body["scene_info"] =
      json::object{{"payer_client_ip", "not-an-ip"}, {"h5_info", json::object{{"type", "Wap"}}}};
  EXPECT_TRUE(ParsePrepayRequest(json::serialize(body), kMerchant, "MWEB", &out).has_value());
  body["scene_info"] = json::object{{"payer_client_ip", "203.0.113.7"},
                                    {"h5_info", json::object{{"type", "Desktop"}}}};
  EXPECT_TRUE(ParsePrepayRequest(json::serialize(body), kMerchant, "MWEB", &out).has_value());
}

}  // namespace
}  // namespace paymesh::wechatsim
