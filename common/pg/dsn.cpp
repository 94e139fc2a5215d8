#include "common/pg/dsn.h"

#include <libpq-fe.h>

#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace paymesh::pg {
namespace {

bool IsUrl(std::string_view dsn) {
  return dsn.starts_with("postgresql://") || dsn.starts_with("postgres://");
}

struct ConninfoDeleter {
  void operator()(PQconninfoOption* o) const { PQconninfoFree(o); }
};

}  // namespace

std::string WithConnectTimeout(const std::string& dsn, int seconds) {
  if (dsn.find("connect_timeout") != std::string::npos) return dsn;
  const std::string kv = absl::StrCat("connect_timeout=", seconds);
  if (!IsUrl(dsn)) return dsn.empty() ? kv : absl::StrCat(dsn, " ", kv);
  // A URL fragment would swallow the query; libpq URLs have none, but stay correct anyway.
  if (dsn.find('#') != std::string::npos) return dsn;
  return absl::StrCat(dsn, dsn.find('?') == std::string::npos ? "?" : "&", kv);
}

std::string SafeConnectError(const std::string& dsn, std::string_view libpq_message) {
  std::string message(libpq_message);
  absl::StripAsciiWhitespace(&message);
  absl::StrReplaceAll({{"\n", " "}, {"\t", " "}}, &message);
  char* parse_error = nullptr;
  std::unique_ptr<PQconninfoOption, ConninfoDeleter> options(
      PQconninfoParse(dsn.c_str(), &parse_error));
  if (parse_error != nullptr) PQfreemem(parse_error);
  if (options == nullptr) return "invalid connection string";
  for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) == "password" && o->val != nullptr && *o->val != '\0') {
      absl::StrReplaceAll({{o->val, "***"}}, &message);
    }
  }
  return message;
}

}  // namespace paymesh::pg
