// The e2e harness itself: child processes, their logs and the serving-line parser, driven with
// /bin/sh so that a broken harness fails here rather than as a puzzling e2e failure.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>

#include "tests/support/process.h"
#include "tests/support/test_env.h"

namespace paymesh::testing {
namespace {

using std::chrono::milliseconds;

class HarnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / UniqueName("paymesh-harness-");
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<ChildProcess> Shell(const std::string& script,
                                      const std::map<std::string, std::string>& env = {}) {
    auto child = ChildProcess::Start("/bin/sh", {"-c", script}, env, Log());
    EXPECT_TRUE(child.ok()) << child.status();
    return child.ok() ? std::move(child).value() : nullptr;
  }
  std::string Log() const { return (dir_ / "child.log").string(); }

  std::filesystem::path dir_;
};

TEST_F(HarnessTest, FindsTheServingLineAndTerminates) {
  auto child = Shell(R"(echo starting; echo '{"msg":"serving","grpc_port":4321}'; exec sleep 30)");
  ASSERT_NE(child, nullptr);
  auto line = child->WaitForLogLine(R"("msg":"serving")", milliseconds(5000));
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_EQ(IntField(*line, "grpc_port"), 4321);
  EXPECT_TRUE(child->Running());
  EXPECT_FALSE(child->ExitCode().has_value());
  child->Terminate();
  EXPECT_FALSE(child->Running());
  EXPECT_EQ(child->ExitCode(), 128 + SIGTERM);
}

TEST_F(HarnessTest, FailsFastWithTheLogTailWhenTheChildExits) {
  auto child = Shell("echo 'config: PG_DSN is required' >&2; exit 2");
  ASSERT_NE(child, nullptr);
  const auto started = std::chrono::steady_clock::now();
  auto line = child->WaitForLogLine("serving", milliseconds(20000));
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(5000));
  ASSERT_FALSE(line.ok());
  EXPECT_EQ(line.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(line.status().message().find("PG_DSN is required"), absl::string_view::npos)
      << line.status();
  EXPECT_EQ(child->ExitCode(), 2);
}

TEST_F(HarnessTest, TimesOutWithTheLogTail) {
  auto child = Shell("echo 'still warming up'; exec sleep 30");
  ASSERT_NE(child, nullptr);
  auto line = child->WaitForLogLine("serving", milliseconds(300));
  ASSERT_FALSE(line.ok());
  EXPECT_EQ(line.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_NE(line.status().message().find("still warming up"), absl::string_view::npos)
      << line.status();
  child->Kill();
  EXPECT_EQ(child->ExitCode(), 128 + SIGKILL);
}

TEST_F(HarnessTest, PassesOnlyPathAndTheGivenEnvironment) {
  ASSERT_EQ(setenv("PAYMESH_HARNESS_LEAK", "1", 1), 0);
  auto child = Shell("env; echo done", {{"GIVEN_VAR", "given value"}});
  ASSERT_NE(child, nullptr);
  ASSERT_TRUE(child->WaitForLogLine("done", milliseconds(5000)).ok());
  const std::string log = child->LogTail(100);
  EXPECT_NE(log.find("GIVEN_VAR=given value"), std::string::npos) << log;
  EXPECT_NE(log.find("PATH="), std::string::npos) << log;
  EXPECT_EQ(log.find("PAYMESH_HARNESS_LEAK"), std::string::npos) << log;
  unsetenv("PAYMESH_HARNESS_LEAK");
}

TEST_F(HarnessTest, ARestartOnTheSameLogSeesOnlyItsOwnLines) {
  auto first = Shell("echo 'run one ready'");
  ASSERT_NE(first, nullptr);
  ASSERT_TRUE(first->WaitForLogLine("ready", milliseconds(5000)).ok());
  first->Terminate();

  auto second = Shell("echo 'run two booting'; exit 1");
  ASSERT_NE(second, nullptr);
  auto line = second->WaitForLogLine("ready", milliseconds(5000));
  EXPECT_FALSE(line.ok()) << "found the previous run's line: " << *line;
  EXPECT_EQ(second->LogTail().find("run one"), std::string::npos) << second->LogTail();
}

TEST_F(HarnessTest, MissingBinaryIsAnError) {
  auto child = ChildProcess::Start((dir_ / "no-such-binary").string(), {}, {}, Log());
  EXPECT_FALSE(child.ok());
}

TEST(IntFieldTest, ReadsIntegersOnly) {
  EXPECT_EQ(IntField(R"({"a":1,"grpc_port":20051})", "grpc_port"), 20051);
  EXPECT_EQ(IntField(R"({"grpc_port":-1})", "grpc_port"), -1);
  EXPECT_EQ(IntField(R"({"grpc_port":"20051"})", "grpc_port"), std::nullopt);
  EXPECT_EQ(IntField(R"({"grpc_port":1.5})", "grpc_port"), std::nullopt);
  EXPECT_EQ(IntField(R"({"other":1})", "grpc_port"), std::nullopt);
  EXPECT_EQ(IntField(R"({"nested":{"grpc_port":1}})", "grpc_port"), std::nullopt);
  EXPECT_EQ(IntField("not json", "grpc_port"), std::nullopt);
  EXPECT_EQ(IntField("[1,2]", "grpc_port"), std::nullopt);
}

}  // namespace
}  // namespace paymesh::testing
