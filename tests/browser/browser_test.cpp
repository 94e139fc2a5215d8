// The demo shop in a real browser: a stack of its own, a dev admin, then tests/browser/shop.js
// drives Debian's chromium through every flow it covers (desktop and phone-sized). Screenshots
// and, on failure, the page's console log land in <build>/browser/.

#include <filesystem>
#include <pqxx/pqxx>
#include <string>

#include "tests/e2e/e2e.h"
#include "tests/support/process.h"
#include "tests/support/test_env.h"

namespace paymesh::e2e {
namespace {

class BrowserTest : public E2eTest {};

TEST_F(BrowserTest, TheShopWalksItsFlowsInChromium) {
  const Account admin = RegisterUser(api());
  {
    pqxx::connection c(paymesh::testing::PgDsn());
    pqxx::work tx(c);
    tx.exec_params0("UPDATE auth.users SET scopes = '{user,admin}' WHERE id = $1::uuid",
                    admin.user_id);
    tx.commit();
  }
  const std::string out = std::string(PAYMESH_BROWSER_OUT_DIR);
  std::filesystem::create_directories(out);  // a fresh build has none
  const std::string host = stack().host();
  auto node = paymesh::testing::ChildProcess::Start(
      "/usr/bin/node",
      {std::string(PAYMESH_SOURCE_DIR) + "/tests/browser/shop.js", "--gateway",
       "http://" + host + ":" + std::to_string(stack().gateway_port()), "--sim",
       "http://" + host + ":" + std::to_string(stack().sim_port()), "--out", out, "--admin",
       admin.username + ":" + admin.password},
      {{"NODE_PATH", std::string(PAYMESH_SOURCE_DIR) + "/tests/browser/node_modules"},
       {"HOME", out}},
      out + "/shop.log");
  ASSERT_TRUE(node.ok()) << node.status();
  absl::StatusOr<std::string> done =
      (*node)->WaitForLogLine("all steps passed", std::chrono::milliseconds(240000));
  EXPECT_TRUE(done.ok()) << done.status() << "\n" << (*node)->LogTail(60);
}

}  // namespace
}  // namespace paymesh::e2e
