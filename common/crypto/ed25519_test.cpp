#include "common/crypto/ed25519.h"

#include <gtest/gtest.h>

#include <string>

#include "common/crypto/crypto.h"

namespace paymesh::crypto {
namespace {

std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

// RFC 8032 section 7.1, TEST 1.
const std::string kSeed =
    FromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
const std::string kPublic =
    FromHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
const std::string kSignature = FromHex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9"
    "b46bd25bf5f0595bbe24655141438e7a100b");

TEST(Ed25519Test, Rfc8032Test1) {
  auto key = Ed25519PrivateKey::FromRawSeed(kSeed);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(HexLower(key->PublicKey().Raw()), HexLower(kPublic));
  EXPECT_EQ(HexLower(key->Sign("")), HexLower(kSignature));

  auto pub = Ed25519PublicKey::FromRaw(kPublic);
  ASSERT_TRUE(pub.ok()) << pub.status();
  EXPECT_TRUE(pub->Verify("", kSignature));
}

TEST(Ed25519Test, TamperedMessageOrSignatureFails) {
  auto key = Ed25519PrivateKey::Generate();
  const std::string message = "header.payload";
  const std::string sig = key.Sign(message);
  ASSERT_EQ(sig.size(), 64u);
  const Ed25519PublicKey pub = key.PublicKey();
  EXPECT_TRUE(pub.Verify(message, sig));
  EXPECT_FALSE(pub.Verify("header.payloae", sig));
  EXPECT_FALSE(pub.Verify(message + " ", sig));
  std::string flipped = sig;
  flipped[10] = static_cast<char>(flipped[10] ^ 0x01);
  EXPECT_FALSE(pub.Verify(message, flipped));
  EXPECT_FALSE(pub.Verify(message, sig.substr(0, 63)));
  EXPECT_FALSE(pub.Verify(message, ""));
  EXPECT_FALSE(Ed25519PrivateKey::Generate().PublicKey().Verify(message, sig));
}

TEST(Ed25519Test, PemRoundTrip) {
  auto key = Ed25519PrivateKey::Generate();
  const std::string pem = key.ToPem();
  EXPECT_EQ(pem.rfind("-----BEGIN PRIVATE KEY-----", 0), 0u) << pem;

  auto reloaded = Ed25519PrivateKey::FromPem(pem);
  ASSERT_TRUE(reloaded.ok()) << reloaded.status();
  EXPECT_EQ(reloaded->PublicKey().Raw(), key.PublicKey().Raw());
  EXPECT_EQ(reloaded->Sign("m"), key.Sign("m"));  // Ed25519 is deterministic

  const std::string pub_pem = key.PublicKey().ToPem();
  EXPECT_EQ(pub_pem.rfind("-----BEGIN PUBLIC KEY-----", 0), 0u) << pub_pem;
  auto pub = Ed25519PublicKey::FromPem(pub_pem);
  ASSERT_TRUE(pub.ok()) << pub.status();
  EXPECT_TRUE(pub->Verify("m", key.Sign("m")));
}

TEST(Ed25519Test, RejectsBadKeys) {
  EXPECT_FALSE(Ed25519PrivateKey::FromRawSeed("short").ok());
  EXPECT_FALSE(Ed25519PublicKey::FromRaw(std::string(31, 'a')).ok());
  EXPECT_FALSE(Ed25519PrivateKey::FromPem("not a pem").ok());
  EXPECT_FALSE(Ed25519PublicKey::FromPem("").ok());
  // A public key is not a private key, and vice versa.
  auto key = Ed25519PrivateKey::Generate();
  EXPECT_FALSE(Ed25519PrivateKey::FromPem(key.PublicKey().ToPem()).ok());
  EXPECT_FALSE(Ed25519PublicKey::FromPem(key.ToPem()).ok());
}

}  // namespace
}  // namespace paymesh::crypto
