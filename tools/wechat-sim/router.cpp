#include "tools/wechat-sim/router.h"

#include <string_view>

#include "tools/wechat-sim/client_api.h"
#include "tools/wechat-sim/mp_api.h"
#include "tools/wechat-sim/responses.h"

namespace paymesh::wechatsim {

DelayedResponse Dispatch(const http::Request& request, const Routes& routes, int64_t now) {
  const std::string_view path = request.Path();
  if (IsMpPath(path)) return {HandleMpApi(request, *routes.mp, now)};
  if (path.substr(0, 4) == "/v3/") return HandlePayApi(request, routes.pay, now);
  if (IsClientPath(path)) return {HandleClientApi(request, routes.control, now)};
  if (path.substr(0, 5) == "/sim/") return {HandleControlApi(request, routes.control, now)};
  return {ErrorResponse(MakeError(404, "NOT_FOUND", "请求的资源不存在"))};
}

}  // namespace paymesh::wechatsim
