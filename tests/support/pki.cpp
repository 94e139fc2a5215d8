#include "tests/support/pki.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"

#ifndef PAYMESH_SOURCE_DIR
#error "PAYMESH_SOURCE_DIR must name the source tree (for scripts/lib/pki.sh)"
#endif

namespace paymesh::testing {
namespace {

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace

absl::StatusOr<TestPki> TestPki::Issue(const std::string& dir,
                                       const std::vector<std::string>& names,
                                       const std::string& san) {
  std::string command = absl::StrCat(
      san.empty() ? "" : "PKI_SAN=" + ShellQuote(san) + " ",
      ShellQuote(std::string(PAYMESH_SOURCE_DIR) + "/scripts/lib/pki.sh"), " ", ShellQuote(dir));
  for (const std::string& name : names) absl::StrAppend(&command, " ", ShellQuote(name));
  if (int rc = std::system(command.c_str()); rc != 0) {
    return absl::InternalError(absl::StrCat("scripts/lib/pki.sh failed (", rc, "): ", command));
  }
  return TestPki(dir);
}

rpc::TlsConfig TestPki::For(const std::string& name) const {
  return {.ca_file = dir_ + "/ca.crt",
          .cert_file = absl::StrCat(dir_, "/", name, ".crt"),
          .key_file = absl::StrCat(dir_, "/", name, ".key")};
}

std::vector<std::pair<std::string, std::string>> TestPki::EnvFor(const std::string& name) const {
  rpc::TlsConfig tls = For(name);
  return {{"GRPC_TLS_CA_FILE", tls.ca_file},
          {"GRPC_TLS_CERT_FILE", tls.cert_file},
          {"GRPC_TLS_KEY_FILE", tls.key_file}};
}

}  // namespace paymesh::testing
