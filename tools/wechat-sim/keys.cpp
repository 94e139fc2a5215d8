#include "tools/wechat-sim/keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <functional>
#include <optional>

#include "common/crypto/crypto.h"
#include "common/error/status_macros.h"
#include "tools/wechat-sim/platform.h"

namespace paymesh::wechatsim {
namespace {

constexpr char kPubKeyIdPrefix[] = "PUB_KEY_ID_";
constexpr mode_t kPrivate = 0600;
constexpr mode_t kPublic = 0644;

std::string Path(const std::string& dir, const char* name) { return dir + "/" + name; }

// The file's content without trailing newlines, or nullopt when it does not exist.
absl::StatusOr<std::optional<std::string>> ReadIfExists(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    return absl::InternalError("cannot read " + path + ": " + std::strerror(errno));
  }
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return absl::InternalError("cannot read " + path + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// Writes through a temporary file renamed into place, so a crash never leaves half a key.
absl::Status WriteFile(const std::string& path, const std::string& content, mode_t mode) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return absl::InternalError("cannot write " + tmp + ": " + std::strerror(errno));
  ::fchmod(fd, mode);
  const std::string data = content + "\n";
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return absl::InternalError("cannot write " + tmp + ": " + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::InternalError("cannot write " + path + ": " + std::strerror(errno));
  }
  return absl::OkStatus();
}

absl::Status MakeDirs(const std::string& dir) {
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') continue;
    const std::string prefix = dir.substr(0, pos);
    if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) {
      return absl::InternalError("cannot create " + prefix + ": " + std::strerror(errno));
    }
  }
  return absl::OkStatus();
}

// The file's content if it exists and passes `valid`; otherwise `make()` written with `mode`.
absl::StatusOr<std::string> ReadOrCreate(const std::string& path, mode_t mode,
                                         const std::function<bool(const std::string&)>& valid,
                                         const std::function<std::string()>& make) {
  ASSIGN_OR_RETURN(std::optional<std::string> existing, ReadIfExists(path));
  if (existing) {
    if (!valid(*existing)) return absl::InvalidArgumentError(path + " is malformed");
    return *existing;
  }
  std::string value = make();
  RETURN_IF_ERROR(WriteFile(path, value, mode));
  return value;
}

std::string RandomDigits(size_t n) {
  std::string out;
  const std::string bytes = crypto::RandomBytes(n * 2);
  for (size_t i = 0; out.size() < n && i < bytes.size(); ++i) {
    const unsigned char b = static_cast<unsigned char>(bytes[i]);
    if (b < 250) out.push_back(static_cast<char>('0' + b % 10));  // unbiased
  }
  while (out.size() < n) out += RandomDigits(n - out.size());
  return out;
}

// A private key file and its public counterpart, which is rewritten if missing or different.
absl::StatusOr<crypto::RsaPrivateKey> KeyPair(const std::string& dir, const char* private_name,
                                              const char* public_name) {
  const std::string path = Path(dir, private_name);
  ASSIGN_OR_RETURN(std::optional<std::string> pem, ReadIfExists(path));
  std::optional<crypto::RsaPrivateKey> key;
  if (pem) {
    absl::StatusOr<crypto::RsaPrivateKey> parsed = crypto::RsaPrivateKey::FromPem(*pem);
    if (!parsed.ok()) return absl::InvalidArgumentError(path + " is not an RSA private key");
    key = *parsed;
  } else {
    key = crypto::RsaPrivateKey::Generate(2048);
    RETURN_IF_ERROR(WriteFile(path, key->ToPem(), kPrivate));
  }
  const std::string public_path = Path(dir, public_name);
  std::string public_pem = key->PublicKey().ToPem();
  while (!public_pem.empty() && public_pem.back() == '\n') public_pem.pop_back();
  ASSIGN_OR_RETURN(std::optional<std::string> existing, ReadIfExists(public_path));
  if (existing != public_pem) RETURN_IF_ERROR(WriteFile(public_path, public_pem, kPublic));
  return *key;
}

}  // namespace

bool IsPublicKeyId(std::string_view id) {
  const std::string_view prefix = kPubKeyIdPrefix;
  if (id.size() != prefix.size() + 28 || id.substr(0, prefix.size()) != prefix) return false;
  for (char c : id.substr(prefix.size())) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool IsMerchantSerial(std::string_view s) {
  if (s.size() != 40) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

bool IsApiV3Key(std::string_view key) {
  if (key.size() != 32) return false;
  for (char c : key) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
      return false;
    }
  }
  return true;
}

bool IsAppSecret(std::string_view secret) {
  return secret.size() == 32 && std::all_of(secret.begin(), secret.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

absl::StatusOr<SimKeys> LoadOrCreateKeys(const std::string& dir, const std::string& mchid,
                                         const std::string& appid,
                                         const std::string& miniprogram_appid) {
  RETURN_IF_ERROR(MakeDirs(dir));
  ASSIGN_OR_RETURN(crypto::RsaPrivateKey platform,
                   KeyPair(dir, kPlatformPrivateKeyFile, kPlatformPublicKeyFile));
  ASSIGN_OR_RETURN(crypto::RsaPrivateKey merchant,
                   KeyPair(dir, kMerchantPrivateKeyFile, kMerchantPublicKeyFile));
  ASSIGN_OR_RETURN(crypto::RsaPrivateKey cert_key,
                   KeyPair(dir, kPlatformCertPrivateKeyFile, kPlatformCertPublicKeyFile));
  ASSIGN_OR_RETURN(
      std::string cert_pem,
      ReadOrCreate(
          Path(dir, kPlatformCertFile), kPublic,
          [&](const std::string& pem) { return PlatformCertificateOf(cert_key, pem).ok(); },
          [&] {
            return IssueCertificatePem(cert_key, static_cast<int64_t>(std::time(nullptr)),
                                       kPlatformCertificateLifetimeSeconds)
                .value_or("");
          }));
  ASSIGN_OR_RETURN(std::string key_id, ReadOrCreate(
                                           Path(dir, kPlatformPublicKeyIdFile), kPublic,
                                           [](const std::string& s) { return IsPublicKeyId(s); },
                                           [] { return kPubKeyIdPrefix + RandomDigits(28); }));
  ASSIGN_OR_RETURN(std::string serial,
                   ReadOrCreate(
                       Path(dir, kMerchantSerialFile), kPublic,
                       [](const std::string& s) { return IsMerchantSerial(s); },
                       [] { return crypto::HexUpper(crypto::RandomBytes(20)); }));
  ASSIGN_OR_RETURN(std::string apiv3_key, ReadOrCreate(
                                              Path(dir, kApiV3KeyFile), kPrivate,
                                              [](const std::string& s) { return IsApiV3Key(s); },
                                              [] { return crypto::RandomAlnum(32); }));
  ASSIGN_OR_RETURN(std::string v2_key, ReadOrCreate(
                                           Path(dir, kV2KeyFile), kPrivate,
                                           [](const std::string& s) { return IsApiV3Key(s); },
                                           [] { return crypto::RandomAlnum(32); }));
  const auto secret = [&](const char* name) {
    return ReadOrCreate(
        Path(dir, name), kPrivate, [](const std::string& s) { return IsAppSecret(s); },
        [] { return crypto::HexLower(crypto::RandomBytes(16)); });
  };
  ASSIGN_OR_RETURN(std::string app_secret, secret(kAppSecretFile));
  ASSIGN_OR_RETURN(std::string miniprogram_secret, secret(kMiniProgramSecretFile));
  RETURN_IF_ERROR(WriteFile(Path(dir, kMchidFile), mchid, kPublic));
  RETURN_IF_ERROR(WriteFile(Path(dir, kAppidFile), appid, kPublic));
  RETURN_IF_ERROR(WriteFile(Path(dir, kMiniProgramAppidFile), miniprogram_appid, kPublic));
  return SimKeys{std::move(platform),   std::move(key_id),
                 merchant.PublicKey(),  std::move(serial),
                 std::move(apiv3_key),  std::move(v2_key),
                 std::move(app_secret), std::move(miniprogram_secret),
                 std::move(cert_key),   std::move(cert_pem)};
}

}  // namespace paymesh::wechatsim
