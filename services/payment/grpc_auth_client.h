#pragma once

// IdentityApi over gRPC: paymesh.auth.v1.AuthService/GetWechatOpenid with a deadline and the
// calling thread's request id. Blocking; thread-safe.

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>

#include "paymesh/auth/v1/auth.grpc.pb.h"
#include "services/payment/identity_api.h"

namespace paymesh::payment {

class GrpcAuthClient final : public IdentityApi {
 public:
  explicit GrpcAuthClient(std::shared_ptr<grpc::Channel> channel,
                          std::chrono::milliseconds timeout = std::chrono::milliseconds(1500));
  absl::StatusOr<std::string> OpenidOf(const std::string& user_id,
                                       const std::string& appid) override;

 private:
  std::unique_ptr<auth::v1::AuthService::Stub> stub_;
  std::chrono::milliseconds timeout_;
};

}  // namespace paymesh::payment
