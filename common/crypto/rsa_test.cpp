#include "common/crypto/rsa.h"

#include <gtest/gtest.h>

#include "common/crypto/crypto.h"

namespace paymesh::crypto {
namespace {

// A fixed key and a signature made with the OpenSSL command line
// (`openssl dgst -sha256 -sign key.pem msg`), so the implementation is checked against an
// independent signer, not only against itself.
constexpr char kPrivatePem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvwIBADANBgkqhkiG9w0BAQEFAASCBKkwggSlAgEAAoIBAQCifegDT9KCPjo2\n"
    "2+G5uiqND9eJmatVVCn/FCBZSNssVL9nsdN1u6rULRUtUAwJAv/XBXaQn/R6YNHw\n"
    "lYajhs8zSVNDx2sJi+QNPw98+98511CDxkP5G2v7LGJabVWBKUZfQxcrRPxjTQip\n"
    "BCo95in7kLinQAwqKvMfrHv/kzUmqOTmlhix0ipBnWvLgCTVMWyZUTCqKN6a9q+Q\n"
    "98xX8dGF7ntku2B69A+5qYTLHeX9Y/KrXpdEetJ2S0S5khJ7CHK6PAYFh3PFxZfd\n"
    "a+ZE2mvLube6ZhX86vLkK1M9ulLpSIhfaq2vRbxK99h9KQQLC8Va+ZGNY169EL/R\n"
    "qe0wiAGVAgMBAAECggEATUe2TcTr6FeyFh8zVsKstBQhvWahbt6tboxi6jPVUVsp\n"
    "ASc429iaYXjjhn54ityrUtddUWFRw9ZCYrqqoyFdcBXijOzOAmdO2eHw+s9LllXK\n"
    "DDICZ/pbu8SbLkirjtdTicD9xu1zX8LmaIP7lx7dPrDQsXKrlm6A3MKK4r1fXPfZ\n"
    "8ZEzwNl3Vxnp8v92LZ/tr8vgqW58qIen9bW7XPsCKetLtF5LCZ8vIosBeP6VmL2N\n"
    "a57xa/5eVOpPSRdY5YObkZzeG55qWPO1/aZ5MR8UYDbEEyMvQ2mmi0OWq8tgi2LX\n"
    "LZSlJzoLcEN+nfu2SNqIoXnjuijZA334wkTGCMVhDQKBgQDcvNzv5MIco2VZVhxc\n"
    "K7QxCom2gXvFYtnrrurbfAMTjyda74wIJcFKlfdGFaZ/x/HbuxU0yoHqZMdq4KpV\n"
    "khVnRNmJcx30BgP4KB1X6GviCtijf2PU0KUT2bSIfZkrHXAPYVEXTQLqppca1jMq\n"
    "rE3QoxjONzSzp5N5eBkEzTNsQwKBgQC8cw78UUMSlRmmUJ2SMvRBz3ATaHnMLauy\n"
    "b1rAwZkEzd8z+axsARvdfnwcbTSWZtS4v0h/Tjz99FpD85OomYGeWfT7KuVOcRB4\n"
    "zp/m3NHXRJ6EIynbE6zCbS2voIhYLKs8xwodpC3i0EUvrGDf0BhY785jY3ustzFV\n"
    "KieR4ZTpRwKBgQCAzDKeR3x7+VtJpVUm8tlRRDTWqPbvVZ6SRp4DM3kYEI+GIAA1\n"
    "QNJoEtkVq8xbAu+8pozZINBtVCCH3E+HXpXei+3ipaj0mg323nFAuf05B9sgi1RU\n"
    "+OlZi84rVh3pamPYlZAbaHQrNsk0f4ebfq5o7sGqkcvOiBkk506x3ooCwQKBgQC7\n"
    "WR/y1M77sGN5pvegGyweKR5hDSLZTCZAFNiCfXWlAw792yABl/Cd+Vtl32PCiqS8\n"
    "rt5iQeP9DWqX15ZarZHhXclh0rl5jIo1sCXkHHA5tSxqbZL1C9Ba0rPywIQMNQxg\n"
    "NfjmkwxTS38c8CC3IWizMmVbBdI0WUOgSXJhY4TpjQKBgQCvD1XgeUvDAyW3lXjY\n"
    "oyI34ovnJIl62cWDIllaxWtMTOo4qzie1qgiPCbN0gLPnmieMY3i0mMfsc+nR52P\n"
    "7fpLCNEWTtLFJ8pVLL/qCmqZU8inrr0Go7G9y5NXplDWLMiXLJf04lnxxvgqwZ7r\n"
    "RRLmVnt78RJo3eTTEYd9JGf5GQ==\n"
    "-----END PRIVATE KEY-----\n";
constexpr char kPkcs1Pem[] =
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEpQIBAAKCAQEAon3oA0/Sgj46NtvhuboqjQ/XiZmrVVQp/xQgWUjbLFS/Z7HT\n"
    "dbuq1C0VLVAMCQL/1wV2kJ/0emDR8JWGo4bPM0lTQ8drCYvkDT8PfPvfOddQg8ZD\n"
    "+Rtr+yxiWm1VgSlGX0MXK0T8Y00IqQQqPeYp+5C4p0AMKirzH6x7/5M1Jqjk5pYY\n"
    "sdIqQZ1ry4Ak1TFsmVEwqijemvavkPfMV/HRhe57ZLtgevQPuamEyx3l/WPyq16X\n"
    "RHrSdktEuZISewhyujwGBYdzxcWX3WvmRNpry7m3umYV/Ory5CtTPbpS6UiIX2qt\n"
    "r0W8SvfYfSkECwvFWvmRjWNevRC/0antMIgBlQIDAQABAoIBAE1Htk3E6+hXshYf\n"
    "M1bCrLQUIb1moW7erW6MYuoz1VFbKQEnONvYmmF444Z+eIrcq1LXXVFhUcPWQmK6\n"
    "qqMhXXAV4ozszgJnTtnh8PrPS5ZVygwyAmf6W7vEmy5Iq47XU4nA/cbtc1/C5miD\n"
    "+5ce3T6w0LFyq5ZugNzCiuK9X1z32fGRM8DZd1cZ6fL/di2f7a/L4KlufKiHp/W1\n"
    "u1z7AinrS7ReSwmfLyKLAXj+lZi9jWue8Wv+XlTqT0kXWOWDm5Gc3huealjztf2m\n"
    "eTEfFGA2xBMjL0NppotDlqvLYIti1y2UpSc6C3BDfp37tkjaiKF547oo2QN9+MJE\n"
    "xgjFYQ0CgYEA3Lzc7+TCHKNlWVYcXCu0MQqJtoF7xWLZ667q23wDE48nWu+MCCXB\n"
    "SpX3RhWmf8fx27sVNMqB6mTHauCqVZIVZ0TZiXMd9AYD+CgdV+hr4grYo39j1NCl\n"
    "E9m0iH2ZKx1wD2FRF00C6qaXGtYzKqxN0KMYzjc0s6eTeXgZBM0zbEMCgYEAvHMO\n"
    "/FFDEpUZplCdkjL0Qc9wE2h5zC2rsm9awMGZBM3fM/msbAEb3X58HG00lmbUuL9I\n"
    "f048/fRaQ/OTqJmBnln0+yrlTnEQeM6f5tzR10SehCMp2xOswm0tr6CIWCyrPMcK\n"
    "HaQt4tBFL6xg39AYWO/OY2N7rLcxVSonkeGU6UcCgYEAgMwynkd8e/lbSaVVJvLZ\n"
    "UUQ01qj271WekkaeAzN5GBCPhiAANUDSaBLZFavMWwLvvKaM2SDQbVQgh9xPh16V\n"
    "3ovt4qWo9JoN9t5xQLn9OQfbIItUVPjpWYvOK1Yd6Wpj2JWQG2h0KzbJNH+Hm36u\n"
    "aO7BqpHLzogZJOdOsd6KAsECgYEAu1kf8tTO+7Bjeab3oBssHikeYQ0i2UwmQBTY\n"
    "gn11pQMO/dsgAZfwnflbZd9jwoqkvK7eYkHj/Q1ql9eWWq2R4V3JYdK5eYyKNbAl\n"
    "5BxwObUsam2S9QvQWtKz8sCEDDUMYDX45pMMU0t/HPAgtyFoszJlWwXSNFlDoEly\n"
    "YWOE6Y0CgYEArw9V4HlLwwMlt5V42KMiN+KL5ySJetnFgyJZWsVrTEzqOKs4ntao\n"
    "IjwmzdICz55onjGN4tJjH7HPp0edj+36SwjRFk7SxSfKVSy/6gpqmVPIp669BqOx\n"
    "vcuTV6ZQ1izIlyyX9OJZ8cb4KsGe60US5lZ7e/ESaN3k0xGHfSRn+Rk=\n"
    "-----END RSA PRIVATE KEY-----\n";
constexpr char kPublicPem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAon3oA0/Sgj46Ntvhuboq\n"
    "jQ/XiZmrVVQp/xQgWUjbLFS/Z7HTdbuq1C0VLVAMCQL/1wV2kJ/0emDR8JWGo4bP\n"
    "M0lTQ8drCYvkDT8PfPvfOddQg8ZD+Rtr+yxiWm1VgSlGX0MXK0T8Y00IqQQqPeYp\n"
    "+5C4p0AMKirzH6x7/5M1Jqjk5pYYsdIqQZ1ry4Ak1TFsmVEwqijemvavkPfMV/HR\n"
    "he57ZLtgevQPuamEyx3l/WPyq16XRHrSdktEuZISewhyujwGBYdzxcWX3WvmRNpr\n"
    "y7m3umYV/Ory5CtTPbpS6UiIX2qtr0W8SvfYfSkECwvFWvmRjWNevRC/0antMIgB\n"
    "lQIDAQAB\n"
    "-----END PUBLIC KEY-----\n";
constexpr char kMessage[] =
    "POST\n/v3/pay/transactions/native\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n"
    "{\"mchid\":\"1900009191\"}\n";
constexpr char kSignatureBase64[] =
    "GtoR+4e/dYSeQrGvNW744xkPwZF5el/Q/"
    "0zg+lITWlGZv98VfNLY8r5AyxMadBOEpny6v6KTKZu43NIQDhD7uCuuZPb9uXlksKDWhtcqTh5njZUsfgHgTHcyV8xh+"
    "3viFJVRr9Im5rQ+H3Jmy/"
    "Cntd7zvL1FrSY4A41E6V3UkxHiuAl6gomVKjIHUsYKEWlhB7kkaGDJ92O+Uz7t6VEEVh7ILx4IIZ+QW4Ut5U0eutW2+"
    "XpIobEDIvofdLXwYipQLLdCEX/3jTgvePvtbeoLGGz29n23DJ5rDR6ai6Tw58cX6l8uR9ao+/"
    "I0taQNIClJ2LxhoEN5ngnBxq2ed+w6Cw==";

TEST(RsaTest, SignatureMatchesIndependentSigner) {
  auto key = RsaPrivateKey::FromPem(kPrivatePem);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->bits(), 2048);
  EXPECT_EQ(Base64Encode(key->SignSha256(kMessage)), kSignatureBase64);
}

TEST(RsaTest, VerifiesIndependentSignatureAndRejectsTampering) {
  auto pub = RsaPublicKey::FromPem(kPublicPem);
  ASSERT_TRUE(pub.ok()) << pub.status();
  auto sig = Base64Decode(kSignatureBase64);
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(pub->VerifySha256(kMessage, *sig));

  std::string message = kMessage;
  message[0] = 'G';
  EXPECT_FALSE(pub->VerifySha256(message, *sig));
  std::string bad_sig = *sig;
  bad_sig[10] ^= 0x01;
  EXPECT_FALSE(pub->VerifySha256(kMessage, bad_sig));
  EXPECT_FALSE(pub->VerifySha256(kMessage, ""));
}

TEST(RsaTest, GeneratedKeyRoundTripsThroughPem) {
  RsaPrivateKey key = RsaPrivateKey::Generate(2048);
  auto again = RsaPrivateKey::FromPem(key.ToPem());
  ASSERT_TRUE(again.ok());
  std::string sig = again->SignSha256("abc");
  auto pub = RsaPublicKey::FromPem(key.PublicKey().ToPem());
  ASSERT_TRUE(pub.ok());
  EXPECT_TRUE(pub->VerifySha256("abc", sig));
  EXPECT_FALSE(RsaPublicKey::FromPem(kPublicPem)->VerifySha256("abc", sig));
}

TEST(RsaTest, AcceptsPkcs1AndRejectsGarbage) {
  auto key = RsaPrivateKey::FromPem(kPkcs1Pem);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(Base64Encode(key->SignSha256(kMessage)), kSignatureBase64);
  EXPECT_FALSE(
      RsaPrivateKey::FromPem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
          .ok());
  EXPECT_FALSE(RsaPublicKey::FromPem("not a key").ok());
  EXPECT_FALSE(RsaPrivateKey::FromPem(kPublicPem).ok());
}

}  // namespace
}  // namespace paymesh::crypto
