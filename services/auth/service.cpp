#include "services/auth/service.h"

#include "common/error/status_macros.h"
#include "common/log/log.h"
#include "common/rpc/call.h"
#include "common/rpc/timestamp.h"

namespace paymesh::auth {
namespace {

void ToProto(const User& user, v1::User* out) {
  out->set_id(user.id);
  out->set_username(user.username);
  out->set_mobile_masked(user.mobile.empty() ? "" : log::MaskMobile(user.mobile));
  rpc::ToProto(std::chrono::floor<std::chrono::microseconds>(user.created_at),
               out->mutable_created_at());
}

void ToProto(const TokenPair& pair, v1::TokenPair* out) {
  out->set_access_token(pair.access_token);
  out->set_access_expires_in(pair.access_expires_in);
  out->set_refresh_token(pair.refresh_token);
  out->set_refresh_expires_in(pair.refresh_expires_in);
  out->set_token_type("Bearer");
  out->set_user_id(pair.user_id);
}

void ToProto(const WechatCredential& c, v1::WechatCredential* out) {
  out->set_value(c.value);
  rpc::ToProto(c.expires_at, out->mutable_expires_at());
}

}  // namespace

grpc::ServerUnaryReactor* AuthGrpcService::Register(grpc::CallbackServerContext* ctx,
                                                    const v1::RegisterRequest* req,
                                                    v1::RegisterResponse* resp) {
  return rpc::RunOnWorkers(ctx, *pools_.password, "Register", [=, this]() -> absl::Status {
    ASSIGN_OR_RETURN(User user, logic_->Register(req->username(), req->password(), req->mobile(),
                                                 req->sms_code(), req->client_ip()));
    ToProto(user, resp->mutable_user());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuthGrpcService::Login(grpc::CallbackServerContext* ctx,
                                                 const v1::LoginRequest* req, v1::TokenPair* resp) {
  return rpc::RunOnWorkers(ctx, *pools_.password, "Login", [=, this]() -> absl::Status {
    ASSIGN_OR_RETURN(TokenPair pair,
                     logic_->Login(req->username(), req->password(), req->client_ip()));
    ToProto(pair, resp);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuthGrpcService::Refresh(grpc::CallbackServerContext* ctx,
                                                   const v1::RefreshRequest* req,
                                                   v1::TokenPair* resp) {
  return rpc::RunOnWorkers(ctx, *pools_.fast, "Refresh", [=, this]() -> absl::Status {
    ASSIGN_OR_RETURN(TokenPair pair, logic_->Refresh(req->refresh_token()));
    ToProto(pair, resp);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuthGrpcService::Logout(grpc::CallbackServerContext* ctx,
                                                  const v1::LogoutRequest* req,
                                                  v1::LogoutResponse* /*resp*/) {
  return rpc::RunOnWorkers(ctx, *pools_.fast, "Logout",
                           [=, this]() { return logic_->Logout(req->access_token()); });
}

grpc::ServerUnaryReactor* AuthGrpcService::VerifyToken(grpc::CallbackServerContext* ctx,
                                                       const v1::VerifyTokenRequest* req,
                                                       v1::VerifyTokenResponse* resp) {
  return rpc::RunOnWorkers(ctx, *pools_.fast, "VerifyToken", [=, this]() -> absl::Status {
    ASSIGN_OR_RETURN(VerifiedToken token, logic_->VerifyToken(req->access_token()));
    resp->set_user_id(token.user_id);
    resp->set_session_id(token.session_id);
    for (const std::string& scope : token.scopes) resp->add_scopes(scope);
    rpc::ToProto(time::Timestamp(std::chrono::seconds(token.expires_at)),
                 resp->mutable_expires_at());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuthGrpcService::GetUser(grpc::CallbackServerContext* ctx,
                                                   const v1::GetUserRequest* req, v1::User* resp) {
  return rpc::RunOnWorkers(ctx, *pools_.fast, "GetUser", [=, this]() -> absl::Status {
    ASSIGN_OR_RETURN(User user, logic_->GetUser(req->user_id()));
    ToProto(user, resp);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuthGrpcService::SendSmsCode(grpc::CallbackServerContext* ctx,
                                                       const v1::SendSmsCodeRequest* req,
                                                       v1::SendSmsCodeResponse* resp) {
  return rpc::RunOnWorkers(ctx, *pools_.outbound, "SendSmsCode", [=, this]() -> absl::Status {
    ASSIGN_OR_RETURN(SmsIssued issued,
                     logic_->SendSmsCode(req->mobile(), req->purpose(), req->client_ip()));
    resp->set_expires_in(issued.expires_in.count());
    resp->set_resend_after(issued.resend_after.count());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuthGrpcService::SmsLogin(grpc::CallbackServerContext* ctx,
                                                    const v1::SmsLoginRequest* req,
                                                    v1::TokenPair* resp) {
  return rpc::RunOnWorkers(ctx, *pools_.fast, "SmsLogin", [=, this]() -> absl::Status {
    ASSIGN_OR_RETURN(TokenPair pair,
                     logic_->SmsLogin(req->mobile(), req->code(), req->client_ip()));
    ToProto(pair, resp);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuthGrpcService::StartWechatOauth(grpc::CallbackServerContext* ctx,
                                                            const v1::StartWechatOauthRequest* req,
                                                            v1::StartWechatOauthResponse* resp) {
  return rpc::RunOnWorkers(ctx, *pools_.outbound, "StartWechatOauth", [=, this]() -> absl::Status {
    ASSIGN_OR_RETURN(OauthStart start, wechat_->StartOauth(req->scope(), req->redirect(),
                                                           req->link_user_id(), req->client_ip()));
    resp->set_authorize_url(start.authorize_url);
    resp->set_state(start.state);
    resp->set_state_expires_in(start.expires_in.count());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuthGrpcService::FinishWechatOauth(
    grpc::CallbackServerContext* ctx, const v1::FinishWechatOauthRequest* req,
    v1::FinishWechatOauthResponse* resp) {
  return rpc::RunOnWorkers(ctx, *pools_.outbound, "FinishWechatOauth", [=, this]() -> absl::Status {
    ASSIGN_OR_RETURN(OauthFinish done,
                     wechat_->FinishOauth(req->code(), req->state(), req->browser_state()));
    ToProto(done.tokens, resp->mutable_tokens());
    resp->set_redirect(done.redirect);
    ToProto(done.user, resp->mutable_user());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuthGrpcService::MiniProgramLogin(grpc::CallbackServerContext* ctx,
                                                            const v1::MiniProgramLoginRequest* req,
                                                            v1::TokenPair* resp) {
  return rpc::RunOnWorkers(ctx, *pools_.outbound, "MiniProgramLogin", [=, this]() -> absl::Status {
    ASSIGN_OR_RETURN(TokenPair pair, wechat_->MiniProgramLogin(req->code(), req->client_ip()));
    ToProto(pair, resp);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuthGrpcService::GetWechatAccessToken(
    grpc::CallbackServerContext* ctx, const v1::GetWechatCredentialRequest* req,
    v1::WechatCredential* resp) {
  return rpc::RunOnWorkers(
      ctx, *pools_.credentials, "GetWechatAccessToken", [=, this]() -> absl::Status {
        ASSIGN_OR_RETURN(WechatCredential c, wechat_->AccessToken(req->appid()));
        ToProto(c, resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AuthGrpcService::GetJsapiTicket(grpc::CallbackServerContext* ctx,
                                                          const v1::GetWechatCredentialRequest* req,
                                                          v1::WechatCredential* resp) {
  return rpc::RunOnWorkers(ctx, *pools_.credentials, "GetJsapiTicket", [=, this]() -> absl::Status {
    ASSIGN_OR_RETURN(WechatCredential c, wechat_->JsapiTicket(req->appid()));
    ToProto(c, resp);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuthGrpcService::ReportInvalidWechatAccessToken(
    grpc::CallbackServerContext* ctx, const v1::ReportInvalidWechatAccessTokenRequest* req,
    v1::WechatCredential* resp) {
  return rpc::RunOnWorkers(
      ctx, *pools_.credentials, "ReportInvalidWechatAccessToken", [=, this]() -> absl::Status {
        ASSIGN_OR_RETURN(WechatCredential c,
                         wechat_->ReportInvalidAccessToken(req->appid(), req->access_token()));
        ToProto(c, resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AuthGrpcService::GetJsSdkConfig(grpc::CallbackServerContext* ctx,
                                                          const v1::GetJsSdkConfigRequest* req,
                                                          v1::JsSdkConfig* resp) {
  return rpc::RunOnWorkers(ctx, *pools_.credentials, "GetJsSdkConfig", [=, this]() -> absl::Status {
    ASSIGN_OR_RETURN(JsSdkConfig c, wechat_->JsSdkConfigFor(req->url()));
    resp->set_app_id(c.app_id);
    resp->set_timestamp(c.timestamp);
    resp->set_nonce_str(c.nonce_str);
    resp->set_signature(c.signature);
    for (const std::string& api : c.js_api_list) resp->add_js_api_list(api);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuthGrpcService::GetWechatOpenid(grpc::CallbackServerContext* ctx,
                                                           const v1::GetWechatOpenidRequest* req,
                                                           v1::GetWechatOpenidResponse* resp) {
  return rpc::RunOnWorkers(ctx, *pools_.fast, "GetWechatOpenid", [=, this]() -> absl::Status {
    ASSIGN_OR_RETURN(std::string openid, wechat_->OpenidOf(req->user_id(), req->appid()));
    resp->set_openid(std::move(openid));
    return absl::OkStatus();
  });
}

rpc::AccessPolicy AuthAccessPolicy(const std::vector<std::string>& token_centre_clients) {
  const char* service = v1::AuthService::service_full_name();
  rpc::AccessPolicy policy;
  policy.Allow(
      rpc::identity::kGateway, service,
      {"Register", "Login", "SendSmsCode", "SmsLogin", "Refresh", "Logout", "VerifyToken",
       "GetUser", "StartWechatOauth", "FinishWechatOauth", "MiniProgramLogin", "GetJsSdkConfig"});
  policy.Allow(rpc::identity::kPayment, service, {"GetWechatOpenid"});
  for (const std::string& client : token_centre_clients) {
    policy.Allow(client, service,
                 {"GetWechatAccessToken", "GetJsapiTicket", "ReportInvalidWechatAccessToken"});
  }
  return policy;
}

}  // namespace paymesh::auth
