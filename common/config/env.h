#pragma once

// Configuration from environment variables, with secrets read from files named by `*_FILE`
// variables (Kubernetes Secrets). A reader collects every problem instead of stopping at the
// first, so start-up reports all of them at once through Finish().
//
//   config::EnvReader env;                       // or EnvReader(fake_lookup) in tests
//   cfg.grpc_addr = env.ListenAddr("GRPC_LISTEN_ADDR", "0.0.0.0:20051");
//   cfg.pg_dsn    = env.RequiredSecretOrString("PG_DSN");
//   cfg.key       = env.RequiredSecretFile("AUTH_TOKEN_SIGNING_KEY_FILE");
//   RETURN_IF_ERROR(env.Finish());
//
// Not thread-safe; used once at start-up.

#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace paymesh::config {

// A secret value. Printing it (operator<<, Redacted()) never shows the value.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  const std::string& Reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  std::string Redacted() const { return value_.empty() ? "" : "<redacted>"; }

 private:
  std::string value_;
};
std::ostream& operator<<(std::ostream& os, const Secret& s);

// "host:port" with a decimal port in 0..65535 (0 picks a free port when listening).
bool IsHostPort(std::string_view addr);

// "scheme://host[:port]" with scheme http or https, a host of [a-z0-9.-] (or an [IPv6] literal)
// and nothing after the port. `https` tells which scheme it was.
bool IsOrigin(std::string_view s, bool* https = nullptr);

// Removes the password (and any `password=` parameter) from a DSN or URL, for logging.
std::string RedactUrl(std::string_view url);

using Lookup = std::function<std::optional<std::string>(std::string_view name)>;
// Reads a file's whole content; tests inject a fake.
using FileReader = std::function<std::optional<std::string>(const std::string& path)>;

Lookup ProcessEnv();
FileReader RealFiles();

// The command line every binary takes: nothing (serve), or `--check-config` (load and check the
// configuration, key files included, then exit instead of serving: image self-checks, CI).
enum class RunMode { kServe, kCheckConfig, kUsage };
RunMode ParseRunMode(int argc, char** argv);
// What main() returns for kCheckConfig once the configuration loaded ("<program>: configuration
// ok" on stdout, 0) and for kUsage (the usage on stderr, 2).
int ReportConfigOk(std::string_view program);
int ReportUsage(std::string_view program);

class EnvReader {
 public:
  explicit EnvReader(Lookup lookup = ProcessEnv(), FileReader files = RealFiles());

  // Plain values. An unset or empty variable takes the default.
  std::string String(std::string_view name, std::string_view default_value);
  std::string RequiredString(std::string_view name);
  // Integer in [min, max]; a non-number or out-of-range value is a problem.
  int64_t Int(std::string_view name, int64_t default_value, int64_t min, int64_t max);
  // "1|true|yes|on" / "0|false|no|off" (case-insensitive).
  bool Bool(std::string_view name, bool default_value);
  // Milliseconds, written as a plain integer.
  std::chrono::milliseconds Millis(std::string_view name, std::chrono::milliseconds default_value,
                                   std::chrono::milliseconds min, std::chrono::milliseconds max);
  // One of `allowed`.
  std::string OneOf(std::string_view name, std::string_view default_value,
                    const std::vector<std::string>& allowed);
  // A listen address: IsHostPort, else a problem ("NAME must be host:port, got ...").
  std::string ListenAddr(std::string_view name, std::string_view default_value);

  // An upstream's base URL, http(s)://host[:port] with no path (a trailing "/" is dropped).
  // http:// only with `allow_insecure` (ALLOW_INSECURE_UPSTREAMS, for simulators on loopback).
  std::string BaseUrl(std::string_view name, std::string_view default_value, bool allow_insecure);
  // A comma-separated list of web origins, each scheme://host[:port] (http or https, no path,
  // lowercase host), e.g. "https://shop.example.com,https://m.example.com:8443".
  std::vector<std::string> Origins(std::string_view name, std::string_view default_value);

  // Secrets: the variable names a file whose content (trailing newline trimmed) is the value.
  Secret RequiredSecretFile(std::string_view name);
  std::optional<Secret> OptionalSecretFile(std::string_view name);
  // The secret from the file named by `<name>_FILE`, or else the value of `<name>` itself (for
  // local runs); setting both, or neither, is a problem.
  Secret RequiredSecretOrString(std::string_view name);
  // The secret in `path`, one of several files the variable `name` lists; nullopt and a problem
  // naming `name` when it cannot be read.
  std::optional<Secret> ReadSecretFile(std::string_view name, const std::string& path);

  // Records a problem found by the caller's own validation.
  void AddProblem(std::string problem);

  // OK, or INVALID_ARGUMENT listing every problem ("; "-separated), each naming its variable.
  absl::Status Finish() const;
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::optional<std::string> Get(std::string_view name);

  Lookup lookup_;
  FileReader files_;
  std::vector<std::string> problems_;
};

}  // namespace paymesh::config
