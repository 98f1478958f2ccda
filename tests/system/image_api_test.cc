// Images over real HTTP: every format, metadata extraction, duplicates, bad files, ranges,
// thumbnails, listings and series, permissions, and garbage collection.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/digest.h"
#include "support/http_client.h"
#include "support/sample_images.h"
#include "support/test_server.h"
#include "vitrine/client.h"
#include "wire/json.h"

namespace vitrine::testing {
namespace {

using wire::Json;
namespace fs = std::filesystem;

Json BodyOf(const HttpResult& r) { return Json::parse(r.body, nullptr, false); }

std::size_t CountFiles(const fs::path& dir) {
  std::size_t n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); ++it) {
    if (it->is_regular_file()) ++n;
  }
  return n;
}

class ImageApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    token_ = server_.CreateUserWithToken("alice", false, &alice_);
    project_ = CreateProject("Field traps");
  }

  std::string Auth() const { return "Authorization: Bearer " + token_; }

  std::string CreateProject(const std::string& name) {
    HttpResult r = HttpCall("POST", server_.url("/api/v1/projects"), {Auth()}, Json({{"name", name}}).dump());
    EXPECT_EQ(r.status, 201);
    return std::to_string(BodyOf(r)["id"].get<int>());
  }

  fs::path Sample(const std::string& name, const SampleOptions& options = {}) {
    fs::path path = files_.path() / name;
    WriteSampleImage(path, options);
    return path;
  }

  HttpResult Upload(const std::string& bytes, const std::string& filename, const std::string& project = "",
                    const std::string& token = "") {
    std::string url =
        server_.url("/api/v1/projects/" + (project.empty() ? project_ : project) + "/images?filename=" + filename);
    return HttpCall("POST", url, {"Authorization: Bearer " + (token.empty() ? token_ : token)}, bytes);
  }

  HttpResult Get(const std::string& path, std::vector<std::string> headers = {}) {
    headers.push_back(Auth());
    return HttpCall("GET", server_.url(path), headers);
  }

  std::int64_t ImageCount(const std::string& project = "") {
    return BodyOf(Get("/api/v1/projects/" + (project.empty() ? project_ : project) + "/images"))["total"];
  }

  TestServer server_;
  TempDir files_;
  std::string token_;
  UserId alice_;
  std::string project_;
};

TEST_F(ImageApiTest, EveryCommonFormatIsAcceptedAndDescribed) {
  struct Case {
    const char* name;
    const char* format;
    SampleOptions options;
  };
  std::vector<Case> cases = {
      {"a.jpg", "jpeg", {}},
      {"b.png", "png", {}},
      {"c.tif", "tiff", {}},
      {"d.tif", "tiff", {.tiff_options = "[bigtiff]"}},
      {"e.webp", "webp", {}},
      {"f.jp2", "jp2k", {}},
      {"g.heic", "heif", {}},
      {"h.png", "png", {.bands = 1, .sixteen_bit = true}},
      {"i.tif", "tiff", {.width = 2048, .height = 1024, .tiff_options = "[tile,pyramid]"}},
  };
  for (const Case& c : cases) {
    HttpResult r = Upload(ReadFileBytes(Sample(c.name, c.options)), c.name);
    ASSERT_EQ(r.status, 201) << c.name << ": " << r.body;
    Json image = BodyOf(r);
    EXPECT_EQ(image["format"], c.format) << c.name;
    EXPECT_EQ(image["width"], c.options.width) << c.name;
    EXPECT_EQ(image["height"], c.options.height) << c.name;
    EXPECT_EQ(image["channels"], c.options.bands) << c.name;
    EXPECT_EQ(image["bit_depth"], c.options.sixteen_bit ? 16 : 8) << c.name;
    EXPECT_EQ(image["sha256"].get<std::string>().size(), 64u);
    EXPECT_EQ(image["md5"].get<std::string>().size(), 32u);
    EXPECT_FALSE(image["created_at"].is_null());
  }
  HttpResult pyramid = Get("/api/v1/images/" + std::to_string(cases.size()));
  EXPECT_EQ(BodyOf(pyramid)["levels"], 5) << "2048 → 1024 → 512 → 256 → 128, one default 128-px tile";
  EXPECT_EQ(BodyOf(pyramid)["planes"], 1);
  EXPECT_EQ(ImageCount(), static_cast<std::int64_t>(cases.size()));
}

TEST_F(ImageApiTest, TiffResolutionBecomesPhysicalPixelSize) {
  HttpResult r = Upload(ReadFileBytes(Sample("res.tif", {.pixels_per_mm = 4000})), "res.tif");  // 0.25 µm/px
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_NEAR(BodyOf(r)["pixel_size_x_um"].get<double>(), 0.25, 1e-6);
  HttpResult jpeg = Upload(ReadFileBytes(Sample("nores.jpg")), "nores.jpg");
  EXPECT_TRUE(BodyOf(jpeg)["pixel_size_x_um"].is_null()) << "a camera JPEG's 72 dpi is not a physical size";
}

TEST_F(ImageApiTest, ExifCaptureTimeAndStickyPiSensorFields) {
  SampleOptions exif{.exif_datetime_original = "2021:07:14 08:15:30",
                     .exif_user_comment =
                         "v,T,H,B,L,lat,lng,a,l,b\n3.1.0,21.9,76.8,72,1.20,49.26142,-123.25088,97.3,"
                         "2022-05-17_18-40-00,1"};
  HttpResult r = Upload(ReadFileBytes(Sample("exif.jpg", exif)), "exif.jpg");
  ASSERT_EQ(r.status, 201) << r.body;
  Json image = BodyOf(r);
  EXPECT_EQ(image["captured_at"], "2021-07-14T08:15:30Z");
  EXPECT_TRUE(image["device"].is_null());
  EXPECT_EQ(image["properties"]["temp"], "21.9");
  EXPECT_EQ(image["properties"]["lat"], "49.26142");
  EXPECT_EQ(image["properties"]["device_version"], "3.1.0");
}

TEST_F(ImageApiTest, StickyPiNamesGiveDeviceAndTimeAndBadOnesAreRefused) {
  // The name wins over EXIF for Sticky Pi images.
  std::string bytes = ReadFileBytes(Sample("trap.jpg", {.exif_datetime_original = "2021:07:14 08:15:30"}));
  HttpResult r = Upload(bytes, "5c173ff2.2020-06-20_21-33-24.jpg");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(BodyOf(r)["device"], "5c173ff2");
  EXPECT_EQ(BodyOf(r)["captured_at"], "2020-06-20T21:33:24Z");
  std::string other = ReadFileBytes(Sample("other.jpg", {.width = 100}));
  HttpResult bad_device = Upload(other, "5c17zz.2020-06-20_21-33-24.jpg");
  EXPECT_EQ(bad_device.status, 400) << bad_device.body;
  EXPECT_NE(bad_device.body.find("device id"), std::string::npos);
  HttpResult bad_date = Upload(other, "5c173ff2.2020-02-31_21-33-24.jpg");
  EXPECT_EQ(bad_date.status, 400) << bad_date.body;
  EXPECT_EQ(ImageCount(), 1);
}

TEST_F(ImageApiTest, DuplicatesAre409WithTheExistingIdAndBlobsAreStoredOnce) {
  std::string bytes = ReadFileBytes(Sample("dup.jpg"));
  HttpResult first = Upload(bytes, "dup.jpg");
  ASSERT_EQ(first.status, 201);
  std::size_t blobs_after_first = CountFiles(server_.data_dir() / "blobs" / "objects");
  HttpResult again = Upload(bytes, "renamed.jpg");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(BodyOf(again)["error"]["code"], "conflict");
  EXPECT_EQ(BodyOf(again)["error"]["existing_id"], BodyOf(first)["id"]);
  std::string second_project = CreateProject("Elsewhere");
  HttpResult elsewhere = Upload(bytes, "dup.jpg", second_project);
  EXPECT_EQ(elsewhere.status, 201) << "another project may hold the same file";
  EXPECT_EQ(BodyOf(elsewhere)["sha256"], BodyOf(first)["sha256"]);
  EXPECT_EQ(CountFiles(server_.data_dir() / "blobs" / "objects"), blobs_after_first)
      << "the original and its cached thumbnail are each stored once";
}

TEST_F(ImageApiTest, UnreadableFilesStoreNothingAndLeaveTheServerHealthy) {
  std::string jpeg = ReadFileBytes(Sample("whole.jpg", {.width = 800, .height = 600}));
  std::string truncated = jpeg.substr(0, jpeg.size() / 2);
  std::string corrupt = jpeg.substr(0, 600) + std::string(jpeg.size() - 600, '\x5a');
  struct Bad {
    const char* name;
    std::string bytes;
    long status;
  };
  std::vector<Bad> cases = {{"truncated.jpg", truncated, 415},
                            {"corrupt.jpg", corrupt, 415},
                            {"empty.jpg", "", 400},
                            {"notes.txt", "these are field notes, not an image", 415},
                            {"fake.png", "\x89PNG\r\n\x1a\n garbage after the signature", 415}};
  for (const Bad& bad : cases) {
    HttpResult r = Upload(bad.bytes, bad.name);
    EXPECT_EQ(r.status, bad.status) << bad.name << ": " << r.body;
    EXPECT_TRUE(BodyOf(r)["error"]["message"].is_string()) << bad.name;
  }
  EXPECT_EQ(ImageCount(), 0);
  EXPECT_EQ(CountFiles(server_.data_dir() / "blobs"), 0u) << "no blob and no temp file left behind";
  EXPECT_EQ(HttpCall("GET", server_.url("/api/v1/health")).status, 200);
  EXPECT_EQ(Upload(jpeg, "whole.jpg").status, 201);
}

TEST_F(ImageApiTest, FileDownloadsHonourRangesAndValidators) {
  std::string bytes = ReadFileBytes(Sample("r.png"));
  HttpResult up = Upload(bytes, "r.png");
  ASSERT_EQ(up.status, 201);
  std::string path = "/api/v1/images/" + std::to_string(BodyOf(up)["id"].get<int>()) + "/file";
  std::string size = std::to_string(bytes.size());

  HttpResult whole = Get(path);
  EXPECT_EQ(whole.status, 200);
  EXPECT_EQ(whole.body, bytes);
  EXPECT_EQ(whole.header("content-type"), "image/png");
  EXPECT_EQ(whole.header("etag"), "\"" + core::Sha256Hex(bytes) + "\"");
  EXPECT_EQ(whole.header("accept-ranges"), "bytes");

  HttpResult first = Get(path, {"Range: bytes=0-99"});
  EXPECT_EQ(first.status, 206);
  EXPECT_EQ(first.body, bytes.substr(0, 100));
  EXPECT_EQ(first.header("content-range"), "bytes 0-99/" + size);
  HttpResult suffix = Get(path, {"Range: bytes=-10"});
  EXPECT_EQ(suffix.status, 206);
  EXPECT_EQ(suffix.body, bytes.substr(bytes.size() - 10));
  HttpResult tail = Get(path, {"Range: bytes=100-"});
  EXPECT_EQ(tail.body, bytes.substr(100));
  HttpResult beyond = Get(path, {"Range: bytes=" + size + "-"});
  EXPECT_EQ(beyond.status, 416);
  EXPECT_EQ(beyond.header("content-range"), "bytes */" + size);
  EXPECT_EQ(Get(path, {"Range: bytes=9-2"}).status, 416);

  HttpResult cached = Get(path, {"If-None-Match: " + whole.header("etag")});
  EXPECT_EQ(cached.status, 304);
  EXPECT_TRUE(cached.body.empty());
  HttpResult head = HttpCall("HEAD", server_.url(path), {Auth()});
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-length"), size);
}

TEST_F(ImageApiTest, ThumbnailsKeepAspectAndAreCached) {
  HttpResult up = Upload(ReadFileBytes(Sample("wide.jpg", {.width = 1200, .height = 600})), "wide.jpg");
  ASSERT_EQ(up.status, 201);
  std::string path = "/api/v1/images/" + std::to_string(BodyOf(up)["id"].get<int>()) + "/thumbnail";
  HttpResult standard = Get(path);
  ASSERT_EQ(standard.status, 200) << standard.body;
  EXPECT_EQ(standard.header("content-type"), "image/jpeg");
  EXPECT_EQ(DecodedSize(standard.body), std::make_pair(256, 128));
  for (const char* format : {"png", "webp", "jpg"}) {
    HttpResult r = Get(path + "?max_size=100&format=" + format);
    ASSERT_EQ(r.status, 200) << format;
    EXPECT_EQ(DecodedSize(r.body), std::make_pair(100, 50)) << format;
  }
  server_.service().images().FlushCaches();
  std::size_t blobs = CountFiles(server_.data_dir() / "blobs" / "objects");
  HttpResult again = Get(path + "?max_size=100&format=png");
  EXPECT_EQ(CountFiles(server_.data_dir() / "blobs" / "objects"), blobs) << "served from the cache";
  EXPECT_EQ(Get(path + "?max_size=100&format=png", {"If-None-Match: " + again.header("etag")}).status, 304);
  HttpResult tiny = Get("/api/v1/images/" + std::to_string(BodyOf(up)["id"].get<int>()) + "/thumbnail?max_size=5000");
  EXPECT_EQ(tiny.status, 400);
  EXPECT_EQ(Get(path + "?format=bmp").status, 400);
  EXPECT_EQ(Get(path + "?max_size=0").status, 400);
}

TEST_F(ImageApiTest, MultipartUploadsCarryMetadata) {
  std::string bytes = ReadFileBytes(Sample("m.png"));
  std::string body =
      "--B0UND\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n"
      "{\"properties\": {\"stage\": \"larva\", \"trap\": \"7\"}}\r\n"
      "--B0UND\r\nContent-Disposition: form-data; name=\"file\"; filename=\"from-part.png\"\r\n"
      "Content-Type: image/png\r\n\r\n" +
      bytes + "\r\n--B0UND--\r\n";
  HttpResult r = HttpCall("POST", server_.url("/api/v1/projects/" + project_ + "/images"),
                          {Auth(), "Content-Type: multipart/form-data; boundary=B0UND"}, body);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(BodyOf(r)["filename"], "from-part.png");
  EXPECT_EQ(BodyOf(r)["properties"]["stage"], "larva");
  EXPECT_EQ(BodyOf(r)["sha256"], core::Sha256Hex(bytes));
  HttpResult no_file = HttpCall("POST", server_.url("/api/v1/projects/" + project_ + "/images"),
                                {Auth(), "Content-Type: multipart/form-data; boundary=B0UND"}, "--B0UND--\r\n");
  EXPECT_EQ(no_file.status, 400) << no_file.body;
}

TEST_F(ImageApiTest, EditAndDeleteThenGarbageCollect) {
  HttpResult up = Upload(ReadFileBytes(Sample("e.jpg")), "e.jpg");
  std::string id = std::to_string(BodyOf(up)["id"].get<int>());
  HttpResult patched = HttpCall("PATCH", server_.url("/api/v1/images/" + id), {Auth()},
                                R"({"filename":"renamed.jpg","properties":{"stage":"adult","gone":null}})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(BodyOf(patched)["filename"], "renamed.jpg");
  EXPECT_EQ(BodyOf(patched)["properties"], Json({{"stage", "adult"}}));
  EXPECT_EQ(HttpCall("PATCH", server_.url("/api/v1/images/" + id), {Auth()}, R"({"filename":"a/b"})").status, 400);

  EXPECT_EQ(HttpCall("DELETE", server_.url("/api/v1/images/" + id), {Auth()}).status, 204);
  EXPECT_EQ(Get("/api/v1/images/" + id).status, 404);
  // The blob files themselves are seen only in a file store (not under services.sh --s3).
  const bool files = std::getenv("VITRINE_TEST_S3") == nullptr;
  if (files) {
    EXPECT_GT(CountFiles(server_.data_dir() / "blobs" / "objects"), 0u);
  }
  auto young = server_.service().images().CollectGarbage(service::Caller::LocalOperator(), std::chrono::hours(1));
  ASSERT_TRUE(young.ok());
  EXPECT_EQ(young->blobs_removed, 0) << "recent blobs are kept";
  auto report = server_.service().images().CollectGarbage(service::Caller::LocalOperator(), std::chrono::seconds(-1));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->blobs_removed, 2) << "the original and its thumbnail";
  if (files) {
    EXPECT_EQ(CountFiles(server_.data_dir() / "blobs" / "objects"), 0u);
  }
}

TEST_F(ImageApiTest, GarbageCollectionKeepsBlobsOtherProjectsStillUse) {
  std::string bytes = ReadFileBytes(Sample("shared.jpg"));
  HttpResult a = Upload(bytes, "shared.jpg");
  std::string other = CreateProject("Other");
  ASSERT_EQ(Upload(bytes, "shared.jpg", other).status, 201);
  ASSERT_EQ(
      HttpCall("DELETE", server_.url("/api/v1/images/" + std::to_string(BodyOf(a)["id"].get<int>())), {Auth()}).status,
      204);
  auto report = server_.service().images().CollectGarbage(service::Caller::LocalOperator(), std::chrono::seconds(-1));
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->blobs_removed, 0);
  HttpResult still = Get("/api/v1/projects/" + other + "/images");
  std::string path = "/api/v1/images/" + std::to_string(BodyOf(still)["items"][0]["id"].get<int>()) + "/file";
  EXPECT_EQ(Get(path).body, bytes);
}

class SeriesTest : public ImageApiTest {
 protected:
  void SetUp() override {
    ImageApiTest::SetUp();
    std::string bytes = ReadFileBytes(Sample("base.jpg", {.width = 64, .height = 48}));
    // Distinct content per file: the name alone would make them duplicates.
    const char* names[] = {"5c173ff2.2020-06-20_00-00-00.jpg", "5c173ff2.2020-06-20_12-00-00.jpg",
                           "5c173ff2.2020-06-21_00-00-00.jpg", "0a0b0c0d.2020-06-20_06-00-00.jpg", "plain-photo.jpg"};
    int i = 0;
    for (const char* name : names) {
      ASSERT_EQ(Upload(ReadFileBytes(Sample("s" + std::to_string(i++) + ".jpg", {.width = 60 + i})), name).status, 201);
    }
  }
  std::vector<std::string> Filenames(const std::string& query, const std::string& base = "") {
    HttpResult r = Get((base.empty() ? "/api/v1/projects/" + project_ + "/images" : base) + "?" + query);
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> out;
    Json body = BodyOf(r);  // kept alive: a range-for over a temporary's member would dangle
    for (const auto& item : body["items"]) out.push_back(item["filename"]);
    return out;
  }
};

TEST_F(SeriesTest, DeviceAndTimeWindowWithInclusiveStartAndExclusiveEnd) {
  EXPECT_EQ(Filenames("device=5c17%25&captured_from=2020-06-20T00:00:00Z&captured_to=2020-06-21T00:00:00Z"),
            (std::vector<std::string>{"5c173ff2.2020-06-20_00-00-00.jpg", "5c173ff2.2020-06-20_12-00-00.jpg"}));
  EXPECT_EQ(Filenames("device=5c173ff2&captured_from=2020-06-20T12:00:00Z").size(), 2u);
  EXPECT_EQ(Filenames("device=5c173ff2&captured_to=2020-06-20T12:00:00Z").size(), 1u);
  EXPECT_EQ(Filenames("captured_from=2020-06-20T06:00:00Z&captured_to=2020-06-20T06:00:00.000001Z"),
            (std::vector<std::string>{"0a0b0c0d.2020-06-20_06-00-00.jpg"}));
  EXPECT_EQ(Filenames("device=nothing%25").size(), 0u);
  EXPECT_EQ(Filenames("filename=plain%25"), (std::vector<std::string>{"plain-photo.jpg"}));
  auto ordered = Filenames("sort=captured_at&order=desc");
  EXPECT_EQ(ordered.front(), "5c173ff2.2020-06-21_00-00-00.jpg");
  EXPECT_EQ(ordered.back(), "plain-photo.jpg") << "images without a capture time sort last";
  EXPECT_EQ(Get("/api/v1/projects/" + project_ + "/images?captured_from=yesterday").status, 400);
  EXPECT_EQ(Get("/api/v1/projects/" + project_ + "/images?sort=colour").status, 400);
}

TEST_F(SeriesTest, PaginationCoversEveryImageOnce) {
  std::vector<std::string> all;
  for (int offset = 0; offset < 6; offset += 2) {
    auto page = Filenames("sort=filename&limit=2&offset=" + std::to_string(offset));
    all.insert(all.end(), page.begin(), page.end());
  }
  EXPECT_EQ(all.size(), 5u);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
}

TEST_F(SeriesTest, CrossProjectSeriesShowsOnlyReadableProjects) {
  UserId bob_id;
  std::string bob = server_.CreateUserWithToken("bob", false, &bob_id);
  HttpResult bobs_project =
      HttpCall("POST", server_.url("/api/v1/projects"), {"Authorization: Bearer " + bob}, R"({"name":"bob's traps"})");
  std::string bp = std::to_string(BodyOf(bobs_project)["id"].get<int>());
  ASSERT_EQ(Upload(ReadFileBytes(Sample("bob.jpg", {.width = 90})), "5c173ff2.2020-06-20_03-00-00.jpg", bp, bob).status,
            201);
  auto mine = Filenames("device=5c173ff2", "/api/v1/images");
  EXPECT_EQ(mine.size(), 3u) << "alice sees her three, not bob's";
  HttpResult as_bob = HttpCall("GET", server_.url("/api/v1/images?device=5c173ff2"), {"Authorization: Bearer " + bob});
  EXPECT_EQ(BodyOf(as_bob)["total"], 1);
  ASSERT_TRUE(
      server_.service()
          .projects()
          .PutMember(service::Caller::LocalOperator(), ProjectId(std::stoi(project_)), bob_id, ProjectRole::kViewer)
          .ok());
  as_bob = HttpCall("GET", server_.url("/api/v1/images?device=5c173ff2&captured_from=2020-06-20T00:00:00Z"),
                    {"Authorization: Bearer " + bob});
  EXPECT_EQ(BodyOf(as_bob)["total"], 4);
  EXPECT_EQ(BodyOf(as_bob)["items"][1]["filename"], "5c173ff2.2020-06-20_03-00-00.jpg") << "ordered by capture time";
}

TEST_F(ImageApiTest, HashLookupTellsWhichFilesAreAlreadyThere) {
  std::string bytes = ReadFileBytes(Sample("l.jpg"));
  HttpResult up = Upload(bytes, "l.jpg");
  std::string sha = core::Sha256Hex(bytes);
  std::string missing(64, 'a');
  HttpResult r = HttpCall("POST", server_.url("/api/v1/projects/" + project_ + "/images/lookup"), {Auth()},
                          Json({{"sha256", {sha, missing}}}).dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(BodyOf(r)["existing"], Json({{sha, BodyOf(up)["id"]}}));
  EXPECT_EQ(HttpCall("POST", server_.url("/api/v1/projects/" + project_ + "/images/lookup"), {Auth()},
                     R"({"sha256":["../etc"]})")
                .status,
            400);
}

// ---- Permissions on every image route. ----

TEST_F(ImageApiTest, PermissionMatrix) {
  enum { kNoAuth, kOutsider, kViewer, kContributor, kManager, kAdmin, kCount };
  const char* names[] = {"no-auth", "outsider", "viewer", "contributor", "manager", "admin"};
  std::vector<std::string> tokens(kCount);
  std::vector<UserId> ids(kCount);
  for (int p = kOutsider; p < kCount; ++p) tokens[p] = server_.CreateUserWithToken(names[p], p == kAdmin, &ids[p]);
  auto& projects = server_.service().projects();
  auto op = service::Caller::LocalOperator();
  ProjectId project(std::stoi(project_));
  ASSERT_TRUE(projects.PutMember(op, project, ids[kViewer], ProjectRole::kViewer).ok());
  ASSERT_TRUE(projects.PutMember(op, project, ids[kContributor], ProjectRole::kContributor).ok());
  ASSERT_TRUE(projects.PutMember(op, project, ids[kManager], ProjectRole::kManager).ok());

  int serial = 0;
  // Each cell gets its own image (uploaded by alice, the owner), so destructive routes are independent.
  auto fresh_image = [&] {
    HttpResult r = Upload(ReadFileBytes(Sample("p" + std::to_string(serial) + ".jpg", {.width = 50 + serial})),
                          "p" + std::to_string(serial) + ".jpg");
    ++serial;
    EXPECT_EQ(r.status, 201) << r.body;
    return std::to_string(BodyOf(r)["id"].get<int>());
  };
  struct RouteCase {
    const char* method;
    const char* path;
    long expected[kCount];
  };
  const RouteCase routes[] = {
      {"GET", "/api/v1/images/{i}", {401, 404, 200, 200, 200, 200}},
      {"GET", "/api/v1/images/{i}/file", {401, 404, 200, 200, 200, 200}},
      {"GET", "/api/v1/images/{i}/thumbnail", {401, 404, 200, 200, 200, 200}},
      {"PATCH", "/api/v1/images/{i}", {401, 404, 403, 200, 200, 200}},
      {"DELETE", "/api/v1/images/{i}", {401, 404, 403, 403, 204, 204}},
      {"GET", "/api/v1/projects/{p}/images", {401, 404, 200, 200, 200, 200}},
      {"POST", "/api/v1/projects/{p}/images?filename=new{n}.jpg", {401, 404, 403, 201, 201, 201}},
      {"POST", "/api/v1/projects/{p}/images/lookup", {401, 404, 200, 200, 200, 200}},
      {"GET", "/api/v1/images", {401, 200, 200, 200, 200, 200}},
  };
  for (const auto& route : routes) {
    for (int p = 0; p < kCount; ++p) {
      std::string path = route.path;
      auto replace = [&](const std::string& from, const std::string& to) {
        if (auto at = path.find(from); at != std::string::npos) path.replace(at, from.size(), to);
      };
      replace("{i}", fresh_image());
      replace("{p}", project_);
      replace("{n}", std::to_string(serial));
      std::string body;
      if (std::string(route.method) == "PATCH") body = R"({"filename":"x.jpg"})";
      if (path.ends_with("/lookup")) body = R"({"sha256":[]})";
      if (path.find("filename=new") != std::string::npos) {
        body = ReadFileBytes(Sample("n" + std::to_string(serial) + ".jpg", {.width = 200 + serial + p}));
      }
      std::vector<std::string> headers;
      if (p != kNoAuth) headers.push_back("Authorization: Bearer " + tokens[p]);
      HttpResult r = HttpCall(route.method, server_.url(path), headers, body);
      EXPECT_EQ(r.status, route.expected[p])
          << route.method << " " << route.path << " as " << names[p] << ": " << r.body;
    }
  }
}

TEST_F(ImageApiTest, ContributorsMayDeleteTheirOwnImagesOnly) {
  UserId carol_id;
  std::string carol = server_.CreateUserWithToken("carol", false, &carol_id);
  ASSERT_TRUE(server_.service()
                  .projects()
                  .PutMember(service::Caller::LocalOperator(), ProjectId(std::stoi(project_)), carol_id,
                             ProjectRole::kContributor)
                  .ok());
  HttpResult hers = Upload(ReadFileBytes(Sample("c1.jpg")), "c1.jpg", "", carol);
  HttpResult alices = Upload(ReadFileBytes(Sample("c2.jpg", {.width = 99})), "c2.jpg");
  auto del = [&](const HttpResult& image) {
    return HttpCall("DELETE", server_.url("/api/v1/images/" + std::to_string(BodyOf(image)["id"].get<int>())),
                    {"Authorization: Bearer " + carol});
  };
  EXPECT_EQ(del(alices).status, 403);
  EXPECT_EQ(del(hers).status, 204);
}

}  // namespace
}  // namespace vitrine::testing

namespace vitrine::testing {
namespace {

// With --redirect-downloads, a store that presigns (S3) answers a download with 307 to a URL
// that needs no credentials; the file store streams as before. The same test on both backends.
TEST(ImageDownloadRedirect, GoesToTheStoreWhenItPresignsElseStreams) {
  service::ServiceOptions options = FastServiceOptions();
  options.images.redirect_downloads = std::chrono::seconds(60);
  TestServer server({}, options);
  std::string token = server.CreateUserWithToken("alice");
  std::string auth = "Authorization: Bearer " + token;
  HttpResult project = HttpCall("POST", server.url("/api/v1/projects"), {auth}, R"({"name":"p"})");
  ASSERT_EQ(project.status, 201);
  TempDir files;
  WriteSampleImage(files.path() / "a.png", {});
  std::string bytes = ReadFileBytes(files.path() / "a.png");
  HttpResult uploaded = HttpCall(
      "POST",
      server.url("/api/v1/projects/" + std::to_string(BodyOf(project)["id"].get<int>()) + "/images?filename=a.png"),
      {auth}, bytes);
  ASSERT_EQ(uploaded.status, 201) << uploaded.body;
  std::string file = "/api/v1/images/" + std::to_string(BodyOf(uploaded)["id"].get<int>()) + "/file";

  HttpResult download = HttpCall("GET", server.url(file), {auth});
  bool presigns = server.blobs().PresignedGetUrl(std::string(64, 'a'), std::chrono::seconds(1)).has_value();
  if (!presigns) {
    EXPECT_EQ(download.status, 200);
    EXPECT_EQ(download.body, bytes);
    return;
  }
  ASSERT_EQ(download.status, 307) << download.body;
  std::string location = download.header("location");
  EXPECT_EQ(location.find(token), std::string::npos);
  HttpResult direct = HttpCall("GET", location);  // no Authorization: the URL carries its signature
  EXPECT_EQ(direct.status, 200) << direct.body;
  EXPECT_EQ(direct.body, bytes);
  // Vitrine's own client follows the redirect (vitrine download).
  auto client = Connect(server.url(""), Credentials{.token = token});
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  Status downloaded =
      (*client)->DownloadImage(ImageId(BodyOf(uploaded)["id"].get<int>()), files.path() / "copy.png", {});
  ASSERT_TRUE(downloaded.ok()) << downloaded.ToString();
  EXPECT_EQ(ReadFileBytes(files.path() / "copy.png"), bytes);
  // Someone who may not read the image gets no URL.
  std::string mallory = server.CreateUserWithToken("mallory");
  EXPECT_EQ(HttpCall("GET", server.url(file), {"Authorization: Bearer " + mallory}).status, 404);
}

}  // namespace
}  // namespace vitrine::testing
