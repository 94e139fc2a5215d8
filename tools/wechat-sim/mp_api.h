#pragma once

// The Official Account and mini program APIs (errors as {"errcode","errmsg"} with HTTP 200, as
// WeChat answers them):
//   GET  /connect/oauth2/authorize?appid&redirect_uri&response_type=code&scope&state
//          → 302 to redirect_uri?code=…&state=… at once, for the app's configured user (the
//            consent page a real user would see is skipped); a bad request → 400 with WeChat's
//            page error code (10003, 10005, 10010–10013, 10016)
//   GET  /sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code
//   GET  /sns/userinfo?access_token&openid[&lang]
//   GET  /sns/jscode2session?appid&secret&js_code&grant_type=authorization_code
//   GET  /cgi-bin/token?grant_type=client_credential&appid&secret
//   POST /cgi-bin/stable_token {"grant_type","appid","secret","force_refresh"}
//   GET  /cgi-bin/ticket/getticket?access_token&type=jsapi
// and their control API:
//   GET  /sim/wechat/tokens    → {appid: {access_token, access_token_expires_at, jsapi_ticket,
//                                 jsapi_ticket_expires_at}} for the currently valid ones
//   GET  /sim/wechat/counters  → {endpoint: calls};  DELETE → 204, counts from zero
//   POST /sim/oauth/users {"appid"?, "openid", "unionid"?, "nickname"?, "avatar"?}
//          → who the app's next authorize (or login code) stands for; appid defaults to the
//            Official Account
//   POST /sim/miniprogram/code {"openid"?, "unionid"?, "nickname"?} → {"code"}: what
//          wx.login() would give the mini program, for that user (a fresh one without openid)
//   POST /sim/sms {"mobile","text"} → 204: the dev SMS sender's delivery
//   GET  /sim/sms[?mobile=] → [{"mobile","text","at"}], oldest first
// Thread-safe.

#include <cstdint>

#include "common/http/message.h"
#include "tools/wechat-sim/mp_store.h"

namespace paymesh::wechatsim {

// True for the paths this module answers.
bool IsMpPath(std::string_view path);

http::Response HandleMpApi(const http::Request& request, MpStore& store, int64_t now);

}  // namespace paymesh::wechatsim
