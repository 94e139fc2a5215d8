#pragma once

// Service identities for tests: scripts/lib/pki.sh run into a directory of the test's own.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/rpc/tls.h"

namespace paymesh::testing {

class TestPki {
 public:
  // A CA and one certificate per name under `dir` (created). `san` replaces the certificates'
  // subjectAltName (pki.sh's PKI_SAN: "URI:payment", "none" for a CN only).
  static absl::StatusOr<TestPki> Issue(const std::string& dir,
                                       const std::vector<std::string>& names,
                                       const std::string& san = "");
  // The identities Issue() left under `dir`.
  explicit TestPki(std::string dir) : dir_(std::move(dir)) {}

  // The files of `name`'s identity (issued above), as a service would be configured.
  rpc::TlsConfig For(const std::string& name) const;
  // GRPC_TLS_CA_FILE, GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE for `name`.
  std::vector<std::pair<std::string, std::string>> EnvFor(const std::string& name) const;
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

}  // namespace paymesh::testing
