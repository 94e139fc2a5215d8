#pragma once

// What the WeChat client does with a payment, played by the simulator:
//   GET  /sim/jsbridge.js        defines WeixinJSBridge.invoke('getBrandWCPayRequest', params, cb),
//                                wx.chooseWXPay(opts) and wx.requestPayment(opts); each posts the
//                                parameters to /sim/jsbridge/pay and calls back with its err_msg
//   POST /sim/jsbridge/pay       {appId, timeStamp, nonceStr, package, signType, paySign,
//                                 result?: "pay"|"cancel"|"fail"}: checks paySign with the
//                                merchant's public key over "appId\ntimeStamp\nnonceStr\npackage\n"
//                                as the client does; a bad one answers
//                                get_brand_wcpay_request:fail and pays nothing; otherwise pays
//                                (notifying), cancels, or fails the payment (PAYERROR)
//   GET  /sim/h5/cashier?prepay_id=   the H5 cashier page an h5_url leads to
//   POST /sim/h5/pay             prepay_id=…&result=pay|cancel|fail (form or query): the same
// Answers carry Access-Control-Allow-Origin: * (shop pages on another origin call them).

#include <cstdint>

#include "common/http/message.h"
#include "tools/wechat-sim/control_api.h"

namespace paymesh::wechatsim {

bool IsClientPath(std::string_view path);
http::Response HandleClientApi(const http::Request& request, const ControlContext& ctx,
                               int64_t now);

}  // namespace paymesh::wechatsim
