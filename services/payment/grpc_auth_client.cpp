#include "services/payment/grpc_auth_client.h"

#include "common/log/log.h"
#include "common/rpc/call.h"
#include "common/rpc/status.h"

namespace paymesh::payment {

GrpcAuthClient::GrpcAuthClient(std::shared_ptr<grpc::Channel> channel,
                               std::chrono::milliseconds timeout)
    : stub_(auth::v1::AuthService::NewStub(std::move(channel))), timeout_(timeout) {}

absl::StatusOr<std::string> GrpcAuthClient::OpenidOf(const std::string& user_id,
                                                     const std::string& appid) {
  auth::v1::GetWechatOpenidRequest req;
  req.set_user_id(user_id);
  req.set_appid(appid);
  auth::v1::GetWechatOpenidResponse resp;
  grpc::ClientContext ctx;
  rpc::PrepareClientContext(ctx, timeout_, log::CurrentRequestId());
  grpc::Status st = stub_->GetWechatOpenid(&ctx, req, &resp);
  if (!st.ok()) return rpc::FromGrpcStatus(st);
  return resp.openid();
}

}  // namespace paymesh::payment
