// POST /api/v1/auth/register: the rules on username, password and mobile, and duplicates.

#include <algorithm>
#include <cctype>

#include "tests/e2e/e2e.h"

namespace paymesh::e2e {
namespace {

namespace json = boost::json;

class RegistrationTest : public E2eTest {
 protected:
  HttpResponse Register(const std::string& username, const std::string& password,
                        const std::string& mobile = "") {
    json::object body{{"username", username}, {"password", password}};
    if (!mobile.empty()) {
      body["mobile"] = mobile;
      // A well-formed mobile is proven with the code texted to it; a malformed one is refused
      // before any code matters.
      const bool well_formed = mobile.size() == 11 && mobile[0] == '1' && mobile[1] >= '3' &&
                               std::all_of(mobile.begin(), mobile.end(), ::isdigit);
      if (well_formed) body["sms_code"] = SmsCode(stack(), mobile);
    }
    return api().Post("/api/v1/auth/register", json::serialize(body));
  }

  HttpResponse LoginAs(const std::string& username, const std::string& password) {
    return api().Post("/api/v1/auth/login", json::serialize(json::object{{"username", username},
                                                                         {"password", password}}));
  }
};

TEST_F(RegistrationTest, CreatesTheUser) {
  const std::string username = NewUsername();
  HttpResponse r = Register(username, "a fine password");
  ASSERT_EQ(r.status, 201) << r;
  const json::value v = Json(r);
  ASSERT_TRUE(v.is_object() && v.as_object().contains("user")) << r;
  EXPECT_FALSE(Str(v, {"user", "id"}).empty()) << r;
  EXPECT_EQ(Str(v, {"user", "username"}), username) << r;
  EXPECT_FALSE(Str(v, {"user", "created_at"}).empty()) << r;
  EXPECT_EQ(r.body.find("a fine password"), std::string::npos) << r;
  EXPECT_EQ(r.body.find("scrypt"), std::string::npos) << "a hash leaked: " << r;
  EXPECT_FALSE(r.Header("X-Request-Id").empty()) << r;
  EXPECT_EQ(LoginAs(username, "a fine password").status, 200);
}

TEST_F(RegistrationTest, DuplicateUsernameIs409AndKeepsTheFirstAccount) {
  const std::string username = NewUsername();
  HttpResponse first = Register(username, "first password");
  ASSERT_EQ(first.status, 201) << first;
  EXPECT_TRUE(IsError(Register(username, "second password"), 409, "ALREADY_EXISTS"));
  EXPECT_EQ(LoginAs(username, "first password").status, 200);
  EXPECT_TRUE(IsError(LoginAs(username, "second password"), 401, "UNAUTHENTICATED"));
}

TEST_F(RegistrationTest, DuplicateMobileIs409) {
  const std::string mobile = NewMobile();
  ASSERT_EQ(Register(NewUsername(), "a fine password", mobile).status, 201);
  EXPECT_TRUE(IsError(Register(NewUsername(), "a fine password", mobile), 409, "ALREADY_EXISTS"));
}

TEST_F(RegistrationTest, BoundariesAreAccepted) {
  auto expect_created = [&](const std::string& username, const std::string& password,
                            const std::string& mobile, const char* what) {
    HttpResponse r = Register(username, password, mobile);
    // Three characters leave little room for randomness: an earlier run may own the name.
    if (username.size() == 3 && r.status == 409) {
      EXPECT_TRUE(IsError(r, 409, "ALREADY_EXISTS")) << what;
      return;
    }
    ASSERT_EQ(r.status, 201) << what << ": " << r;
    const json::value v = Json(r);
    EXPECT_EQ(Str(v, {"user", "username"}), username) << what << ": " << r;
    EXPECT_FALSE(Str(v, {"user", "id"}).empty()) << what << ": " << r;
  };
  const std::string suffix = NewUsername().substr(2);  // 12 random characters
  expect_created("u" + suffix.substr(0, 2), "a fine password", "", "3-character username");
  expect_created("U_" + suffix + std::string(18, '9'), "a fine password", "",
                 "32-character username");
  expect_created(NewUsername(), "12345678", "", "8-character password");
  expect_created(NewUsername(), std::string(128, 'p'), "", "128-character password");
  expect_created(NewUsername(), "a fine password", "19" + NewMobile().substr(2),
                 "mobile starting 19");
}

TEST_F(RegistrationTest, BadFieldsAre400) {
  const std::string ok_user = NewUsername();
  const std::pair<std::string, std::string> bad_credentials[] = {
      {"", "a fine password"},
      {"ab", "a fine password"},
      {"u" + std::string(32, 'x'), "a fine password"},
      {"bad-name", "a fine password"},
      {"bad name", "a fine password"},
      {"bad.name", "a fine password"},
      {"名字名字", "a fine password"},
      {ok_user, ""},
      {ok_user, "1234567"},
      {ok_user, std::string(129, 'p')},
  };
  for (const auto& [username, password] : bad_credentials) {
    EXPECT_TRUE(IsError(Register(username, password), 400, "INVALID_ARGUMENT"))
        << "'" << username << "' / " << password.size() << "-character password";
  }
  for (const std::string& mobile :
       {std::string("12345"), std::string("1380013800"), std::string("138001380001"),
        std::string("23800138000"), std::string("12800138000"), std::string("+8613800138000"),
        std::string("1380013800a")}) {
    EXPECT_TRUE(
        IsError(Register(NewUsername(), "a fine password", mobile), 400, "INVALID_ARGUMENT"))
        << mobile;
  }
  // None of the rejected requests created the account they named.
  EXPECT_TRUE(IsError(LoginAs(ok_user, "1234567"), 401, "UNAUTHENTICATED"));
  EXPECT_EQ(Register(ok_user, "a fine password").status, 201);
}

}  // namespace
}  // namespace paymesh::e2e
