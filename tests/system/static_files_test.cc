// The web folder served at /web/ over real HTTP: files and their types, folders' index.html,
// and nothing outside the folder or hidden in it, however the path is spelled. The built web
// application at / with its security headers and long-cached assets, or a page that says how
// to build it.
#include "http/static_files.h"

#include <gtest/gtest.h>

#include <fstream>

#include "http/api_v1.h"
#include "http/server.h"
#include "support/http_client.h"
#include "support/temp_dir.h"

namespace vitrine::testing {
namespace {

void Write(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.path() / "web";
    Write(root_ / "index.html", "<!doctype html><title>viewer</title>");
    Write(root_ / "node_modules/openseadragon/build/openseadragon/openseadragon.min.js", "var OpenSeadragon;");
    Write(root_ / "node_modules/openseadragon/build/openseadragon/images/home_rest.png", "\x89PNG");
    Write(root_ / ".env", "SECRET=1");
    Write(dir_.path() / "outside.txt", "private");
    http::Router router;
    http::AddStaticFiles(router, "/web", root_);
    app_ = std::make_unique<http::RouterApplication>(std::move(router));
    http::ServerOptions options;
    options.port = 0;
    options.threads = 1;
    options.access_log = false;
    server_ = std::move(http::Server::Start(options, *app_)).value();
  }
  void TearDown() override { server_->Stop(); }
  HttpResult Get(const std::string& path) {
    return HttpCall("GET", "http://127.0.0.1:" + std::to_string(server_->port()) + path);
  }

  TempDir dir_;
  std::filesystem::path root_;
  std::unique_ptr<http::RouterApplication> app_;
  std::unique_ptr<http::Server> server_;
};

TEST_F(StaticFilesTest, ServesFilesWithTheirTypesAndFoldersByTheirIndex) {
  HttpResult page = Get("/web/index.html");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.body, "<!doctype html><title>viewer</title>");
  EXPECT_EQ(page.header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(Get("/web").body, page.body);
  EXPECT_EQ(Get("/web/").body, page.body);
  HttpResult script = Get("/web/node_modules/openseadragon/build/openseadragon/openseadragon.min.js");
  ASSERT_EQ(script.status, 200);
  EXPECT_EQ(script.header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(Get("/web/node_modules/openseadragon/build/openseadragon/images/home_rest.png").header("content-type"),
            "image/png");
}

TEST_F(StaticFilesTest, NothingOutsideTheFolderOrHiddenInItIsServed) {
  for (const char* path :
       {"/web/../outside.txt", "/web/%2e%2e/outside.txt", "/web/..%2foutside.txt", "/web/%2E%2E%2Foutside.txt",
        "/web/.env", "/web/missing.html", "/web/node_modules/..%5c..%5coutside.txt", "/web/a/b/c/d/e/f/g/h.html"}) {
    HttpResult r = Get(path);
    EXPECT_TRUE(r.status == 404 || r.status == 400) << path << " answered " << r.status;
    EXPECT_EQ(r.body.find("private"), std::string::npos) << path;
    EXPECT_EQ(r.body.find("SECRET"), std::string::npos) << path;
  }
  EXPECT_EQ(HttpCall("POST", "http://127.0.0.1:" + std::to_string(server_->port()) + "/web/index.html").status, 405);
}

TEST_F(StaticFilesTest, AttackFollowASymlinkOutOfTheWebFolder) {
  std::filesystem::create_symlink(dir_.path() / "outside.txt", root_ / "leak.txt");
  std::filesystem::create_directory_symlink(dir_.path(), root_ / "up");
  std::filesystem::create_symlink(root_ / "index.html", root_ / "home.html");
  for (const char* path : {"/web/leak.txt", "/web/up/outside.txt"}) {
    HttpResult r = Get(path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.body.find("private"), std::string::npos) << path;
  }
  EXPECT_EQ(Get("/web/home.html").status, 200) << "a link that stays inside the folder is fine";
}

// The built application (web/dist) at /, as `vitrine serve` mounts it.
class WebApplicationTest : public ::testing::Test {
 protected:
  void Start(bool built) {
    root_ = dir_.path() / "dist";
    Write(root_ / "index.html", "<!doctype html><main id=\"main\"></main>");
    Write(root_ / "assets/index-3f2a.js", "console.log(1)");
    Write(root_ / "assets/index-3f2a.css", "main{}");
    Write(dir_.path() / "secret.txt", "private");
    http::Router router;
    if (built) {
      http::AddWebApplication(router, root_);
    } else {
      http::AddMissingWebApplication(router, "run <code>make build</code>");
    }
    app_ = std::make_unique<http::RouterApplication>(std::move(router));
    http::ServerOptions options;
    options.port = 0;
    options.threads = 1;
    options.access_log = false;
    server_ = std::move(http::Server::Start(options, *app_)).value();
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }
  HttpResult Get(const std::string& path) {
    return HttpCall("GET", "http://127.0.0.1:" + std::to_string(server_->port()) + path);
  }

  TempDir dir_;
  std::filesystem::path root_;
  std::unique_ptr<http::RouterApplication> app_;
  std::unique_ptr<http::Server> server_;
};

TEST_F(WebApplicationTest, ThePageAtTheRootCarriesAPolicyThatAllowsOnlyThisServer) {
  Start(true);
  HttpResult page = Get("/");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.body, "<!doctype html><main id=\"main\"></main>");
  EXPECT_EQ(page.header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(page.header("cache-control"), "no-cache") << "a new build must reach browsers at once";
  const std::string policy = page.header("content-security-policy");
  EXPECT_NE(policy.find("default-src 'self'"), std::string::npos) << policy;
  EXPECT_NE(policy.find("frame-ancestors 'none'"), std::string::npos) << policy;
  EXPECT_EQ(policy.find("script-src"), std::string::npos) << "scripts fall back to 'self': no inline script";
  EXPECT_EQ(page.header("x-content-type-options"), "nosniff");
}

TEST_F(WebApplicationTest, AssetsNamedByTheirContentAreCachedForAYear) {
  Start(true);
  HttpResult script = Get("/assets/index-3f2a.js");
  ASSERT_EQ(script.status, 200);
  EXPECT_EQ(script.header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(script.header("cache-control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(Get("/assets/index-3f2a.css").header("content-type"), "text/css; charset=utf-8");
  for (const char* path :
       {"/assets/missing.js", "/assets/../index.html", "/assets/%2e%2e/../secret.txt", "/index.html/x"}) {
    HttpResult r = Get(path);
    EXPECT_TRUE(r.status == 404 || r.status == 400) << path << " answered " << r.status;
    EXPECT_EQ(r.body.find("private"), std::string::npos) << path;
  }
}

TEST_F(WebApplicationTest, WithoutABuildTheRootSaysHowToMakeOne) {
  Start(false);
  HttpResult page = Get("/");
  EXPECT_EQ(page.status, 503);
  EXPECT_EQ(page.header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("make build"), std::string::npos) << page.body;
  EXPECT_NE(page.body.find("/api/v1"), std::string::npos) << page.body;
}

}  // namespace
}  // namespace vitrine::testing
