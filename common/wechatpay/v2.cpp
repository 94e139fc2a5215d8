#include "common/wechatpay/v2.h"

#include <cctype>
#include <utility>

#include "common/crypto/aes_ecb.h"
#include "common/crypto/crypto.h"

namespace paymesh::wechatpay {
namespace {

constexpr std::string_view kCdataOpen = "<![CDATA[";
constexpr std::string_view kCdataClose = "]]>";

absl::Status Malformed(std::string_view what) {
  return absl::InvalidArgumentError("v2 XML: " + std::string(what));
}

bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// A cursor over the body.
class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}

  bool Done() const { return pos_ >= s_.size(); }
  void SkipSpace() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool Take(std::string_view token) {
    if (s_.substr(pos_, token.size()) != token) return false;
    pos_ += token.size();
    return true;
  }
  bool Peek(std::string_view token) const { return s_.substr(pos_, token.size()) == token; }

  // <name>, no attributes.
  absl::StatusOr<std::string> OpenTag() {
    if (!Take("<")) return Malformed("expected an element");
    if (Peek("!") || Peek("?")) return Malformed("DTDs, comments and instructions are refused");
    const size_t start = pos_;
    while (pos_ < s_.size() && IsNameChar(s_[pos_])) ++pos_;
    const size_t n = pos_ - start;
    if (n == 0 || n > kMaxV2NameBytes) return Malformed("bad element name");
    if (!Take(">")) return Malformed("attributes are refused");
    return std::string(s_.substr(start, n));
  }

  // Text with the five predefined entities, or one CDATA section.
  absl::StatusOr<std::string> Value() {
    if (Take(kCdataOpen)) {
      const size_t end = s_.find(kCdataClose, pos_);
      if (end == std::string_view::npos) return Malformed("unterminated CDATA");
      std::string value(s_.substr(pos_, end - pos_));
      pos_ = end + kCdataClose.size();
      return value;
    }
    std::string value;
    while (pos_ < s_.size() && s_[pos_] != '<') {
      if (s_[pos_] != '&') {
        value += s_[pos_++];
        continue;
      }
      static constexpr std::pair<std::string_view, char> kEntities[] = {
          {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
      bool known = false;
      for (const auto& [entity, c] : kEntities) {
        if (Take(entity)) {
          value += c;
          known = true;
          break;
        }
      }
      if (!known) return Malformed("entities other than the predefined ones are refused");
    }
    return value;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<V2Fields> ParseV2Xml(std::string_view body, std::string_view root) {
  const std::string open = "<" + std::string(root) + ">", close = "</" + std::string(root) + ">";
  if (body.size() > kMaxV2Bytes) return Malformed("body too large");
  Reader r(body);
  r.SkipSpace();
  if (r.Take("<?xml")) {  // the declaration only: no other instruction anywhere
    const size_t end = body.find("?>");
    if (end == std::string_view::npos) return Malformed("unterminated XML declaration");
    r = Reader(body.substr(end + 2));
    r.SkipSpace();
  }
  if (!r.Take(open)) return Malformed("the root must be " + open);
  V2Fields fields;
  while (true) {
    r.SkipSpace();
    if (r.Take(close)) break;
    if (r.Done()) return Malformed("unterminated " + open);
    absl::StatusOr<std::string> name = r.OpenTag();
    if (!name.ok()) return name.status();
    absl::StatusOr<std::string> value = r.Value();
    if (!value.ok()) return value.status();
    if (!r.Take("</" + *name + ">")) return Malformed("nested or unclosed element <" + *name + ">");
    if (fields.size() >= kMaxV2Fields) return Malformed("too many fields");
    if (!fields.emplace(std::move(*name), std::move(*value)).second) {
      return Malformed("repeated field");
    }
  }
  r.SkipSpace();
  if (!r.Done()) return Malformed("content after " + close);
  return fields;
}

std::string SerializeV2Xml(const V2Fields& fields, std::string_view root) {
  std::string out = "<" + std::string(root) + ">";
  for (const auto& [name, value] : fields) {
    out += "<" + name + ">" + std::string(kCdataOpen) + value + std::string(kCdataClose) + "</" +
           name + ">";
  }
  return out + "</" + std::string(root) + ">";
}

absl::StatusOr<V2Fields> DecryptV2RefundInfo(std::string_view req_info, std::string_view v2_key) {
  if (req_info.size() > kMaxV2Bytes) return Malformed("req_info too large");
  absl::StatusOr<std::string> sealed = crypto::Base64Decode(req_info);
  if (!sealed.ok()) return Malformed("req_info is not base64");
  absl::StatusOr<std::string> plain =
      crypto::Aes256EcbDecrypt(crypto::HexLower(crypto::Md5(v2_key)), *sealed);
  if (!plain.ok()) return absl::UnauthenticatedError("req_info does not decrypt with our key");
  absl::StatusOr<V2Fields> fields = ParseV2Xml(*plain, kV2RefundInfoRoot);
  // Only our key yields well-formed XML: anything else is as good as a wrong key.
  if (!fields.ok()) return absl::UnauthenticatedError("req_info does not decrypt to its XML");
  return fields;
}

absl::StatusOr<std::string> EncryptV2RefundInfo(const V2Fields& fields, std::string_view v2_key) {
  absl::StatusOr<std::string> sealed = crypto::Aes256EcbEncrypt(
      crypto::HexLower(crypto::Md5(v2_key)), SerializeV2Xml(fields, kV2RefundInfoRoot));
  if (!sealed.ok()) return sealed.status();
  return crypto::Base64Encode(*sealed);
}

std::string V2SignString(const V2Fields& fields, std::string_view key) {
  std::string out;
  for (const auto& [name, value] : fields) {  // std::map: byte order of the names
    if (name == "sign" || value.empty()) continue;
    if (!out.empty()) out += '&';
    out += name + "=" + value;
  }
  return out + "&key=" + std::string(key);
}

std::string SignV2(const V2Fields& fields, std::string_view key, V2SignType type) {
  const std::string message = V2SignString(fields, key);
  return crypto::HexUpper(type == V2SignType::kMd5 ? crypto::Md5(message)
                                                   : crypto::HmacSha256(key, message));
}

absl::Status VerifyV2(const V2Fields& fields, std::string_view key) {
  auto sign = fields.find("sign");
  if (sign == fields.end() || sign->second.empty()) {
    return absl::UnauthenticatedError("v2 sign missing");
  }
  V2SignType type;
  if (sign->second.size() == 32) {
    type = V2SignType::kMd5;
  } else if (sign->second.size() == 64) {
    type = V2SignType::kHmacSha256;
  } else {
    return absl::UnauthenticatedError("v2 sign has neither MD5's nor HMAC-SHA256's length");
  }
  auto declared = fields.find("sign_type");
  if (declared != fields.end() && !declared->second.empty()) {
    const V2SignType named = declared->second == "HMAC-SHA256" ? V2SignType::kHmacSha256
                             : declared->second == "MD5"       ? V2SignType::kMd5
                                                               : type;
    if (named != type || (declared->second != "MD5" && declared->second != "HMAC-SHA256")) {
      return absl::UnauthenticatedError("v2 sign_type does not match the sign");
    }
  }
  // Hex is compared upper-case, in constant time.
  std::string given = sign->second;
  for (char& c : given) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (!crypto::ConstantTimeEquals(given, SignV2(fields, key, type))) {
    return absl::UnauthenticatedError("v2 sign does not verify");
  }
  return absl::OkStatus();
}

std::string V2Reply(bool success, std::string_view message) {
  return SerializeV2Xml({{"return_code", success ? "SUCCESS" : "FAIL"},
                         {"return_msg", success ? "OK" : std::string(message)}});
}

}  // namespace paymesh::wechatpay
