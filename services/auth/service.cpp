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

}  // namespace

grpc::ServerUnaryReactor* AuthGrpcService::Register(grpc::CallbackServerContext* ctx,
                                                    const v1::RegisterRequest* req,
                                                    v1::RegisterResponse* resp) {
  return rpc::RunOnWorkers(ctx, *workers_, "Register", [=, this]() -> absl::Status {
    ASSIGN_OR_RETURN(User user, logic_->Register(req->username(), req->password(), req->mobile()));
    ToProto(user, resp->mutable_user());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuthGrpcService::Login(grpc::CallbackServerContext* ctx,
                                                 const v1::LoginRequest* req, v1::TokenPair* resp) {
  return rpc::RunOnWorkers(ctx, *workers_, "Login", [=, this]() -> absl::Status {
    ASSIGN_OR_RETURN(TokenPair pair,
                     logic_->Login(req->username(), req->password(), req->client_ip()));
    ToProto(pair, resp);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuthGrpcService::Refresh(grpc::CallbackServerContext* ctx,
                                                   const v1::RefreshRequest* req,
                                                   v1::TokenPair* resp) {
  return rpc::RunOnWorkers(ctx, *workers_, "Refresh", [=, this]() -> absl::Status {
    ASSIGN_OR_RETURN(TokenPair pair, logic_->Refresh(req->refresh_token()));
    ToProto(pair, resp);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuthGrpcService::Logout(grpc::CallbackServerContext* ctx,
                                                  const v1::LogoutRequest* req,
                                                  v1::LogoutResponse* /*resp*/) {
  return rpc::RunOnWorkers(ctx, *workers_, "Logout",
                           [=, this]() { return logic_->Logout(req->access_token()); });
}

grpc::ServerUnaryReactor* AuthGrpcService::VerifyToken(grpc::CallbackServerContext* ctx,
                                                       const v1::VerifyTokenRequest* req,
                                                       v1::VerifyTokenResponse* resp) {
  return rpc::RunOnWorkers(ctx, *workers_, "VerifyToken", [=, this]() -> absl::Status {
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
  return rpc::RunOnWorkers(ctx, *workers_, "GetUser", [=, this]() -> absl::Status {
    ASSIGN_OR_RETURN(User user, logic_->GetUser(req->user_id()));
    ToProto(user, resp);
    return absl::OkStatus();
  });
}

}  // namespace paymesh::auth
