#pragma once

// Asks for a platform key we do not hold yet (a rotated certificate): what the notification
// path and the WeChat Pay client call when a Wechatpay-Serial is unknown. Implemented by
// PlatformCertificates (platform_certs.h); absent in public-key mode, where keys are configured.

#include <functional>
#include <string>

namespace paymesh::payment {

class KeyRefresher {
 public:
  virtual ~KeyRefresher() = default;
  // Calls `done` once `serial` is held (true) or a refresh did not find it, or refreshing is not
  // allowed yet (false). Returns at once; `done` may run on another thread, never blocks it.
  virtual void AwaitSerial(std::string serial, std::function<void(bool held)> done) = 0;
};

}  // namespace paymesh::payment
