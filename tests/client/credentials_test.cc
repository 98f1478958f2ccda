#include "client/credentials.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "client/http_transport.h"
#include "support/temp_dir.h"

namespace vitrine::client {
namespace {

using vitrine::testing::TempDir;

// Sets environment variables for one test and restores them afterwards.
class ScopedEnv {
 public:
  void Set(const char* name, const std::string& value) {
    const char* old = std::getenv(name);
    saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
    ::setenv(name, value.c_str(), 1);
  }
  void Unset(const char* name) {
    const char* old = std::getenv(name);
    saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
    ::unsetenv(name);
  }
  ~ScopedEnv() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->second)
        ::setenv(it->first.c_str(), it->second->c_str(), 1);
      else
        ::unsetenv(it->first.c_str());
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"VITRINE_URL", "VITRINE_TOKEN", "VITRINE_USERNAME", "VITRINE_PASSWORD",
                             "VITRINE_PUBLIC_KEY", "VITRINE_PRIVATE_KEY"}) {
      env_.Unset(name);
    }
    file_ = dir_.path() / "credentials";
    env_.Set("VITRINE_CREDENTIALS", file_.string());
  }
  void WriteFile(const std::string& text, mode_t mode) {
    std::ofstream(file_) << text;
    ::chmod(file_.c_str(), mode);
  }
  TempDir dir_;
  ScopedEnv env_;
  std::filesystem::path file_;
};

TEST_F(CredentialsTest, FileWithPrivatePermissionsIsRead) {
  WriteFile(R"({"url": "http://127.0.0.1:9", "token": "vt_abc"})", 0600);
  auto c = ResolveCredentials({});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->url, "http://127.0.0.1:9");
  EXPECT_EQ(c->token, "vt_abc");
}

TEST_F(CredentialsTest, ReadableByOthersIsRefusedWithTheFix) {
  WriteFile(R"({"token": "vt_abc"})", 0644);
  auto c = ResolveCredentials({});
  EXPECT_EQ(c.status().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(c.status().message().find("chmod 600"), std::string::npos);
}

TEST_F(CredentialsTest, BadJsonIsAnErrorAndAMissingFileIsNot) {
  WriteFile("{not json", 0600);
  EXPECT_EQ(ResolveCredentials({}).status().code(), ErrorCode::kInvalidArgument);
  std::filesystem::remove(file_);
  EXPECT_TRUE(ResolveCredentials({}).ok());
}

TEST_F(CredentialsTest, ExplicitBeatsEnvironmentBeatsFileWithoutMixing) {
  WriteFile(R"({"url": "http://file", "username": "fileuser", "password": "filepass"})", 0600);
  env_.Set("VITRINE_URL", "http://env");
  env_.Set("VITRINE_TOKEN", "vt_env");
  auto c = ResolveCredentials({});
  EXPECT_EQ(c->url, "http://env");
  EXPECT_EQ(c->token, "vt_env");
  EXPECT_TRUE(c->username.empty()) << "the file's password must not be paired with the environment's token";
  Credentials given;
  given.url = "http://flag";
  EXPECT_EQ(ResolveCredentials(given)->url, "http://flag");
}

TEST_F(CredentialsTest, TransportNeedsAUrlAndCredentials) {
  EXPECT_EQ(HttpTransport::Create({}).status().code(), ErrorCode::kInvalidArgument);
  Credentials url_only;
  url_only.url = "http://127.0.0.1:9";
  EXPECT_EQ(HttpTransport::Create(url_only).status().code(), ErrorCode::kInvalidArgument);
  url_only.token = "vt_x";
  EXPECT_TRUE(HttpTransport::Create(url_only).ok());
}

TEST(StatusOfTest, MapsServerErrorsAndForeignBodies) {
  EXPECT_TRUE(StatusOf({200, "", {}}).ok());
  EXPECT_EQ(StatusOf({404, R"({"error":{"code":"not_found","message":"project 3 not found"}})", {}}).message(),
            "project 3 not found");
  EXPECT_EQ(StatusOf({403, "<html>proxy says no</html>", {}}).code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(StatusOf({502, "<html>bad gateway</html>", {}}).code(), ErrorCode::kInternal);
}

TEST(RedactSecretsTest, AttackReadCredentialsFromTheDebugLog) {
  EXPECT_EQ(RedactSecrets(R"({"username":"alice","password":"hunter22","cookie":true})"),
            R"({"username":"alice","password":"REDACTED","cookie":true})");
  EXPECT_EQ(RedactSecrets(R"({"token" : "vt_abc\"def","expires_at":"2026"})"),
            R"({"token" : "REDACTED","expires_at":"2026"})");
  EXPECT_EQ(RedactSecrets(R"([{"public_key":"pub","private_key":"priv"}])"),
            R"([{"public_key":"pub","private_key":"REDACTED"}])");
  // A body cut at 1 KiB in the middle of a secret still shows none of it.
  EXPECT_EQ(RedactSecrets(R"({"current_password":"half-of-it)"), R"({"current_password":"REDACTED)");
  EXPECT_EQ(RedactSecrets(R"({"name":"password","n":1})"), R"({"name":"password","n":1})");
}

}  // namespace
}  // namespace vitrine::client
