#include "services/auth/wechat_client.h"

#include <boost/json.hpp>
#include <utility>

#include "common/error/status_macros.h"
#include "common/http/message.h"
#include "common/log/log.h"

namespace paymesh::auth {
namespace {

namespace json = boost::json;

constexpr size_t kMaxField = 2048;

std::string Query(std::initializer_list<std::pair<const char*, std::string>> params) {
  std::string out;
  for (const auto& [name, value] : params) {
    out += out.empty() ? "?" : "&";
    out += name;
    out += '=';
    out += http::PercentEncode(value);
  }
  return out;
}

// A string field of at most kMaxField bytes, or "".
std::string Text(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string() || v->as_string().size() > kMaxField) return "";
  return std::string(v->as_string());
}

std::chrono::seconds Seconds(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return std::chrono::seconds(v != nullptr && v->is_int64() ? v->as_int64() : 0);
}

}  // namespace

absl::StatusCode StatusCodeOfErrcode(int64_t errcode) {
  switch (errcode) {
    case 40029:
    case 40163:
      return absl::StatusCode::kInvalidArgument;
    case 40001:
    case 40014:
    case 41001:
    case 42001:
      return absl::StatusCode::kUnauthenticated;
    case 45009:
    case 45011:
      return absl::StatusCode::kResourceExhausted;
    case -1:
      return absl::StatusCode::kUnavailable;
    default:
      return absl::StatusCode::kFailedPrecondition;  // 40013, 40125, 40002, 40003, 48001, ...
  }
}

struct WechatClient::Answer {
  json::object body;
};

WechatClient::WechatClient(WechatClientOptions options, http::Transport& transport)
    : options_(std::move(options)),
      transport_(transport),
      calls_(metrics::Registry::Default().AddCounter(
          "auth_wechat_requests_total", "Calls to WeChat's Official Account API by endpoint",
          {"endpoint", "result"})) {}

absl::StatusOr<std::string> WechatClient::SecretOf(const std::string& appid) const {
  auto it = options_.secrets.find(appid);
  if (it == options_.secrets.end()) {
    return absl::FailedPreconditionError("no AppSecret configured for this appid");
  }
  return it->second.Reveal();
}

absl::StatusOr<WechatClient::Answer> WechatClient::Call(const char* endpoint,
                                                        const std::string& method,
                                                        const std::string& target,
                                                        const std::string& body) {
  http::ClientRequest req;
  req.method = method;
  req.url = options_.api_base_url + target;
  req.body = body;
  req.timeout = options_.timeout;
  if (!body.empty()) req.headers.emplace_back("Content-Type", "application/json");
  absl::StatusOr<http::ClientResponse> res = transport_.Send(req);
  absl::Status st;
  Answer answer;
  if (!res.ok()) {
    st = absl::Status(res.status().code(), std::string("wechat ") + endpoint + ": " +
                                               std::string(res.status().message()));
  } else if (res->status != 200) {
    st = absl::UnavailableError(std::string("wechat ") + endpoint + " answered HTTP " +
                                std::to_string(res->status));
  } else {
    boost::system::error_code ec;
    json::value v = json::parse(res->body, ec);
    if (ec || !v.is_object()) {
      st = absl::UnavailableError(std::string("wechat ") + endpoint + " answered no JSON object");
    } else {
      answer.body = std::move(v.as_object());
      const json::value* errcode = answer.body.if_contains("errcode");
      if (errcode != nullptr && errcode->is_int64() && errcode->as_int64() != 0) {
        st = absl::Status(
            StatusCodeOfErrcode(errcode->as_int64()),
            std::string("wechat ") + endpoint + " errcode " + std::to_string(errcode->as_int64()));
      }
    }
  }
  calls_.Inc({endpoint, metrics::ResultLabel(st.code())});
  if (!st.ok()) return st;
  return answer;
}

absl::StatusOr<OauthGrant> WechatClient::ExchangeOauthCode(const std::string& appid,
                                                           const std::string& code) {
  ASSIGN_OR_RETURN(std::string secret, SecretOf(appid));
  ASSIGN_OR_RETURN(Answer a,
                   Call("sns/oauth2/access_token", "GET",
                        "/sns/oauth2/access_token" + Query({{"appid", appid},
                                                            {"secret", secret},
                                                            {"code", code},
                                                            {"grant_type", "authorization_code"}}),
                        ""));
  OauthGrant grant{Text(a.body, "openid"), Text(a.body, "unionid"), Text(a.body, "scope"),
                   Text(a.body, "access_token")};
  if (grant.openid.empty()) return absl::UnavailableError("wechat answered no openid");
  return grant;
}

absl::StatusOr<WechatProfile> WechatClient::UserInfo(const std::string& user_access_token,
                                                     const std::string& openid) {
  ASSIGN_OR_RETURN(
      Answer a,
      Call("sns/userinfo", "GET",
           "/sns/userinfo" +
               Query({{"access_token", user_access_token}, {"openid", openid}, {"lang", "zh_CN"}}),
           ""));
  return WechatProfile{Text(a.body, "openid"), Text(a.body, "unionid"), Text(a.body, "nickname"),
                       Text(a.body, "headimgurl")};
}

absl::StatusOr<MiniProgramSession> WechatClient::CodeToSession(const std::string& appid,
                                                               const std::string& code) {
  ASSIGN_OR_RETURN(std::string secret, SecretOf(appid));
  ASSIGN_OR_RETURN(Answer a,
                   Call("sns/jscode2session", "GET",
                        "/sns/jscode2session" + Query({{"appid", appid},
                                                       {"secret", secret},
                                                       {"js_code", code},
                                                       {"grant_type", "authorization_code"}}),
                        ""));
  MiniProgramSession s{Text(a.body, "openid"), Text(a.body, "unionid"),
                       Text(a.body, "session_key")};
  if (s.openid.empty()) return absl::UnavailableError("wechat answered no openid");
  return s;
}

absl::StatusOr<IssuedCredential> WechatClient::StableAccessToken(const std::string& appid,
                                                                 bool force_refresh) {
  ASSIGN_OR_RETURN(std::string secret, SecretOf(appid));
  const std::string body = json::serialize(json::object{{"grant_type", "client_credential"},
                                                        {"appid", appid},
                                                        {"secret", secret},
                                                        {"force_refresh", force_refresh}});
  ASSIGN_OR_RETURN(Answer a, Call("cgi-bin/stable_token", "POST", "/cgi-bin/stable_token", body));
  IssuedCredential c{Text(a.body, "access_token"), Seconds(a.body, "expires_in")};
  if (c.value.empty() || c.expires_in.count() <= 0) {
    return absl::UnavailableError("wechat answered no access_token");
  }
  return c;
}

absl::StatusOr<IssuedCredential> WechatClient::JsapiTicket(const std::string& access_token) {
  ASSIGN_OR_RETURN(Answer a, Call("cgi-bin/ticket/getticket", "GET",
                                  "/cgi-bin/ticket/getticket" +
                                      Query({{"access_token", access_token}, {"type", "jsapi"}}),
                                  ""));
  IssuedCredential c{Text(a.body, "ticket"), Seconds(a.body, "expires_in")};
  if (c.value.empty() || c.expires_in.count() <= 0) {
    return absl::UnavailableError("wechat answered no ticket");
  }
  return c;
}

}  // namespace paymesh::auth
