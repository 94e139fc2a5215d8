#pragma once

// Dispatches a request to the Official Account / mini program APIs and their control routes
// (mp_api.h), the v3 pay API (/v3/...) or the pay control API (/sim/...); anything else is 404
// {"code":"NOT_FOUND"}. Only the v3 query routes ever answer with a delay (pay_api.h).
// Thread-safe.

#include <cstdint>

#include "common/http/message.h"
#include "tools/wechat-sim/control_api.h"
#include "tools/wechat-sim/mp_store.h"
#include "tools/wechat-sim/pay_api.h"
#include "tools/wechat-sim/responses.h"

namespace paymesh::wechatsim {

struct Routes {
  PayApiContext pay;
  ControlContext control;
  MpStore* mp = nullptr;
};

DelayedResponse Dispatch(const http::Request& request, const Routes& routes, int64_t now);

}  // namespace paymesh::wechatsim
