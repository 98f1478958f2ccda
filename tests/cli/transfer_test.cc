// `vitrine upload` and `vitrine download` against a real server process.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <regex>

#include "core/digest.h"
#include "imaging/init.h"
#include "support/cli_runner.h"
#include "support/http_client.h"
#include "support/sample_images.h"
#include "support/temp_dir.h"
#include "wire/json.h"

namespace vitrine::testing {
namespace {

namespace fs = std::filesystem;

class TransferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(imaging::InitializeImaging("vitrine-tests").ok());
    data_ = dir_.path() / "data";
    std::string d = " --data " + data_.string();
    ASSERT_EQ(RunVitrine("user add alice --password password-alice" + d).exit_code, 0);
    CommandResult project = RunVitrine("project create Traps --owner alice --json" + d);
    ASSERT_EQ(project.exit_code, 0) << project.output;
    project_ = std::to_string(wire::Json::parse(project.output)["id"].get<int>());
    CommandResult token = RunVitrine("token create --user alice --expires-in 3600" + d);
    ASSERT_EQ(token.exit_code, 0);
    token_ = token.output.substr(0, token.output.find('\n'));
    server_ = std::make_unique<ServeProcess>(data_, dir_.path() / "serve.log");
    port_ = server_->port();
    ASSERT_GT(port_, 0) << server_->log();
    env_ = {{"VITRINE_URL", server_->url()},
            {"VITRINE_TOKEN", token_},
            {"XDG_CACHE_HOME", (dir_.path() / "cache").string()},
            {"VITRINE_CREDENTIALS", (dir_.path() / "no-such-file").string()}};
    fs::create_directories(dir_.path() / "photos" / "day2");
  }

  fs::path Photo(const std::string& relative, int width) {
    fs::path p = dir_.path() / "photos" / relative;
    WriteSampleImage(p, {.width = width, .height = 120});
    return p;
  }

  CommandResult Vitrine(const std::string& args) { return RunVitrine(args, "", env_); }

  TempDir dir_;
  fs::path data_;
  std::string project_, token_;
  int port_ = 0;
  std::unique_ptr<ServeProcess> server_;
  std::map<std::string, std::string> env_;
};

TEST_F(TransferTest, UploadsAFolderThenSkipsWhatIsThereAndResumes) {
  fs::path a = Photo("5c173ff2.2020-06-20_00-00-00.jpg", 200);
  fs::path b = Photo("5c173ff2.2020-06-20_01-00-00.jpg", 201);
  Photo("day2/5c173ff2.2020-06-21_00-00-00.jpg", 202);
  Photo("day2/c.png", 203);
  Photo("day2/d.tif", 204);
  std::ofstream(dir_.path() / "photos" / "notes.txt") << "not an image, and not picked from a folder";

  // An "interrupted" first run that got two files across.
  CommandResult first = Vitrine("upload -p " + project_ + " " + a.string() + " " + b.string());
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("uploaded 2, skipped 0, failed 0"), std::string::npos) << first.output;

  CommandResult resumed = Vitrine("upload -p " + project_ + " --jobs 3 " + (dir_.path() / "photos").string());
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("uploaded 3, skipped 2, failed 0"), std::string::npos) << resumed.output;
  EXPECT_NE(resumed.output.find("hashed 5 files (2 unchanged since last time)"), std::string::npos) << resumed.output;

  CommandResult again = Vitrine("upload -p " + project_ + " " + (dir_.path() / "photos").string());
  EXPECT_NE(again.output.find("uploaded 0, skipped 5, failed 0"), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("(5 unchanged since last time)"), std::string::npos) << "no file re-hashed";

  HttpResult listed = HttpCall("GET", server_->url() + "/api/v1/projects/" + project_ + "/images?device=5c173ff2",
                               {"Authorization: Bearer " + token_});
  EXPECT_EQ(wire::Json::parse(listed.body)["total"], 3);
}

TEST_F(TransferTest, FailuresAreListedAndTheExitCodeSaysSo) {
  Photo("good.jpg", 150);
  fs::path bad = dir_.path() / "photos" / "broken.jpg";
  std::ofstream(bad) << "JFIF? no.";
  CommandResult r = Vitrine("upload -p " + project_ + " " + (dir_.path() / "photos").string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("uploaded 1, skipped 0, failed 1"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("broken.jpg: not an image format"), std::string::npos) << r.output;
  EXPECT_NE(Vitrine("upload -p 999 " + (dir_.path() / "photos").string()).exit_code, 0);
}

TEST_F(TransferTest, CredentialsMustComeFromSomewhere) {
  auto no_token = env_;
  no_token.erase("VITRINE_TOKEN");
  Photo("x.jpg", 100);
  CommandResult r = RunVitrine("upload -p " + project_ + " " + (dir_.path() / "photos").string(), "", no_token);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("no credentials"), std::string::npos) << r.output;
  no_token["VITRINE_TOKEN"] = "vt_wrong";
  EXPECT_NE(RunVitrine("upload -p " + project_ + " " + (dir_.path() / "photos").string(), "", no_token)
                .output.find("invalid credentials"),
            std::string::npos);
}

TEST_F(TransferTest, DownloadsVerifyHashesAndSkipWhatIsHere) {
  fs::path a = Photo("a.jpg", 160);
  fs::path b = Photo("b.png", 161);
  ASSERT_EQ(Vitrine("upload -p " + project_ + " " + (dir_.path() / "photos").string()).exit_code, 0);
  fs::path out = dir_.path() / "out";
  CommandResult r = Vitrine("download -p " + project_ + " " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(ReadFileBytes(out / "a.jpg"), ReadFileBytes(a));
  EXPECT_EQ(ReadFileBytes(out / "b.png"), ReadFileBytes(b));
  CommandResult again = Vitrine("download -p " + project_ + " " + out.string());
  EXPECT_NE(again.output.find("downloaded 0, skipped 2, failed 0"), std::string::npos) << again.output;
  // A damaged local copy is fetched again.
  std::ofstream(out / "a.jpg") << "damaged";
  CommandResult repaired = Vitrine("download -p " + project_ + " " + out.string());
  EXPECT_NE(repaired.output.find("downloaded 1, skipped 1"), std::string::npos) << repaired.output;
  EXPECT_EQ(ReadFileBytes(out / "a.jpg"), ReadFileBytes(a));
  EXPECT_FALSE(fs::exists(out / "a.jpg.part"));
}

TEST_F(TransferTest, UploadWaitsOutAServerRestart) {
  Photo("r.jpg", 170);
  server_->Stop();
  // The upload starts while the server is down; it retries with backoff until it is back.
  auto held = std::make_unique<PortHolder>(port_);
  ASSERT_TRUE(held->bound());
  auto upload = std::async(std::launch::async,
                           [&] { return Vitrine("upload -p " + project_ + " " + (dir_.path() / "photos").string()); });
  ASSERT_TRUE(held->WaitForAttempt(std::chrono::seconds(30))) << "the upload never tried the server";
  held.reset();
  server_ = std::make_unique<ServeProcess>(data_, dir_.path() / "serve2.log", port_);
  ASSERT_EQ(server_->port(), port_) << server_->log();
  CommandResult r = upload.get();
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("uploaded 1"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace vitrine::testing
