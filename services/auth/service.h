#pragma once

// gRPC adapter of paymesh.auth.v1.AuthService: proto ↔ domain, with every call's logic run on
// a worker pool (rpc::RunOnWorkers), so no gRPC thread ever blocks. Four bounded pools keep slow
// or public work from starving the rest: `password` runs scrypt (Register, Login), `outbound`
// the public calls that wait on WeChat or the SMS provider (sign-in, SMS codes), `credentials`
// the token centre (access_token, jsapi_ticket, JS-SDK config), `fast` the rest (VerifyToken,
// Refresh, ...). A full pool refuses its own calls with UNAVAILABLE; the others are unaffected.

#include "common/exec/worker_pool.h"
#include "common/rpc/access.h"
#include "paymesh/auth/v1/auth.grpc.pb.h"
#include "services/auth/logic.h"
#include "services/auth/wechat_logic.h"

namespace paymesh::auth {

class AuthGrpcService final : public v1::AuthService::CallbackService {
 public:
  struct Pools {
    exec::WorkerPool* fast;
    exec::WorkerPool* password;
    exec::WorkerPool* outbound;
    exec::WorkerPool* credentials;
  };
  AuthGrpcService(AuthLogic* logic, WechatLogic* wechat, Pools pools)
      : logic_(logic), wechat_(wechat), pools_(pools) {}

  grpc::ServerUnaryReactor* Register(grpc::CallbackServerContext* ctx,
                                     const v1::RegisterRequest* req,
                                     v1::RegisterResponse* resp) override;
  grpc::ServerUnaryReactor* Login(grpc::CallbackServerContext* ctx, const v1::LoginRequest* req,
                                  v1::TokenPair* resp) override;
  grpc::ServerUnaryReactor* Refresh(grpc::CallbackServerContext* ctx, const v1::RefreshRequest* req,
                                    v1::TokenPair* resp) override;
  grpc::ServerUnaryReactor* Logout(grpc::CallbackServerContext* ctx, const v1::LogoutRequest* req,
                                   v1::LogoutResponse* resp) override;
  grpc::ServerUnaryReactor* VerifyToken(grpc::CallbackServerContext* ctx,
                                        const v1::VerifyTokenRequest* req,
                                        v1::VerifyTokenResponse* resp) override;
  grpc::ServerUnaryReactor* GetUser(grpc::CallbackServerContext* ctx, const v1::GetUserRequest* req,
                                    v1::User* resp) override;
  grpc::ServerUnaryReactor* SendSmsCode(grpc::CallbackServerContext* ctx,
                                        const v1::SendSmsCodeRequest* req,
                                        v1::SendSmsCodeResponse* resp) override;
  grpc::ServerUnaryReactor* SmsLogin(grpc::CallbackServerContext* ctx,
                                     const v1::SmsLoginRequest* req, v1::TokenPair* resp) override;
  grpc::ServerUnaryReactor* StartWechatOauth(grpc::CallbackServerContext* ctx,
                                             const v1::StartWechatOauthRequest* req,
                                             v1::StartWechatOauthResponse* resp) override;
  grpc::ServerUnaryReactor* FinishWechatOauth(grpc::CallbackServerContext* ctx,
                                              const v1::FinishWechatOauthRequest* req,
                                              v1::FinishWechatOauthResponse* resp) override;
  grpc::ServerUnaryReactor* MiniProgramLogin(grpc::CallbackServerContext* ctx,
                                             const v1::MiniProgramLoginRequest* req,
                                             v1::TokenPair* resp) override;
  grpc::ServerUnaryReactor* GetWechatAccessToken(grpc::CallbackServerContext* ctx,
                                                 const v1::GetWechatCredentialRequest* req,
                                                 v1::WechatCredential* resp) override;
  grpc::ServerUnaryReactor* GetJsapiTicket(grpc::CallbackServerContext* ctx,
                                           const v1::GetWechatCredentialRequest* req,
                                           v1::WechatCredential* resp) override;
  grpc::ServerUnaryReactor* ReportInvalidWechatAccessToken(
      grpc::CallbackServerContext* ctx, const v1::ReportInvalidWechatAccessTokenRequest* req,
      v1::WechatCredential* resp) override;
  grpc::ServerUnaryReactor* GetJsSdkConfig(grpc::CallbackServerContext* ctx,
                                           const v1::GetJsSdkConfigRequest* req,
                                           v1::JsSdkConfig* resp) override;
  grpc::ServerUnaryReactor* GetWechatOpenid(grpc::CallbackServerContext* ctx,
                                            const v1::GetWechatOpenidRequest* req,
                                            v1::GetWechatOpenidResponse* resp) override;

 private:
  AuthLogic* logic_;
  WechatLogic* wechat_;
  Pools pools_;
};

// Who may call what: the gateway signs users in and checks tokens; payment reads a user's
// openid; the token centre's methods answer only `token_centre_clients`
// (AUTH_TOKEN_CENTRE_CLIENTS).
rpc::AccessPolicy AuthAccessPolicy(const std::vector<std::string>& token_centre_clients);

}  // namespace paymesh::auth
