#pragma once

// A key refresher for tests: asked for a serial, it adds `key` under the serial it was told to
// "find" (a rotated certificate WeChat now lists) and answers whether the verifier holds the
// serial asked for. Answers inline; records every serial asked for.

#include <functional>
#include <string>
#include <vector>

#include "common/crypto/rsa.h"
#include "common/wechatpay/verifier.h"
#include "services/payment/key_refresher.h"

namespace paymesh::payment::testing {

class FakeKeyRefresher final : public KeyRefresher {
 public:
  FakeKeyRefresher(wechatpay::Verifier& verifier, std::string findable,
                   const crypto::RsaPrivateKey& key)
      : verifier_(verifier), findable_(std::move(findable)), key_(key) {}

  void AwaitSerial(std::string serial, std::function<void(bool)> done) override {
    asked.push_back(serial);
    if (serial == findable_) verifier_.SetCertificates({{serial, 1, key_.PublicKey()}});
    done(verifier_.HasKey(serial));
  }

  std::vector<std::string> asked;

 private:
  wechatpay::Verifier& verifier_;
  const std::string findable_;
  const crypto::RsaPrivateKey& key_;
};

}  // namespace paymesh::payment::testing
