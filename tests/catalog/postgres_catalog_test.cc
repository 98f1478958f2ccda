// The PostgreSQL catalog's own behaviour, beyond the conformance suite: servers starting
// together, a server restarting under it, and box queries over many annotations. Needs the
// server tests/support/services.sh --postgres starts; skipped without one, unless
// VITRINE_REQUIRE_POSTGRES=1 (then a missing server is a failure).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>
#include <thread>

#include <unistd.h>

#include "catalog/catalog.h"
#include "support/store_urls.h"
#include "support/temp_dir.h"

namespace vitrine::catalog {
namespace {

using vitrine::testing::TempDir;

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

Timestamp At(std::int64_t s) { return Timestamp(std::chrono::seconds(s)); }

class PostgresCatalog : public ::testing::Test {
 protected:
  void SetUp() override {
    if (Env("VITRINE_TEST_POSTGRES").empty()) {
      if (Env("VITRINE_REQUIRE_POSTGRES") == "1") FAIL() << "VITRINE_TEST_POSTGRES is not set";
      GTEST_SKIP() << "no PostgreSQL server (run under tests/support/services.sh --postgres)";
    }
    url_ = vitrine::testing::TestCatalogUrl(dir_.path());
  }

  std::unique_ptr<Catalog> Open() {
    auto opened = OpenCatalog(url_);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    return opened.ok() ? std::move(*opened) : nullptr;
  }

  // Runs pg_ctl on the test server (as its owner when we are root); true on success.
  static bool PgCtl(const std::string& action) {
    const std::filesystem::path data = Env("VITRINE_TEST_POSTGRES_DATA");
    std::string command = Env("VITRINE_TEST_POSTGRES_BIN") + "/pg_ctl -D '" + data.string() + "' -w -t 60 -m fast";
    if (action == "start") {
      // `start` does not reuse the options the cluster was started with: give them again.
      const std::string server = Env("VITRINE_TEST_POSTGRES");
      const auto colon = server.rfind(':');
      const std::string port = server.substr(colon + 1, server.find('/', colon) - colon - 1);
      command += " -o '-p " + port + " -k " + data.parent_path().string() +
                 " -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300'";
    }
    command += " -l '" + (data.parent_path() / "server.log").string() + "' " + action + " >/dev/null";
    if (getuid() == 0) command = "runuser -u postgres -- " + command;
    return std::system(command.c_str()) == 0;
  }

  TempDir dir_;
  std::string url_;
};

TEST_F(PostgresCatalog, ServersMigratingAFreshDatabaseTogetherBothSucceed) {
  std::unique_ptr<Catalog> a, b;
  Status sa = Status::Ok(), sb = Status::Ok();
  std::thread ta([&] {
    auto c = OpenCatalog(url_);
    sa = c.status();
    if (c.ok()) a = std::move(*c);
  });
  std::thread tb([&] {
    auto c = OpenCatalog(url_);
    sb = c.status();
    if (c.ok()) b = std::move(*c);
  });
  ta.join();
  tb.join();
  ASSERT_TRUE(sa.ok()) << sa.ToString();
  ASSERT_TRUE(sb.ok()) << sb.ToString();
  ASSERT_TRUE(a->CreateUser({"first", "", "", true, "", At(1)}).ok());
  EXPECT_TRUE(b->FindUserByUsername("FIRST").ok());
  EXPECT_TRUE(Open() != nullptr) << "a third start finds the schema current";
}

TEST_F(PostgresCatalog, ReconnectsAfterTheServerRestarts) {
  auto catalog = Open();
  ASSERT_NE(catalog, nullptr);
  auto user = catalog->CreateUser({"keep", "", "", false, "", At(1)});
  ASSERT_TRUE(user.ok());
  // Several connections in the pool, all of which the restart cuts.
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) readers.emplace_back([&] { (void)catalog->ListUsers({}); });
  for (auto& t : readers) t.join();
  ASSERT_TRUE(PgCtl("restart"));
  auto again = catalog->GetUser(user->id);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->user.username, "keep");
  EXPECT_TRUE(catalog->CreateUser({"after", "", "", false, "", At(2)}).ok());
}

TEST_F(PostgresCatalog, UnavailableWhileTheServerIsDownThenBack) {
  auto catalog = Open();
  ASSERT_NE(catalog, nullptr);
  ASSERT_TRUE(catalog->CreateUser({"keep", "", "", false, "", At(1)}).ok());
  ASSERT_TRUE(PgCtl("stop"));
  auto down = catalog->FindUserByUsername("keep");
  const bool started = PgCtl("start");
  EXPECT_EQ(down.status().code(), ErrorCode::kUnavailable) << down.status().ToString();
  EXPECT_NE(down.status().message().find("127.0.0.1"), std::string::npos) << down.status().message();
  ASSERT_TRUE(started);
  auto back = catalog->FindUserByUsername("keep");
  EXPECT_TRUE(back.ok()) << back.status().ToString();
}

TEST_F(PostgresCatalog, BoxQueriesOverManyAnnotationsReturnExactlyTheShapesThatMeetTheBox) {
  auto catalog = Open();
  ASSERT_NE(catalog, nullptr);
  auto user = catalog->CreateUser({"u", "", "", false, "", At(1)});
  auto project = catalog->CreateProject({"P", "", user->id, At(1)});
  ASSERT_TRUE(project.ok());
  std::vector<ImageId> images;
  for (char c : std::string("ab")) {
    Image image;
    image.project_id = project->id;
    image.filename = std::string(1, c) + ".png";
    image.sha256 = std::string(64, c);
    image.created_at = At(2);
    auto stored = catalog->InsertImage(image);
    ASSERT_TRUE(stored.ok()) << stored.status().ToString();
    images.push_back(stored->id);
  }
  // 50,000 boxes of up to 40 px scattered over 20,000 px square, in two images, 10,000 a batch.
  std::mt19937 random(7);
  std::uniform_real_distribution<double> place(0, 20000), size(0, 40);
  std::vector<AnnotationRow> all;
  for (int i = 0; i < 50000; ++i) {
    AnnotationRow row;
    row.annotation.project_id = project->id;
    row.annotation.image_id = images[i % 2];
    row.annotation.geometry_type = "Polygon";
    const double x = place(random), y = place(random);
    row.annotation.bbox = {x, y, x + size(random), y + size(random)};
    row.annotation.created_at = At(3);
    row.annotation.updated_at = At(3);
    row.wkb = std::string("\x01\x03\x00\x00\x00", 5);
    all.push_back(std::move(row));
  }
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t at = 0; at < all.size(); at += 10000) {
    std::vector<AnnotationRow> batch(all.begin() + at, all.begin() + at + 10000);
    auto ids = catalog->InsertAnnotations(batch);
    ASSERT_TRUE(ids.ok()) << ids.status().ToString();
    for (std::size_t i = 0; i < ids->size(); ++i) all[at + i].annotation.id = (*ids)[i];
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "[ measure  ] bulk insert: " << static_cast<int>(all.size() / seconds) << " annotations/s\n";

  const std::array<double, 4> box{5000, 5000, 6000, 5500};
  std::vector<AnnotationId> expected;
  for (const auto& row : all) {
    const auto& b = row.annotation.bbox;
    if (row.annotation.image_id == images[0] && b[2] >= box[0] && b[0] <= box[2] && b[3] >= box[1] && b[1] <= box[3])
      expected.push_back(row.annotation.id);
  }
  ASSERT_GT(expected.size(), 10u);
  AnnotationFilter filter;
  filter.images = {images[0]};
  filter.bbox = box;
  auto page = catalog->ListAnnotations(filter, {1000, 0}, {});
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  std::vector<AnnotationId> got;
  for (const auto& row : page->items) got.push_back(row.annotation.id);
  EXPECT_EQ(got, expected);
  EXPECT_EQ(page->total, static_cast<std::int64_t>(expected.size()));

  constexpr int kQueries = 200;
  const auto query_start = std::chrono::steady_clock::now();
  for (int i = 0; i < kQueries; ++i) {
    const double x = place(random), y = place(random);
    filter.bbox = std::array<double, 4>{x, y, x + 500, y + 500};
    ASSERT_TRUE(catalog->ListAnnotations(filter, {1000, 0}, {false, false, false, false}).ok());
  }
  const double per_query =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - query_start).count() / kQueries;
  std::cout << "[ measure  ] box query (500 px square, 25,000 shapes in the image): " << static_cast<int>(per_query)
            << " us\n";

  // Edges count, and a whole project's box query agrees.
  AnnotationFilter project_wide;
  project_wide.project = project->id;
  project_wide.bbox = box;
  auto wide = catalog->ListAnnotations(project_wide, {0, 0}, {});
  ASSERT_TRUE(wide.ok());
  std::int64_t both = 0;
  for (const auto& row : all) {
    const auto& b = row.annotation.bbox;
    both += b[2] >= box[0] && b[0] <= box[2] && b[3] >= box[1] && b[1] <= box[3];
  }
  EXPECT_EQ(wide->total, both);
}

}  // namespace
}  // namespace vitrine::catalog
