#include "common/crypto/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <memory>

namespace paymesh::crypto {
namespace {

std::string Digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) std::abort();
  return std::string(reinterpret_cast<const char*>(out), len);
}

constexpr char kBase64Std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Base64EncodeWith(std::string_view bytes, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  const auto at = [&](size_t k) {
    return static_cast<uint32_t>(static_cast<unsigned char>(bytes[k]));
  };
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
    out += alphabet[v >> 18 & 63];
    out += alphabet[v >> 12 & 63];
    out += alphabet[v >> 6 & 63];
    out += alphabet[v & 63];
  }
  const size_t rest = bytes.size() - i;
  if (rest == 1) {
    const uint32_t v = at(i) << 16;
    out += alphabet[v >> 18 & 63];
    out += alphabet[v >> 12 & 63];
    if (pad) out += "==";
  } else if (rest == 2) {
    const uint32_t v = at(i) << 16 | at(i + 1) << 8;
    out += alphabet[v >> 18 & 63];
    out += alphabet[v >> 12 & 63];
    out += alphabet[v >> 6 & 63];
    if (pad) out += '=';
  }
  return out;
}

using DecodeTable = std::array<int8_t, 256>;

constexpr DecodeTable MakeDecodeTable(const char* alphabet) {
  DecodeTable table{};
  for (auto& t : table) t = -1;
  for (int i = 0; i < 64; ++i)
    table[static_cast<unsigned char>(alphabet[i])] = static_cast<int8_t>(i);
  return table;
}

// Strict decoding: only alphabet characters, padding exactly as `padded` demands, and unused
// trailing bits zero, so that every byte string has exactly one accepted encoding.
absl::StatusOr<std::string> Base64DecodeWith(std::string_view text, const DecodeTable& table,
                                             bool padded) {
  const auto invalid = [] { return absl::InvalidArgumentError("invalid base64"); };
  size_t data_len = text.size();
  if (padded) {
    if (text.size() % 4 != 0) return invalid();
    if (data_len > 0 && text[data_len - 1] == '=') --data_len;
    if (data_len > 0 && text[data_len - 1] == '=') --data_len;
  }
  if (data_len % 4 == 1) return invalid();
  std::string out;
  out.reserve(data_len / 4 * 3 + 2);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < data_len; ++i) {
    const int8_t v = table[static_cast<unsigned char>(text[i])];
    if (v < 0) return invalid();
    acc = acc << 6 | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>(acc >> bits & 0xFF);
    }
  }
  if ((acc & ((1u << bits) - 1)) != 0) return invalid();
  return out;
}

constexpr DecodeTable kDecodeStd = MakeDecodeTable(kBase64Std);
constexpr DecodeTable kDecodeUrl = MakeDecodeTable(kBase64Url);

std::string Hex(std::string_view bytes, const char* digits) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

}  // namespace

std::string Sha256(std::string_view data) { return Digest(EVP_sha256(), data); }
std::string Sha1(std::string_view data) { return Digest(EVP_sha1(), data); }
std::string Md5(std::string_view data) { return Digest(EVP_md5(), data); }

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t len = 0;
  // EVP_Q_mac is the OpenSSL 3 one-shot over the EVP_MAC API (HMAC() is deprecated).
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, sizeof(out),
                &len) == nullptr) {
    std::abort();
  }
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string HexLower(std::string_view bytes) { return Hex(bytes, "0123456789abcdef"); }
std::string HexUpper(std::string_view bytes) { return Hex(bytes, "0123456789ABCDEF"); }

std::string Base64Encode(std::string_view bytes) {
  return Base64EncodeWith(bytes, kBase64Std, /*pad=*/true);
}

absl::StatusOr<std::string> Base64Decode(std::string_view text) {
  return Base64DecodeWith(text, kDecodeStd, /*padded=*/true);
}

std::string Base64UrlEncode(std::string_view bytes) {
  return Base64EncodeWith(bytes, kBase64Url, /*pad=*/false);
}

absl::StatusOr<std::string> Base64UrlDecode(std::string_view text) {
  return Base64DecodeWith(text, kDecodeUrl, /*padded=*/false);
}

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    std::abort();  // no safe way to continue without a working CSPRNG
  }
  return out;
}

std::string RandomAlnum(size_t n) {
  static constexpr char kAlphabet[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  // 62 * 4 = 248: bytes >= 248 are rejected so that every character is equally likely.
  constexpr unsigned kLimit = 248;
  std::string out;
  out.reserve(n);
  while (out.size() < n) {
    for (unsigned char c : RandomBytes(n - out.size() + 8)) {
      if (c >= kLimit) continue;
      out += kAlphabet[c % 62];
      if (out.size() == n) break;
    }
  }
  return out;
}

std::string RandomToken(size_t bytes) { return Base64UrlEncode(RandomBytes(bytes)); }

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace paymesh::crypto
