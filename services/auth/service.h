#pragma once

// gRPC adapter of paymesh.auth.v1.AuthService: proto ↔ domain, with every call's logic run on
// the worker pool (rpc::RunOnWorkers), so no gRPC thread ever blocks.

#include "common/exec/worker_pool.h"
#include "paymesh/auth/v1/auth.grpc.pb.h"
#include "services/auth/logic.h"

namespace paymesh::auth {

class AuthGrpcService final : public v1::AuthService::CallbackService {
 public:
  AuthGrpcService(AuthLogic* logic, exec::WorkerPool* workers) : logic_(logic), workers_(workers) {}

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

 private:
  AuthLogic* logic_;
  exec::WorkerPool* workers_;
};

}  // namespace paymesh::auth
