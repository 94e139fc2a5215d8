#include "common/config/env.h"

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <ostream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"

namespace paymesh::config {
namespace {

constexpr char kMask[] = "***";

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += sep;
    out += items[i];
  }
  return out;
}

std::optional<int64_t> ParseInt(std::string_view text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

// Drops one trailing "\n", "\r\n" or "\r" (editors and `echo` add one to secret files).
std::string TrimOneNewline(std::string s) {
  if (!s.empty() && s.back() == '\n') s.pop_back();
  if (!s.empty() && s.back() == '\r') s.pop_back();
  return s;
}

// In `scheme://user:password@host/...`, replaces the password.
std::string RedactUserinfo(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const size_t authority = scheme_end + 3;
  size_t authority_end = url.find_first_of("/?#", authority);
  if (authority_end == std::string_view::npos) authority_end = url.size();
  const size_t at = url.rfind('@', authority_end);
  if (at == std::string_view::npos || at < authority) return std::string(url);
  const size_t colon = url.find(':', authority);
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  return std::string(url.substr(0, colon + 1)) + kMask + std::string(url.substr(at));
}

bool IsBoundary(char c) {
  return std::isspace(static_cast<unsigned char>(c)) || c == '?' || c == '&';
}

// Replaces the value of every `password=` parameter: URL query parameters end at '&' or '#',
// keyword DSN values at whitespace and may be single-quoted with backslash escapes.
std::string RedactPasswordParams(std::string_view text, bool url_query) {
  static constexpr std::string_view kKey = "password";
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const size_t found = text.find(kKey, i);
    if (found == std::string_view::npos) break;
    size_t eq = found + kKey.size();
    while (eq < text.size() && text[eq] == ' ') ++eq;
    const bool is_param =
        (found == 0 || IsBoundary(text[found - 1])) && eq < text.size() && text[eq] == '=';
    if (!is_param) {
      out.append(text.substr(i, found + kKey.size() - i));
      i = found + kKey.size();
      continue;
    }
    size_t value = eq + 1;
    if (!url_query) {
      while (value < text.size() && text[value] == ' ') ++value;
    }
    size_t end = value;
    if (!url_query && end < text.size() && text[end] == '\'') {
      for (++end; end < text.size() && text[end] != '\''; ++end) {
        if (text[end] == '\\') ++end;
      }
      if (end < text.size()) ++end;  // closing quote
      if (end > text.size()) end = text.size();
    } else {
      while (end < text.size() &&
             !(url_query ? (text[end] == '&' || text[end] == '#')
                         : std::isspace(static_cast<unsigned char>(text[end])) != 0)) {
        ++end;
      }
    }
    out.append(text.substr(i, eq + 1 - i));
    out += kMask;
    i = end;
  }
  if (i < text.size()) out.append(text.substr(i));
  return out;
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const Secret& s) { return os << s.Redacted(); }

std::string RedactUrl(std::string_view url) {
  const bool is_url = url.find("://") != std::string_view::npos;
  if (!is_url) return RedactPasswordParams(url, /*url_query=*/false);
  return RedactPasswordParams(RedactUserinfo(url), /*url_query=*/true);
}

bool IsHostPort(std::string_view addr) {
  const size_t colon = addr.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == addr.size()) return false;
  int port = -1;
  const char* end = addr.data() + addr.size();
  auto [ptr, ec] = std::from_chars(addr.data() + colon + 1, end, port);
  return ec == std::errc() && ptr == end && port >= 0 && port <= 65535;
}

bool IsOrigin(std::string_view s, bool* https) {
  bool secure = false;
  if (s.substr(0, 8) == "https://") {
    secure = true;
    s.remove_prefix(8);
  } else if (s.substr(0, 7) == "http://") {
    s.remove_prefix(7);
  } else {
    return false;
  }
  std::string_view host = s, port;
  if (!s.empty() && s.front() == '[') {
    const size_t close = s.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    for (char c : s.substr(1, close - 1)) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') return false;
    }
    host = s.substr(0, close + 1);
    port = s.substr(close + 1);
    if (!port.empty() && port.front() != ':') return false;
  } else {
    const size_t colon = s.find(':');
    host = s.substr(0, colon);
    port = colon == std::string_view::npos ? std::string_view() : s.substr(colon);
    if (host.empty()) return false;
    for (char c : host) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') return false;
    }
  }
  if (!port.empty()) {
    port.remove_prefix(1);
    int n = -1;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
    if (port.empty() || ec != std::errc() || ptr != port.data() + port.size() || n < 1 ||
        n > 65535) {
      return false;
    }
  }
  if (https != nullptr) *https = secure;
  return true;
}

Lookup ProcessEnv() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

FileReader RealFiles() {
  return [](const std::string& path) -> std::optional<std::string> {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream content;
    content << in.rdbuf();
    if (in.bad()) return std::nullopt;
    return content.str();
  };
}

EnvReader::EnvReader(Lookup lookup, FileReader files)
    : lookup_(std::move(lookup)), files_(std::move(files)) {}

std::optional<std::string> EnvReader::Get(std::string_view name) {
  std::optional<std::string> value = lookup_(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

std::string EnvReader::String(std::string_view name, std::string_view default_value) {
  return Get(name).value_or(std::string(default_value));
}

std::string EnvReader::RequiredString(std::string_view name) {
  std::optional<std::string> value = Get(name);
  if (!value) {
    AddProblem(std::string(name) + " is required");
    return "";
  }
  return *value;
}

int64_t EnvReader::Int(std::string_view name, int64_t default_value, int64_t min, int64_t max) {
  std::optional<std::string> text = Get(name);
  if (!text) return default_value;
  std::optional<int64_t> value = ParseInt(*text);
  if (!value || *value < min || *value > max) {
    AddProblem(std::string(name) + " must be an integer in [" + std::to_string(min) + ", " +
               std::to_string(max) + "], got \"" + *text + "\"");
    return default_value;
  }
  return *value;
}

bool EnvReader::Bool(std::string_view name, bool default_value) {
  std::optional<std::string> text = Get(name);
  if (!text) return default_value;
  const std::string v = Lower(*text);
  if (v == "1" || v == "true" || v == "yes" || v == "on") return true;
  if (v == "0" || v == "false" || v == "no" || v == "off") return false;
  AddProblem(std::string(name) + " must be a boolean (1|true|yes|on|0|false|no|off), got \"" +
             *text + "\"");
  return default_value;
}

std::chrono::milliseconds EnvReader::Millis(std::string_view name,
                                            std::chrono::milliseconds default_value,
                                            std::chrono::milliseconds min,
                                            std::chrono::milliseconds max) {
  return std::chrono::milliseconds(Int(name, default_value.count(), min.count(), max.count()));
}

std::string EnvReader::OneOf(std::string_view name, std::string_view default_value,
                             const std::vector<std::string>& allowed) {
  std::optional<std::string> value = Get(name);
  if (!value) return std::string(default_value);
  for (const std::string& a : allowed) {
    if (*value == a) return *value;
  }
  AddProblem(std::string(name) + " must be one of " + Join(allowed, "|") + ", got \"" + *value +
             "\"");
  return std::string(default_value);
}

std::string EnvReader::ListenAddr(std::string_view name, std::string_view default_value) {
  std::string addr = String(name, default_value);
  if (!IsHostPort(addr)) {
    AddProblem(std::string(name) + " must be host:port, got \"" + addr + "\"");
  }
  return addr;
}

std::string EnvReader::BaseUrl(std::string_view name, std::string_view default_value,
                               bool allow_insecure) {
  std::string url = String(name, default_value);
  while (!url.empty() && url.back() == '/') url.pop_back();
  bool https = false;
  if (!IsOrigin(url, &https)) {
    AddProblem(std::string(name) + " must be http(s)://host[:port] with no path, got \"" + url +
               "\"");
  } else if (!https && !allow_insecure) {
    AddProblem(std::string(name) + " must be https:// (http:// needs ALLOW_INSECURE_UPSTREAMS=1)");
  }
  return url;
}

std::vector<std::string> EnvReader::Origins(std::string_view name, std::string_view default_value) {
  std::vector<std::string> out;
  const std::string list = String(name, default_value);
  for (absl::string_view item : absl::StrSplit(list, ',', absl::SkipEmpty())) {
    std::string origin = absl::AsciiStrToLower(absl::StripAsciiWhitespace(item));
    if (!IsOrigin(origin)) {
      AddProblem(std::string(name) + " must list scheme://host[:port] origins, got \"" + origin +
                 "\"");
      continue;
    }
    out.push_back(std::move(origin));
  }
  return out;
}

std::optional<Secret> EnvReader::ReadSecretFile(std::string_view name, const std::string& path) {
  std::optional<std::string> content = files_(path);
  if (!content) {
    AddProblem(std::string(name) + " names a file that cannot be read: " + path);
    return std::nullopt;
  }
  std::string value = TrimOneNewline(std::move(*content));
  if (value.empty()) {
    AddProblem(std::string(name) + " names an empty file: " + path);
    return std::nullopt;
  }
  return Secret(std::move(value));
}

Secret EnvReader::RequiredSecretFile(std::string_view name) {
  std::optional<std::string> path = Get(name);
  if (!path) {
    AddProblem(std::string(name) + " is required (the path of a file holding the secret)");
    return Secret();
  }
  return ReadSecretFile(name, *path).value_or(Secret());
}

std::optional<Secret> EnvReader::OptionalSecretFile(std::string_view name) {
  std::optional<std::string> path = Get(name);
  if (!path) return std::nullopt;
  return ReadSecretFile(name, *path);
}

Secret EnvReader::RequiredSecretOrString(std::string_view name) {
  const std::string file_var = std::string(name) + "_FILE";
  std::optional<std::string> path = Get(file_var);
  std::optional<std::string> value = Get(name);
  if (path && value) {
    AddProblem("set only one of " + std::string(name) + " and " + file_var);
    return Secret();
  }
  if (path) return ReadSecretFile(file_var, *path).value_or(Secret());
  if (value) return Secret(std::move(*value));
  AddProblem(std::string(name) + " (or " + file_var + ") is required");
  return Secret();
}

void EnvReader::AddProblem(std::string problem) { problems_.push_back(std::move(problem)); }

absl::Status EnvReader::Finish() const {
  if (problems_.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError("invalid configuration: " + Join(problems_, "; "));
}

RunMode ParseRunMode(int argc, char** argv) {
  if (argc <= 1) return RunMode::kServe;
  if (argc == 2 && std::string_view(argv[1]) == "--check-config") return RunMode::kCheckConfig;
  return RunMode::kUsage;
}

int ReportConfigOk(std::string_view program) {
  std::cout << program << ": configuration ok" << std::endl;
  return 0;
}

int ReportUsage(std::string_view program) {
  std::cerr << "usage: " << program << " [--check-config]   (configuration: environment only)\n";
  return 2;
}

}  // namespace paymesh::config
