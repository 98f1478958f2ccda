// One suite for the Client interface, run against LocalClient (in-process on a temp data
// folder) and RemoteClient (a real server on loopback over the same kind of store): same
// calls, same results, same error codes.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "app/data_dir.h"
#include "core/digest.h"
#include "core/time_format.h"
#include "support/cli_runner.h"
#include "support/sample_images.h"
#include "support/temp_dir.h"
#include "support/test_server.h"
#include "vitrine/client.h"
#include "vitrine/resources.h"
#include "wire/annotation_json.h"
#include "wire/annotation_run_json.h"
#include "wire/job_json.h"
#include "wire/json.h"
#include "wire/tuboid_json.h"

namespace vitrine::testing {
namespace {

struct ClientUnderTest {
  std::unique_ptr<Client> alice;  // a plain user
  std::unique_ptr<Client> root;   // an administrator
  UserId bob;                     // another plain user, for membership
  std::shared_ptr<void> owner;    // whatever must outlive the clients (server, folder)
};

using ClientMaker = std::function<ClientUnderTest()>;

struct Implementation {
  const char* name;
  ClientMaker make;
  friend void PrintTo(const Implementation& i, std::ostream* os) { *os << i.name; }
};

void MakeUsers(service::Service& service, UserId& bob) {
  auto op = service::Caller::LocalOperator();
  (void)service.users().Create(op, {"alice", "password-alice"});
  bob = service.users().Create(op, {"bob", "password-bob"})->id;
  (void)service.users().Create(op, {.username = "root", .password = "password-root", .admin = true});
}

ClientUnderTest MakeLocal() {
  auto dir = std::make_shared<TempDir>();
  ClientUnderTest c;
  {
    auto store = app::OpenDataDir(dir->path() / "data");
    if (!store.ok()) ADD_FAILURE() << store.status().ToString();
    MakeUsers(*(*store)->service, c.bob);
  }
  for (auto [name, client] : {std::pair{"alice", &c.alice}, std::pair{"root", &c.root}}) {
    auto opened = Connect("file://" + (dir->path() / "data").string(), Credentials{.username = name});
    if (!opened.ok())
      ADD_FAILURE() << opened.status().ToString();
    else
      *client = std::move(*opened);
  }
  c.owner = dir;
  return c;
}

ClientUnderTest MakeRemote() {
  auto server = std::make_shared<TestServer>();
  ClientUnderTest c;
  // As a data folder has them from its first opening (a test server does not open one).
  if (Status s = server->service().jobs().RegisterBuiltins(); !s.ok()) ADD_FAILURE() << s.ToString();
  MakeUsers(server->service(), c.bob);
  auto op = service::Caller::LocalOperator();
  for (auto [name, client] : {std::pair{"alice", &c.alice}, std::pair{"root", &c.root}}) {
    auto user = server->service().users().FindByUsername(op, name);
    auto token = server->service().users().IssueToken(op, user->id, std::nullopt);
    auto opened = Connect(server->url(""), Credentials{.token = token->token});
    if (!opened.ok())
      ADD_FAILURE() << opened.status().ToString();
    else
      *client = std::move(*opened);
  }
  c.owner = server;
  return c;
}

class ClientConformance : public ::testing::TestWithParam<Implementation> {
 protected:
  void SetUp() override {
    under_test_ = GetParam().make();
    ASSERT_NE(under_test_.alice, nullptr);
  }
  Client& alice() { return *under_test_.alice; }

  std::filesystem::path Sample(const std::string& name, int width) {
    auto path = files_.path() / name;
    WriteSampleImage(path, {.width = width, .height = 80});
    return path;
  }

  ClientUnderTest under_test_;
  TempDir files_;
};

TEST_P(ClientConformance, CurrentUserAndErrorsForOthers) {
  auto me = alice().CurrentUser();
  ASSERT_TRUE(me.ok()) << me.status().ToString();
  EXPECT_EQ(me->username, "alice");
  EXPECT_EQ(alice().GetUser(under_test_.bob).status().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(alice().ListUsers().status().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(alice().CreateUser({"eve", "password-eve"}).status().code(), ErrorCode::kPermissionDenied);
  UserUpdate promote;
  promote.admin = true;
  EXPECT_EQ(alice().UpdateUser(me->id, promote).status().code(), ErrorCode::kPermissionDenied);
  UserUpdate rename;
  rename.name = "Alice L.";
  EXPECT_EQ(alice().UpdateUser(me->id, rename)->name, "Alice L.");
}

TEST_P(ClientConformance, ProjectLifecycleAndMembers) {
  auto p = alice().CreateProject("Traps", "summer");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(alice().GetProject(p->id)->description, "summer");
  EXPECT_EQ(alice().UpdateProject(p->id, {std::string("Traps 2"), std::nullopt})->name, "Traps 2");
  auto member = alice().SetMember(p->id, under_test_.bob, ProjectRole::kContributor);
  ASSERT_TRUE(member.ok()) << member.status().ToString();
  EXPECT_EQ(member->username, "bob");
  EXPECT_EQ(alice().ListMembers(p->id)->size(), 2u);
  EXPECT_TRUE(alice().RemoveMember(p->id, under_test_.bob).ok());
  EXPECT_EQ(alice().RemoveMember(p->id, alice().CurrentUser()->id).code(), ErrorCode::kConflict);
  EXPECT_TRUE(alice().DeleteProject(p->id).ok());
  EXPECT_EQ(alice().GetProject(p->id).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(alice().CreateProject("").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(alice().GetProject(ProjectId(999)).status().code(), ErrorCode::kNotFound);
}

TEST_P(ClientConformance, PaginationAtEveryBoundary) {
  constexpr std::int64_t kPage = 3;
  for (int n : {0, 1, 2, 3, 4}) {  // 0, 1, page-1, page, page+1
    auto before = alice().ListProjects({PageRequest::kMaxLimit, 0});
    for (const auto& p : before->items) ASSERT_TRUE(alice().DeleteProject(p.id).ok());
    for (int i = 0; i < n; ++i) ASSERT_TRUE(alice().CreateProject("p" + std::to_string(i)).ok());
    std::vector<std::string> seen;
    for (std::int64_t offset = 0;; offset += kPage) {
      auto page = alice().ListProjects({kPage, offset});
      ASSERT_TRUE(page.ok());
      EXPECT_EQ(page->total, n);
      for (const auto& p : page->items) seen.push_back(p.name);
      if (page->items.empty() || offset + kPage >= page->total) break;
    }
    EXPECT_EQ(seen.size(), static_cast<std::size_t>(n)) << "n = " << n;
  }
  EXPECT_EQ(alice().ListProjects({0, 0}).status().code(), ErrorCode::kInvalidArgument);
}

TEST_P(ClientConformance, KeysAndTokens) {
  auto key = alice().CreateApiKey();
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_FALSE(key->private_key.empty());
  auto keys = alice().ListApiKeys();
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].public_key, key->key.public_key);
  EXPECT_TRUE(alice().RevokeApiKey(key->key.id).ok());
  EXPECT_TRUE(alice().ListApiKeys()->at(0).revoked_at.has_value());
  EXPECT_EQ(alice().RevokeApiKey(ApiKeyId(999)).code(), ErrorCode::kNotFound);
  auto token = alice().CreateToken(std::chrono::seconds(60));
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_EQ(token->info.expires_at - token->info.created_at, std::chrono::seconds(60));
}

TEST_P(ClientConformance, ImagesEndToEnd) {
  auto project = alice().CreateProject("Images");
  auto file = Sample("5c173ff2.2020-06-20_21-33-24.jpg", 320);
  auto up = alice().UploadImage(project->id, file, {"", {{"stage", "larva"}}});
  ASSERT_TRUE(up.ok()) << up.status().ToString();
  EXPECT_TRUE(up->created);
  EXPECT_EQ(up->image.device, "5c173ff2");
  EXPECT_EQ(up->image.properties.at("stage"), "larva");
  auto again = alice().UploadImage(project->id, file, {"other-name.jpg", {}});
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->image.id, up->image.id);

  EXPECT_EQ(alice().GetImage(up->image.id)->sha256, core::Sha256Hex(ReadFileBytes(file)));
  ImageFilter filter;
  filter.device_like = "5c17%";
  EXPECT_EQ(alice().ListImages(project->id, filter)->total, 1);
  EXPECT_EQ(alice().ListImagesAcrossProjects(filter)->total, 1);
  filter.device_like = "ffff%";
  EXPECT_EQ(alice().ListImages(project->id, filter)->total, 0);

  ImageUpdate update;
  update.properties = {{"stage", std::nullopt}, {"trap", "7"}};
  auto updated = alice().UpdateImage(up->image.id, update);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->properties, (Properties{{"trap", "7"}}));

  auto thumb = alice().Thumbnail(up->image.id, 64, "png");
  ASSERT_TRUE(thumb.ok()) << thumb.status().ToString();
  EXPECT_EQ(DecodedSize(*thumb).first, 64);
  EXPECT_EQ(alice().Thumbnail(up->image.id, 0, "png").status().code(), ErrorCode::kInvalidArgument);

  auto copy = files_.path() / "copy.jpg";
  ASSERT_TRUE(alice().DownloadImage(up->image.id, copy).ok());
  EXPECT_EQ(ReadFileBytes(copy), ReadFileBytes(file));
  auto found = alice().FindImagesByHash(project->id, {up->image.sha256, std::string(64, 'a')});
  EXPECT_EQ(found->size(), 1u);

  EXPECT_TRUE(alice().DeleteImage(up->image.id).ok());
  EXPECT_EQ(alice().GetImage(up->image.id).status().code(), ErrorCode::kNotFound);
  std::ofstream(files_.path() / "notes.txt") << "not an image";
  EXPECT_EQ(alice().UploadImage(project->id, files_.path() / "notes.txt").status().code(), ErrorCode::kUnsupported);
  EXPECT_EQ(alice().UploadImage(project->id, files_.path() / "missing.jpg").status().code(), ErrorCode::kNotFound);
}

TEST_P(ClientConformance, AnnotationsInBulkPagedAndFiltered) {
  auto project = alice().CreateProject("Slides");
  auto image = alice().UploadImage(project->id, Sample("slide.jpg", 200));
  ASSERT_TRUE(image.ok()) << image.status().ToString();
  std::vector<NewAnnotation> batch;
  for (int i = 0; i < 250; ++i) {
    batch.push_back({.image_id = image->image.id,
                     .wkt = "POINT (" + std::to_string(i) + " " + std::to_string(i % 10) + ")",
                     .properties = {{"row", std::to_string(i % 10)}}});
  }
  auto ids = alice().CreateAnnotations(batch);
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  ASSERT_EQ(ids->size(), 250u);
  EXPECT_EQ(alice().GetAnnotation(ids->at(7))->wkt, "POINT (7 7)");

  AnnotationFilter filter{.images = {image->image.id}, .bbox = std::array<double, 4>{100, 0, 199, 9}};
  Pager<Annotation> pager([&](const PageRequest& page) { return alice().ListAnnotations(filter, page); }, 30);
  auto all = pager.All();
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 100u);
  for (std::size_t i = 0; i < all->size(); ++i) EXPECT_EQ((*all)[i].id, ids->at(100 + i));
  filter.property = std::pair{"row", std::optional<std::string>("3")};
  EXPECT_EQ(alice().ListAnnotations(filter, {0, 0})->total, 10);
  EXPECT_EQ(alice().ListAnnotations(filter, {10'001, 0}).status().code(), ErrorCode::kInvalidArgument);

  batch.back().wkt = "POINT (nan 1)";
  auto refused = alice().CreateAnnotations(batch);
  EXPECT_EQ(refused.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("annotation 249"), std::string::npos) << refused.status().message();
  EXPECT_EQ(alice().ListAnnotations({.project = project->id}, {0, 0})->total, 250);
  EXPECT_EQ(alice().DeleteAnnotations({.project = project->id}).value(), 250);
}

TEST_P(ClientConformance, SafeFromSeveralThreads) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        if (!alice().CreateProject("t" + std::to_string(t) + "-" + std::to_string(i)).ok()) ++failures;
        if (!alice().ListProjects().ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(alice().ListProjects()->total, 30);
}

TEST_P(ClientConformance, ResourcesFetchSaveUpdateRemove) {
  ProjectResource fresh(alice(), {.name = "Traps", .description = "summer"});
  EXPECT_FALSE(fresh.stored());
  EXPECT_EQ(fresh.Refresh().code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(fresh.Save().ok());
  ASSERT_TRUE(fresh.id().valid());
  EXPECT_FALSE(fresh.modified());

  auto fetched = ProjectResource::Fetch(alice(), fresh.id());
  ASSERT_TRUE(fetched.ok()) << fetched.status().ToString();
  EXPECT_EQ((*fetched)->description, "summer");

  // Two copies edit different fields: each Save sends only its own change.
  fresh->name = "Traps 2020";
  (*fetched)->description = "winter";
  EXPECT_TRUE(fresh.modified());
  ASSERT_TRUE(fresh.Save().ok());
  ASSERT_TRUE(fetched->Save().ok());
  EXPECT_EQ((*fetched)->name, "Traps 2020");
  EXPECT_EQ((*fetched)->description, "winter");
  ASSERT_TRUE(fresh.Refresh().ok());
  EXPECT_EQ(fresh->description, "winter");

  ASSERT_TRUE(fresh.Update({.description = "all year"}).ok());
  EXPECT_EQ(fresh->description, "all year");
  fresh->name = "";
  EXPECT_EQ(fresh.Save().code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(fresh.Refresh().ok());
  EXPECT_EQ(fresh->name, "Traps 2020");

  auto image = fresh.Upload(Sample("a.jpg", 120), {.properties = {{"stage", "larva"}, {"trap", "3"}}});
  ASSERT_TRUE(image.ok()) << image.status().ToString();
  (*image)->properties.erase("stage");
  (*image)->properties["trap"] = "4";
  (*image)->properties["site"] = "north";
  ASSERT_TRUE(image->Save().ok());
  EXPECT_EQ((*image)->properties, (Properties{{"site", "north"}, {"trap", "4"}}));
  auto again = ImageResource::Fetch(alice(), image->id());
  EXPECT_EQ((*again)->properties, (Properties{{"site", "north"}, {"trap", "4"}}));
  EXPECT_EQ(DecodedSize(*image->Thumbnail(32, "png")).first, 32);
  ASSERT_TRUE(image->Download(files_.path() / "a-copy.jpg").ok());
  EXPECT_EQ(ReadFileBytes(files_.path() / "a-copy.jpg"), ReadFileBytes(files_.path() / "a.jpg"));
  ImageResource unsaved(alice(), Image{});
  EXPECT_EQ(unsaved.Save().code(), ErrorCode::kInvalidArgument);

  for (int i = 0; i < 4; ++i) ASSERT_TRUE(fresh.Upload(Sample("b" + std::to_string(i) + ".jpg", 60 + i)).ok());
  auto images = fresh.Images({}, 2);
  int seen = 0;
  while (auto next = images.Next()) {
    ASSERT_TRUE(next->ok());
    EXPECT_EQ((**next)->project_id, fresh.id());
    ++seen;
  }
  EXPECT_EQ(seen, 5);
  EXPECT_EQ(fresh.Members()->size(), 1u);
  EXPECT_TRUE(fresh.SetMember(under_test_.bob, ProjectRole::kViewer).ok());
  EXPECT_EQ(fresh.Members()->size(), 2u);

  ASSERT_TRUE(image->Remove().ok());
  EXPECT_FALSE(image->stored());
  EXPECT_EQ(ImageResource::Fetch(alice(), again->id()).status().code(), ErrorCode::kNotFound);
  ProjectId gone = fresh.id();
  ASSERT_TRUE(fresh.Remove().ok());
  EXPECT_EQ(ProjectResource::Fetch(alice(), gone).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(ProjectResource::Fetch(alice(), ProjectId(999)).status().code(), ErrorCode::kNotFound);
}

TEST_P(ClientConformance, ProjectPropertiesAreSavedFilteredAndValidated) {
  ProjectResource north(alice(), {.name = "North", .properties = {{"site", "north"}, {"grant", "7"}}});
  ASSERT_TRUE(north.Save().ok());
  EXPECT_EQ(ProjectResource::Fetch(alice(), north.id()).value()->properties,
            (Properties{{"grant", "7"}, {"site", "north"}}));
  auto south = alice().CreateProject("South");
  ASSERT_TRUE(south.ok());
  ProjectUpdate tag;
  tag.properties = {{"site", "south"}};
  EXPECT_EQ(alice().UpdateProject(south->id, tag)->properties, (Properties{{"site", "south"}}));

  north->properties.erase("grant");
  north->properties["site"] = "far north";
  ASSERT_TRUE(north.Save().ok());
  EXPECT_EQ(north->properties, (Properties{{"site", "far north"}}));

  auto names = [&](PropertyMatch match) {
    std::vector<std::string> out;
    auto page = alice().ListProjects({}, {match});
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    if (page.ok()) {
      for (const auto& p : page->items) out.push_back(p.name);
    }
    return out;
  };
  EXPECT_EQ(names({"site", std::nullopt}), (std::vector<std::string>{"North", "South"}));
  EXPECT_EQ(names({"site", "far north"}), (std::vector<std::string>{"North"}));
  EXPECT_TRUE(names({"grant", std::nullopt}).empty());

  ProjectUpdate bad;
  bad.properties = {{"", "x"}};
  EXPECT_EQ(alice().UpdateProject(south->id, bad).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(alice().GetProject(south->id)->properties, (Properties{{"site", "south"}}))
      << "a refused change leaves all";
}

TEST_P(ClientConformance, UserResources) {
  auto me = UserResource::Current(alice());
  ASSERT_TRUE(me.ok());
  (*me)->name = "Alice L.";
  ASSERT_TRUE(me->Save().ok());
  EXPECT_EQ(UserResource::Fetch(*under_test_.root, me->id()).value()->name, "Alice L.");
  (*me)->admin = true;
  EXPECT_EQ(me->Save().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(me->Remove().code(), ErrorCode::kUnsupported);

  auto eve = UserResource::Create(*under_test_.root, {.username = "eve", .password = "password-eve"});
  ASSERT_TRUE(eve.ok()) << eve.status().ToString();
  (*eve)->enabled = false;
  ASSERT_TRUE(eve->Save().ok());
  EXPECT_FALSE(UserResource::Find(*under_test_.root, "eve").value()->enabled);
  UserResource nobody(alice(), User{.username = "nobody"});
  EXPECT_EQ(nobody.Save().code(), ErrorCode::kInvalidArgument);
}

// A bundle an administrator may register: analytic.json and an entry point, gzipped.
std::filesystem::path WriteBundle(const std::filesystem::path& dir, const std::string& name) {
  auto top = dir / (name + "-bundle");
  std::filesystem::create_directories(top);
  std::ofstream(top / "analytic.json") << R"({"info": {"name": ")" << name
                                       << R"(", "version": "1.0", "description": "Says hello.",
    "supports_cpu": true, "supports_gpu": false}, "inputs": [], "parameters": [], "outputs": []})";
  std::ofstream(top / "run.sh") << "#!/bin/sh\necho hello\n";
  auto bundle = dir / (name + ".tar.gz");
  std::string command = "tar czf '" + bundle.string() + "' -C '" + top.string() + "' analytic.json run.sh";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  return bundle;
}

TEST_P(ClientConformance, AnalyticsListTheBuiltinsAndOnlyAdministratorsRegister) {
  auto latest = alice().ListAnalytics();
  ASSERT_TRUE(latest.ok()) << latest.status().ToString();
  std::map<std::string, Analytic> by_name;
  for (const auto& a : *latest) by_name[a.name] = a;
  for (const char* name : {"vitrine/noop", "vitrine/pyramids", "vitrine/dark-objects"}) {
    ASSERT_TRUE(by_name.contains(name)) << name;
    EXPECT_TRUE(by_name[name].builtin);
    EXPECT_TRUE(by_name[name].doc.empty()) << "listings carry no document";
  }
  EXPECT_GE(alice().ListAnalytics(true)->size(), latest->size());
  const AnalyticId noop = by_name["vitrine/noop"].id;
  auto one = alice().GetAnalytic(noop);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  auto doc = wire::Json::parse(one->doc, nullptr, false);
  ASSERT_TRUE(doc.is_object()) << one->doc;
  EXPECT_EQ(doc["info"]["name"], "vitrine/noop");
  EXPECT_EQ(*alice().GetAnalyticDoc(noop), one->doc);
  EXPECT_EQ(alice().GetAnalytic(AnalyticId(999)).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(alice().DeleteAnalytic(noop).code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(under_test_.root->DeleteAnalytic(noop).code(), ErrorCode::kInvalidArgument) << "built-in";

  auto bundle = WriteBundle(files_.path(), "acme/hello");
  EXPECT_EQ(alice().RegisterAnalytic(bundle).status().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(under_test_.root->RegisterAnalytic(files_.path() / "missing.tar.gz").status().code(), ErrorCode::kNotFound);
  auto registered = under_test_.root->RegisterAnalytic(bundle);
  ASSERT_TRUE(registered.ok()) << registered.status().ToString();
  EXPECT_EQ(registered->name, "acme/hello");
  EXPECT_FALSE(registered->builtin);
  EXPECT_EQ(registered->bundle_sha256, core::Sha256Hex(ReadFileBytes(bundle)));
  EXPECT_NE(registered->doc.find("Says hello."), std::string::npos);
  EXPECT_TRUE(under_test_.root->DeleteAnalytic(registered->id).ok());
  EXPECT_EQ(alice().GetAnalytic(registered->id).status().code(), ErrorCode::kNotFound);
}

TEST_P(ClientConformance, DataRoundTripListExpiryAndDelete) {
  auto project = alice().CreateProject("Data");
  ASSERT_TRUE(project.ok());
  std::string bytes;
  for (int i = 0; i < 300'000; ++i) bytes.push_back(static_cast<char>((i % 251) * 7 % 251));
  auto file = files_.path() / "model.bin";
  std::ofstream(file, std::ios::binary) << bytes;

  std::int64_t reported = 0;
  auto up = alice().UploadData(file, {.project = project->id}, [&](std::int64_t n) { reported = n; });
  ASSERT_TRUE(up.ok()) << up.status().ToString();
  EXPECT_EQ(up->name, "model.bin");
  EXPECT_EQ(up->size_bytes, static_cast<std::int64_t>(bytes.size()));
  EXPECT_EQ(up->sha256, core::Sha256Hex(bytes));
  EXPECT_EQ(up->media_type, "application/octet-stream");
  EXPECT_FALSE(up->expires_at.has_value());
  EXPECT_EQ(reported, static_cast<std::int64_t>(bytes.size()));
  auto named = alice().UploadData(file, {.project = project->id,
                                         .name = "weights.bin",
                                         .media_type = "application/x-weights",
                                         .ttl = std::chrono::seconds(3600)});
  ASSERT_TRUE(named.ok()) << named.status().ToString();
  EXPECT_EQ(named->media_type, "application/x-weights");
  EXPECT_TRUE(named->expires_at.has_value());
  EXPECT_EQ(alice().UploadData(files_.path() / "missing.bin", {.project = project->id}).status().code(),
            ErrorCode::kNotFound);

  auto copy = files_.path() / "copy.bin";
  Status downloaded = alice().DownloadData(up->id, copy);
  ASSERT_TRUE(downloaded.ok()) << downloaded.ToString();
  EXPECT_TRUE(ReadFileBytes(copy) == bytes) << "the copy differs";
  EXPECT_FALSE(std::filesystem::exists(files_.path() / "copy.bin.part"));
  EXPECT_EQ(alice().GetData(named->id)->name, "weights.bin");
  EXPECT_EQ(alice().ListData({.project = project->id})->total, 2);
  EXPECT_EQ(alice().ListData({.project = project->id, .name_like = "weights%"})->total, 1);

  auto kept = alice().SetDataExpiry(named->id, std::nullopt);
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_FALSE(kept->expires_at.has_value());
  EXPECT_TRUE(alice().DeleteData(up->id).ok());
  EXPECT_EQ(alice().GetData(up->id).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(alice().DownloadData(up->id, files_.path() / "gone.bin").code(), ErrorCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(files_.path() / "gone.bin"));
  EXPECT_EQ(alice().ListData({.project = project->id})->total, 1);
}

TEST_P(ClientConformance, JobsAreCheckedStartedKilledArchivedAndDeleted) {
  auto project = alice().CreateProject("Jobs");
  ASSERT_TRUE(project.ok());
  NewJob bad{.project = project->id, .analytic = "vitrine/noop", .parameters = R"({"sleep_ms": "soon"})"};
  auto refused = alice().CreateJob(bad);
  EXPECT_EQ(refused.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("sleep_ms"), std::string::npos) << refused.status().ToString();
  bad.parameters = R"({"nonsense": 1})";
  EXPECT_EQ(alice().CreateJob(bad).status().code(), ErrorCode::kInvalidArgument);

  NewJob probe{.project = project->id, .analytic = "vitrine/noop", .name = "probe", .parameters = R"({"sleep_ms": 5})"};
  auto job = alice().CreateJob(probe);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_EQ(job->state, JobState::kReady);
  EXPECT_EQ(job->analytic, "vitrine/noop");
  EXPECT_EQ(wire::Json::parse(job->parameters)["sleep_ms"], 5);
  EXPECT_EQ(alice().KillJob(job->id).status().code(), ErrorCode::kConflict) << "READY is not killed";
  auto started = alice().StartJob(job->id);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  EXPECT_EQ(started->state, JobState::kQueued);
  EXPECT_EQ(alice().StartJob(job->id).status().code(), ErrorCode::kConflict);
  EXPECT_EQ(alice().DeleteJob(job->id).code(), ErrorCode::kConflict) << "queued";
  auto killed = alice().KillJob(job->id);
  ASSERT_TRUE(killed.ok()) << killed.status().ToString();
  EXPECT_EQ(killed->state, JobState::kFailed);
  EXPECT_EQ(killed->failure_type, JobFailure::kUser);

  auto fetched = alice().GetJob(job->id);
  ASSERT_TRUE(fetched.ok());
  EXPECT_FALSE(fetched->messages.empty());
  EXPECT_EQ(alice().WaitForJob(job->id, std::chrono::seconds(30))->state, JobState::kFailed) << "at once";
  std::vector<JobState> seen;
  auto finished =
      WaitUntilFinished(alice(), job->id, std::chrono::seconds(5), [&](const Job& j) { seen.push_back(j.state); });
  ASSERT_TRUE(finished.ok()) << finished.status().ToString();
  EXPECT_EQ(finished->failure_type, JobFailure::kUser);
  EXPECT_EQ(seen, std::vector<JobState>{JobState::kFailed});
  auto log = alice().ReadJobLog(job->id);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(log->next_seq, 0);
  EXPECT_EQ(alice().DownloadJobOutput(job->id, "nothing", files_.path() / "out").code(), ErrorCode::kNotFound);

  JobFilter in_project;
  in_project.project = project->id;
  auto listed = alice().ListJobs(in_project);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->total, 1);
  EXPECT_TRUE(listed->items[0].messages.empty()) << "listings carry no messages";
  ASSERT_TRUE(alice().ArchiveJob(job->id)->archived);
  EXPECT_EQ(alice().ListJobs(in_project)->total, 0) << "archived jobs leave the default listing";
  in_project.archived = std::nullopt;
  EXPECT_EQ(alice().ListJobs(in_project)->total, 1);
  EXPECT_FALSE(alice().ArchiveJob(job->id, false)->archived);
  EXPECT_TRUE(alice().DeleteJob(job->id).ok());
  EXPECT_EQ(alice().GetJob(job->id).status().code(), ErrorCode::kNotFound);

  auto idle = alice().CreateJob(probe);
  ASSERT_TRUE(idle.ok());
  EXPECT_EQ(alice().WaitForJob(idle->id, std::chrono::seconds(1))->state, JobState::kReady);
  auto timed_out = WaitUntilFinished(alice(), idle->id, std::chrono::seconds(1));
  EXPECT_EQ(timed_out.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(timed_out.status().message().find("READY"), std::string::npos) << timed_out.status().ToString();
}

INSTANTIATE_TEST_SUITE_P(Both, ClientConformance,
                         ::testing::Values(Implementation{"Local", MakeLocal}, Implementation{"Remote", MakeRemote}),
                         [](const auto& info) { return std::string(info.param.name); });

// Both implementations, given the same calls in the same order on fresh stores, must answer
// with the same values (ids, names, sizes, hashes, properties, members...) and the same errors
// (code and message). Only creation times and freshly minted secrets may differ.
class Transcript {
 public:
  template <class T>
  void Add(const std::string& call, const Result<T>& result) {
    lines_.push_back(call + " -> " + (result.ok() ? Render(*result) : Render(result.status())));
  }
  void Add(const std::string& call, const Status& status) {
    lines_.push_back(call + " -> " + (status.ok() ? "ok" : Render(status)));
  }
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  static std::string Render(const Status& s) {
    return "error " + std::string(ErrorCodeName(s.code())) + ": " + std::string(s.message());
  }
  static std::string Render(const std::string& bytes) { return "bytes sha256=" + core::Sha256Hex(bytes); }
  static std::string Render(const UploadResult& r) {
    return Masked(wire::Json{{"created", r.created}, {"image", wire::ToJson(r.image)}});
  }
  static std::string Render(const std::map<std::string, ImageId>& found) {
    wire::Json json = wire::Json::object();
    for (const auto& [sha, id] : found) json[sha] = id.value();
    return json.dump();
  }
  static std::string Render(std::int64_t n) { return std::to_string(n); }
  static std::string Render(const std::vector<AnnotationId>& ids) {
    std::string out;
    for (AnnotationId id : ids) out += std::to_string(id.value()) + " ";
    return out;
  }
  static std::string Render(const Annotation& a) { return Masked(wire::ToJson(a)); }
  static std::string Render(const std::optional<OntologyId>& id) {
    return id ? "ontology " + std::to_string(id->value()) : "no ontology";
  }
  static std::string Render(const Page<Ontology>& page) {
    wire::Json items = wire::Json::array();
    for (const auto& o : page.items) items.push_back(wire::ToJson(o));
    return Masked(wire::Json{{"items", std::move(items)}, {"total", page.total}});
  }
  static std::string Render(const Page<AnnotationRun>& page) {
    wire::Json items = wire::Json::array();
    for (const auto& r : page.items) items.push_back(wire::ToJson(r));
    return Masked(wire::Json{{"items", std::move(items)}, {"total", page.total}});
  }
  static std::string Render(const Page<Tuboid>& page) {
    wire::Json items = wire::Json::array();
    for (const auto& t : page.items) items.push_back(wire::ToJson(t));
    return Masked(wire::Json{{"items", std::move(items)}, {"total", page.total}});
  }
  static std::string Render(const Tuboid& t) { return Masked(wire::ToJson(t)); }
  static std::string Render(const ItcLabel& l) { return Masked(wire::ToJson(l)); }
  static std::string Render(const Page<DataFile>& page) {
    wire::Json items = wire::Json::array();
    for (const auto& d : page.items) items.push_back(wire::ToJson(d));
    return Masked(wire::Json{{"items", std::move(items)}, {"total", page.total}});
  }
  static std::string Render(const Page<Job>& page) {
    wire::Json items = wire::Json::array();
    for (const auto& j : page.items) items.push_back(wire::ToJson(j));
    return Masked(wire::Json{{"items", std::move(items)}, {"total", page.total}});
  }
  static std::string Render(const Job& job) { return Masked(wire::ToJson(job)); }
  static std::string Render(const Analytic& a) {
    wire::Json json = wire::ToJson(a);
    json["doc"] = a.doc;
    return Masked(std::move(json));
  }
  static std::string Render(const FeatureDescriptor& d) {
    wire::Json columns = wire::Json::array();
    for (const auto& c : d.columns) columns.push_back(c.name + ":" + c.type);
    return wire::Json{{"name", d.name}, {"length", d.length},         {"pixels", d.pixels}, {"accepts", d.accepts},
                      {"rows", d.rows}, {"value_type", d.value_type}, {"columns", columns}, {"version", d.version}}
        .dump();
  }
  static std::string Render(const std::vector<FeatureDescriptor>& all) {
    std::string out;
    for (const auto& d : all) out += Render(d) + "\n";
    return out;
  }
  static std::string Render(const FeatureTable& table) {
    wire::Json rows = wire::Json::array();
    for (const auto& r : table.rows) {
      rows.push_back(
          {{"image", r.image}, {"status", r.status}, {"error", r.error}, {"columns", r.columns}, {"values", r.values}});
    }
    return wire::Json{{"feature", table.feature}, {"length", table.length}, {"columns", table.columns}, {"rows", rows}}
        .dump();
  }
  static std::string Render(const JobLog& log) { return "log next=" + std::to_string(log.next_seq) + ": " + log.text; }
  static std::string Render(const Page<Annotation>& page) {
    wire::Json items = wire::Json::array();
    for (const auto& a : page.items) items.push_back(wire::ToJson(a));
    return Masked(wire::Json{{"items", std::move(items)}, {"total", page.total}});
  }
  template <class T>
  static std::string Render(const std::vector<T>& items) {
    wire::Json json = wire::Json::array();
    for (const auto& item : items) json.push_back(wire::ToJson(item));
    return Masked(std::move(json));
  }
  template <class T>
  static std::string Render(const T& value) {
    return Masked(wire::ToJson(value));
  }
  static std::string Masked(wire::Json json) {
    Mask(json);
    return json.dump();
  }
  // token_id too: the remote harness mints tokens to sign its clients in, the local one does not.
  static void Mask(wire::Json& json) {
    static const std::set<std::string> kVolatile = {
        "created_at",   "updated_at", "expires_at",  "revoked_at",      "token",     "token_id",
        "private_key",  "public_key", "upload_date", "expiration_date", "queued_at", "started_at",
        "completed_at", "failed_at",  "time",        "lease_expires_at"};
    if (json.is_object()) {
      for (auto& [key, value] : json.items()) {
        if (kVolatile.contains(key) && !value.is_null())
          value = "<volatile>";
        else
          Mask(value);
      }
    } else if (json.is_array()) {
      for (auto& item : json) Mask(item);
    }
  }

  std::vector<std::string> lines_;
};

// Every Client operation, as a plain user and as an administrator, successes and failures.
Transcript RunEveryOperation(ClientUnderTest& c, const std::filesystem::path& files) {
  Transcript t;
  Client& alice = *c.alice;
  Client& root = *c.root;
  const UserId bob = c.bob;
  t.Add("alice.CurrentUser", alice.CurrentUser());
  t.Add("alice.GetUser(bob)", alice.GetUser(bob));
  t.Add("alice.FindUser(alice)", alice.FindUser("alice"));
  t.Add("alice.FindUser(bob)", alice.FindUser("bob"));
  t.Add("alice.ListUsers", alice.ListUsers());
  t.Add("alice.CreateUser", alice.CreateUser({"eve", "password-eve"}));
  t.Add("root.CreateUser(eve)", root.CreateUser({.username = "eve", .password = "password-eve", .name = "Eve"}));
  t.Add("root.CreateUser(eve again)", root.CreateUser({"eve", "password-eve"}));
  t.Add("root.CreateUser(short password)", root.CreateUser({"frank", "x"}));
  t.Add("root.ListUsers(2,1)", root.ListUsers({2, 1}));
  t.Add("root.FindUser(BOB)", root.FindUser("BOB"));
  t.Add("root.FindUser(nobody)", root.FindUser("nobody"));
  t.Add("root.GetUser(999)", root.GetUser(UserId(999)));
  t.Add("root.UpdateUser(bob)", root.UpdateUser(bob, {.name = "Bob B.", .email = "bob@example.org"}));
  t.Add("root.UpdateUser(bad email)", root.UpdateUser(bob, {.email = std::string(300, 'x')}));
  t.Add("alice.UpdateUser(self admin)", alice.UpdateUser(alice.CurrentUser()->id, {.admin = true}));

  t.Add("alice.CreateApiKey", alice.CreateApiKey());
  t.Add("alice.CreateApiKey(bob)", alice.CreateApiKey(bob));
  t.Add("root.CreateApiKey(bob)", root.CreateApiKey(bob));
  t.Add("root.ListApiKeys(bob)", root.ListApiKeys(bob));
  t.Add("alice.ListApiKeys", alice.ListApiKeys());
  t.Add("alice.RevokeApiKey(1)", alice.RevokeApiKey(ApiKeyId(1)));
  t.Add("alice.RevokeApiKey(2)", alice.RevokeApiKey(ApiKeyId(2)));
  t.Add("root.RevokeApiKey(2, bob)", root.RevokeApiKey(ApiKeyId(2), bob));
  t.Add("alice.ListApiKeys", alice.ListApiKeys());
  t.Add("alice.CreateToken(60s)", alice.CreateToken(std::chrono::seconds(60)));
  t.Add("alice.CreateToken(-1s)", alice.CreateToken(std::chrono::seconds(-1)));
  t.Add("root.CreateToken(bob)", root.CreateToken(std::nullopt, bob));

  t.Add("alice.CreateProject", alice.CreateProject("Traps", "summer"));
  t.Add("alice.CreateProject(for bob)", alice.CreateProject("Bob's", "", bob));
  t.Add("root.CreateProject(for bob)", root.CreateProject("Bob's", "made by root", bob));
  t.Add("alice.CreateProject(empty)", alice.CreateProject(""));
  t.Add("alice.GetProject(1)", alice.GetProject(ProjectId(1)));
  t.Add("alice.GetProject(2)", alice.GetProject(ProjectId(2)));
  t.Add("alice.UpdateProject", alice.UpdateProject(ProjectId(1), {.description = "winter"}));
  t.Add("alice.ListProjects", alice.ListProjects());
  t.Add("root.ListProjects(1,1)", root.ListProjects({1, 1}));
  t.Add("alice.ListProjects(0,0)", alice.ListProjects({0, 0}));
  t.Add("alice.SetMember(bob)", alice.SetMember(ProjectId(1), bob, ProjectRole::kContributor));
  t.Add("alice.ListMembers", alice.ListMembers(ProjectId(1)));
  t.Add("alice.RemoveMember(self)", alice.RemoveMember(ProjectId(1), alice.CurrentUser()->id));
  t.Add("alice.RemoveMember(bob)", alice.RemoveMember(ProjectId(1), bob));
  t.Add("alice.SetMember(999)", alice.SetMember(ProjectId(1), UserId(999), ProjectRole::kViewer));

  t.Add("alice.CreateOntology", alice.CreateOntology("Histology"));
  t.Add("alice.CreateOntology(empty)", alice.CreateOntology(""));
  t.Add("alice.CreateTerm(Cell)", alice.CreateTerm(OntologyId(1), {.name = "Cell", .color = "#00ff00"}));
  t.Add("alice.CreateTerm(Tumour)",
        alice.CreateTerm(OntologyId(1), {.name = "Tumour", .color = "#ff0000", .parent_id = TermId(1)}));
  t.Add("alice.CreateTerm(cell again)", alice.CreateTerm(OntologyId(1), {.name = "cell"}));
  t.Add("alice.CreateTerm(bad colour)", alice.CreateTerm(OntologyId(1), {.name = "X", .color = "red"}));
  t.Add("alice.CreateTerm(ontology 9)", alice.CreateTerm(OntologyId(9), {.name = "X"}));
  t.Add("root.ListOntologies", root.ListOntologies());
  t.Add("alice.UpdateTerm(cycle)", alice.UpdateTerm(TermId(1), {.parent_id = TermId(2)}));
  t.Add("alice.UpdateTerm(rename)", alice.UpdateTerm(TermId(2), {.name = "Tumour cell"}));
  t.Add("alice.SetProjectOntology(1)", alice.SetProjectOntology(ProjectId(1), OntologyId(1)));
  t.Add("alice.SetProjectOntology(not hers)", alice.SetProjectOntology(ProjectId(2), OntologyId(1)));
  t.Add("alice.GetProjectOntology(1)", alice.GetProjectOntology(ProjectId(1)));
  t.Add("alice.GetOntology(1)", alice.GetOntology(OntologyId(1)));
  t.Add("alice.DeleteOntology(in use)", alice.DeleteOntology(OntologyId(1)));

  auto photo = files / "5c173ff2.2020-06-20_21-33-24.jpg";
  std::ofstream(files / "notes.txt") << "not an image";
  t.Add("alice.UploadImage", alice.UploadImage(ProjectId(1), photo, {.properties = {{"stage", "larva"}}}));
  t.Add("alice.UploadImage(again)", alice.UploadImage(ProjectId(1), photo, {.filename = "other.jpg"}));
  t.Add("alice.UploadImage(text)", alice.UploadImage(ProjectId(1), files / "notes.txt"));
  t.Add("alice.UploadImage(missing)", alice.UploadImage(ProjectId(1), files / "missing.jpg"));
  t.Add("alice.UploadImage(other project)", alice.UploadImage(ProjectId(3), photo));
  t.Add("alice.GetImage(1)", alice.GetImage(ImageId(1)));
  ImageFilter device;
  device.device_like = "5c17%";
  t.Add("alice.ListImages(device)", alice.ListImages(ProjectId(1), device));
  t.Add("alice.ListImagesAcrossProjects(device)", alice.ListImagesAcrossProjects(device));
  ImageFilter window;
  window.captured_from = Timestamp(std::chrono::sys_days(std::chrono::year{2020} / 6 / 21));
  t.Add("alice.ListImages(after)", alice.ListImages(ProjectId(1), window));
  t.Add("alice.UpdateImage", alice.UpdateImage(ImageId(1), {.properties = {{"stage", std::nullopt}, {"trap", "7"}}}));
  t.Add("alice.UpdateImage(bad name)", alice.UpdateImage(ImageId(1), {.filename = ""}));
  t.Add("alice.Thumbnail(64 png)", alice.Thumbnail(ImageId(1), 64, "png"));
  t.Add("alice.Thumbnail(0)", alice.Thumbnail(ImageId(1), 0, "png"));
  t.Add("alice.Thumbnail(bmp)", alice.Thumbnail(ImageId(1), 64, "bmp"));
  t.Add("alice.FindImagesByHash",
        alice.FindImagesByHash(ProjectId(1), {core::Sha256Hex(ReadFileBytes(photo)), std::string(64, 'a')}));
  t.Add("alice.DownloadImage", alice.DownloadImage(ImageId(1), files / "copy.jpg"));
  t.Add("copy matches", Result<std::string>(ReadFileBytes(files / "copy.jpg") == ReadFileBytes(photo) ? "yes" : "no"));
  t.Add("alice.DownloadImage(999)", alice.DownloadImage(ImageId(999), files / "none.jpg"));
  NewAnnotation square{.image_id = ImageId(1),
                       .wkt = "POLYGON ((10 10, 20 10, 20 20, 10 20, 10 10))",
                       .terms = {TermId(1)},
                       .properties = {{"cell", "tumour"}}};
  NewAnnotation point{.image_id = ImageId(1), .geojson = R"({"type": "Point", "coordinates": [50, 60]})"};
  NewAnnotation detection{.image_id = ImageId(1),
                          .wkt = "LINESTRING (0 0, 30 40)",
                          .terms = {TermId(2)},
                          .algorithm = "yolo",
                          .algorithm_version = "8"};
  NewAnnotation bowtie{.image_id = ImageId(1), .wkt = "POLYGON ((0 0, 10 10, 10 0, 0 10, 0 0))"};
  t.Add("alice.CreateAnnotations", alice.CreateAnnotations({square, point, detection}));
  t.Add("alice.CreateAnnotations(bowtie)", alice.CreateAnnotations({square, bowtie}));
  bowtie.repair = true;
  t.Add("alice.CreateAnnotations(repaired)", alice.CreateAnnotations({bowtie}));
  t.Add("alice.CreateAnnotations(none)", alice.CreateAnnotations({}));
  t.Add("alice.CreateAnnotations(image 999)",
        alice.CreateAnnotations({{.image_id = ImageId(999), .wkt = "POINT (1 1)"}}));
  t.Add("alice.GetAnnotation(1)", alice.GetAnnotation(AnnotationId(1)));
  t.Add("alice.GetAnnotation(2 geojson)", alice.GetAnnotation(AnnotationId(2), {.wkt = false, .geojson = true}));
  t.Add("alice.GetAnnotation(999)", alice.GetAnnotation(AnnotationId(999)));
  AnnotationFilter in_box{.images = {ImageId(1)}, .bbox = std::array<double, 4>{15, 15, 55, 65}};
  t.Add("alice.ListAnnotations(box)", alice.ListAnnotations(in_box));
  t.Add("alice.ListAnnotations(box, ids only)", alice.ListAnnotations(in_box, {}, {.wkt = false, .properties = false}));
  // The line's bounding box meets this box; the line itself does not.
  AnnotationFilter exact{.images = {ImageId(1)}, .bbox = std::array<double, 4>{25, 0, 26, 10}, .exact = true};
  t.Add("alice.ListAnnotations(exact)", alice.ListAnnotations(exact));
  t.Add("alice.ListAnnotations(project count)", alice.ListAnnotations({.project = ProjectId(1)}, {0, 0}));
  AnnotationFilter series{.project = ProjectId(1),
                          .device_like = "5c17%",
                          .captured_from = Timestamp(std::chrono::sys_days(std::chrono::year{2020} / 6 / 20)),
                          .captured_to = Timestamp(std::chrono::sys_days(std::chrono::year{2020} / 6 / 21))};
  t.Add("alice.ListAnnotations(device series)", alice.ListAnnotations(series, {0, 0}));
  series.captured_from = Timestamp(std::chrono::sys_days(std::chrono::year{2020} / 6 / 20)) + std::chrono::hours(22);
  t.Add("alice.ListAnnotations(device series later)", alice.ListAnnotations(series, {0, 0}));
  t.Add("alice.ListAnnotations(algorithm)", alice.ListAnnotations({.project = ProjectId(1), .algorithm = "yolo"}));
  t.Add("alice.ListAnnotations(property)",
        alice.ListAnnotations({.project = ProjectId(1), .property = std::pair{"cell", std::optional<std::string>()}}));
  t.Add("alice.ListAnnotations(term 1)", alice.ListAnnotations({.project = ProjectId(1), .terms = {TermId(1)}}));
  t.Add("alice.ListAnnotations(term 1 and below)",
        alice.ListAnnotations({.project = ProjectId(1), .terms = {TermId(1)}, .term_descendants = true}));
  t.Add("alice.DeleteTerm(2 in use)", alice.DeleteTerm(TermId(2)));
  t.Add("alice.DeleteTerm(2 detach)", alice.DeleteTerm(TermId(2), true));
  t.Add("alice.GetAnnotation(3 after detach)", alice.GetAnnotation(AnnotationId(3)));
  auto exported = alice.ExportAnnotations({.images = {ImageId(1)}});
  t.Add("alice.ExportAnnotations", exported);
  if (exported.ok()) {
    t.Add("alice.ImportAnnotations", alice.ImportAnnotations(ImageId(1), *exported));
    t.Add("alice.ListAnnotations(imported)", alice.ListAnnotations({.images = {ImageId(1)}, .terms = {TermId(1)}}));
  }
  t.Add("alice.ImportAnnotations(garbage)", alice.ImportAnnotations(ImageId(1), "{\"type\": \"Feature\"}"));
  t.Add("alice.ImportAnnotations(unknown term)",
        alice.ImportAnnotations(ImageId(1), R"({"type": "FeatureCollection", "features": [{"type": "Feature",
          "geometry": {"type": "Point", "coordinates": [1, 2]}, "properties": {"terms": ["Nope"]}}]})"));
  t.Add("alice.ExportAnnotations(no scope)", alice.ExportAnnotations({}));
  t.Add("alice.ListAnnotations(no scope)", alice.ListAnnotations({}));
  t.Add("alice.ListAnnotations(project 3)", alice.ListAnnotations({.project = ProjectId(3)}));
  t.Add("alice.DeleteAnnotations(dry run)", alice.DeleteAnnotations(in_box, true));
  t.Add("alice.DeleteAnnotation(2)", alice.DeleteAnnotation(AnnotationId(2)));
  t.Add("alice.DeleteAnnotation(2 again)", alice.DeleteAnnotation(AnnotationId(2)));
  t.Add("alice.DeleteAnnotations(box)", alice.DeleteAnnotations(in_box));
  t.Add("alice.ListAnnotations(after)", alice.ListAnnotations({.images = {ImageId(1)}}));
  NewAnnotationRun run{.image_id = ImageId(1),
                       .algorithm = "insect-detector",
                       .algorithm_version = "1598113346-ad2c",
                       .metadata = {{"model", "universal"}},
                       .annotations = {{.wkt = "POINT (5 5)"}, {.wkt = "POLYGON ((1 1, 9 1, 9 9, 1 1))"}}};
  t.Add("alice.CreateAnnotationRun", alice.CreateAnnotationRun(run));
  t.Add("alice.CreateAnnotationRun(again)", alice.CreateAnnotationRun(run));
  NewAnnotationRun replacement = run;
  replacement.replace = true;
  replacement.annotations.pop_back();
  t.Add("alice.CreateAnnotationRun(replace)", alice.CreateAnnotationRun(replacement));
  NewAnnotationRun wrong_file = run;
  wrong_file.algorithm_version = "2";
  wrong_file.image_md5 = std::string(32, '0');
  t.Add("alice.CreateAnnotationRun(wrong md5)", alice.CreateAnnotationRun(wrong_file));
  NewAnnotationRun bad_shape = wrong_file;
  bad_shape.image_md5.reset();
  bad_shape.annotations = {{.wkt = "POINT (1 1)"}, {.wkt = "POLYGON ((0 0, 10 10, 10 0, 0 10, 0 0))"}};
  t.Add("alice.CreateAnnotationRun(bowtie)", alice.CreateAnnotationRun(bad_shape));
  t.Add("alice.CreateAnnotationRun(no version)", alice.CreateAnnotationRun({.image_id = ImageId(1), .algorithm = "x"}));
  // Tuboids: uploaded from a matcher's folder, read, labelled and deleted by series.
  t.Add("alice.GetTuboid(missing)", alice.GetTuboid(TuboidId(1)));
  ItcLabel label{.algorithm = "itc", .algorithm_version = "1", .label = 2, .pattern = "^Insecta.*", .type = "Insecta"};
  t.Add("alice.LabelTuboid(missing)", alice.LabelTuboid(TuboidId(1), label));
  t.Add("alice.DeleteTuboidSeries(missing)", alice.DeleteTuboidSeries(TuboidSeriesId(1)));
  const std::filesystem::path tuboid = files / "08038ade.2020-07-08_20-00-00.2020-07-09_15-00-00.1606980656-91e2.0000";
  std::filesystem::create_directories(tuboid);
  std::ofstream(tuboid / "metadata.txt") << "08038ade.2020-07-08_22-16-46,854.2,185.4,2.3\n"
                                            "08038ade.2020-07-08_22-35-31,853.9,184.3,2.2\n";
  WriteSampleImage(tuboid / "tuboid.jpg", {.width = 224, .height = 224});
  WriteSampleImage(tuboid / "context.jpg", {.width = 300, .height = 200});
  const TuboidSeries tuboid_series{.device = "08038ade",
                                   .start = core::ParseIso8601("2020-07-08T20:00:00Z").value(),
                                   .end = core::ParseIso8601("2020-07-09T15:00:00Z").value(),
                                   .algorithm = "sticky-pi-siamese-insect-matcher",
                                   .algorithm_version = "1606980656-91e2",
                                   .n_images = 50,
                                   .n_tuboids = 2};
  t.Add("alice.UploadTuboid", alice.UploadTuboid(ProjectId(1), tuboid, tuboid_series));
  t.Add("alice.UploadTuboid(again)", alice.UploadTuboid(ProjectId(1), tuboid, tuboid_series));
  t.Add("alice.UploadTuboid(no folder)", alice.UploadTuboid(ProjectId(1), files / "nowhere", tuboid_series));
  t.Add("alice.ListTuboids", alice.ListTuboids({.device_like = "0803%"}));
  t.Add("alice.LabelTuboid", alice.LabelTuboid(TuboidId(1), label));
  t.Add("alice.GetTuboid", alice.GetTuboid(TuboidId(1)));
  t.Add("alice.DeleteTuboidSeries", alice.DeleteTuboidSeries(TuboidSeriesId(1)));
  t.Add("alice.ListTuboids(after)", alice.ListTuboids({.device_like = "0803%"}));
  t.Add("alice.GetAnnotationRun(2)", alice.GetAnnotationRun(AnnotationRunId(2)));
  t.Add("alice.GetAnnotationRun(1 replaced)", alice.GetAnnotationRun(AnnotationRunId(1)));
  t.Add("alice.ListAnnotationRuns(device)", alice.ListAnnotationRuns({.device_like = "5c17%"}));
  t.Add("alice.ListAnnotationRuns(metadata)",
        alice.ListAnnotationRuns(
            {.project = ProjectId(1), .metadata = std::pair{"model", std::optional<std::string>("other")}}));
  t.Add("alice.ListAnnotations(run 2)", alice.ListAnnotations({.images = {ImageId(1)}, .run = AnnotationRunId(2)}));
  t.Add("alice.ListAnnotationRuns(limit 20000)", alice.ListAnnotationRuns({}, {20'000, 0}));
  t.Add("alice.DeleteAnnotationRun(2)", alice.DeleteAnnotationRun(AnnotationRunId(2)));
  t.Add("alice.DeleteAnnotationRun(2 again)", alice.DeleteAnnotationRun(AnnotationRunId(2)));
  t.Add("alice.ListAnnotations(run 2 after)",
        alice.ListAnnotations({.images = {ImageId(1)}, .run = AnnotationRunId(2)}));

  t.Add("alice.ListAnalytics", alice.ListAnalytics());
  t.Add("alice.GetAnalytic(1)", alice.GetAnalytic(AnalyticId(1)));
  t.Add("alice.GetAnalytic(999)", alice.GetAnalytic(AnalyticId(999)));
  t.Add("alice.DeleteAnalytic(1)", alice.DeleteAnalytic(AnalyticId(1)));
  t.Add("root.DeleteAnalytic(1)", root.DeleteAnalytic(AnalyticId(1)));
  t.Add("root.DeleteAnalytic(999)", root.DeleteAnalytic(AnalyticId(999)));
  t.Add("alice.RegisterAnalytic(missing)", alice.RegisterAnalytic(files / "missing.tar.gz"));
  t.Add("alice.UploadData", alice.UploadData(files / "notes.txt", {.project = ProjectId(1)}));
  t.Add("alice.UploadData(ttl)",
        alice.UploadData(
            files / "notes.txt",
            {.project = ProjectId(1), .name = "n.txt", .media_type = "text/plain", .ttl = std::chrono::seconds(60)}));
  t.Add("alice.UploadData(bad name)", alice.UploadData(files / "notes.txt", {.project = ProjectId(1), .name = "a/b"}));
  t.Add("alice.UploadData(missing)", alice.UploadData(files / "missing.txt", {.project = ProjectId(1)}));
  t.Add("alice.GetData(1)", alice.GetData(DataId(1)));
  t.Add("alice.ListData", alice.ListData({.project = ProjectId(1)}));
  t.Add("alice.ListData(name)", alice.ListData({.project = ProjectId(1), .name_like = "n.%"}));
  t.Add("alice.ListData(project 3)", alice.ListData({.project = ProjectId(3)}));
  t.Add("alice.SetDataExpiry(2 none)", alice.SetDataExpiry(DataId(2), std::nullopt));
  t.Add("alice.DownloadData(1)", alice.DownloadData(DataId(1), files / "notes-copy.txt"));
  t.Add("data copy", Result<std::string>(ReadFileBytes(files / "notes-copy.txt")));
  t.Add("alice.DeleteData(1)", alice.DeleteData(DataId(1)));
  t.Add("alice.GetData(1 deleted)", alice.GetData(DataId(1)));
  t.Add("alice.DownloadData(1 deleted)", alice.DownloadData(DataId(1), files / "none.txt"));
  t.Add("alice.CreateJob(bad parameter)",
        alice.CreateJob({.project = ProjectId(1), .analytic = "vitrine/noop", .parameters = R"({"sleep_ms": -1})"}));
  t.Add("alice.CreateJob(unknown analytic)", alice.CreateJob({.project = ProjectId(1), .analytic = "acme/none"}));
  t.Add("alice.CreateJob(other project)", alice.CreateJob({.project = ProjectId(3), .analytic = "vitrine/noop"}));
  t.Add("alice.CreateJob", alice.CreateJob({.project = ProjectId(1), .analytic = "vitrine/noop", .name = "probe"}));
  t.Add("alice.CreateJob(images)",
        alice.CreateJob(
            {.project = ProjectId(1), .analytic = "vitrine/pyramids", .inputs = R"({"images": {"image-ids": [1]}})"}));
  t.Add("alice.GetJob(1)", alice.GetJob(JobId(1)));
  t.Add("alice.GetJob(999)", alice.GetJob(JobId(999)));
  t.Add("alice.KillJob(1 ready)", alice.KillJob(JobId(1)));
  t.Add("alice.StartJob(1)", alice.StartJob(JobId(1)));
  t.Add("alice.StartJob(1 again)", alice.StartJob(JobId(1)));
  t.Add("alice.DeleteJob(1 queued)", alice.DeleteJob(JobId(1)));
  t.Add("alice.ArchiveJob(1 queued)", alice.ArchiveJob(JobId(1)));
  t.Add("alice.KillJob(1)", alice.KillJob(JobId(1)));
  t.Add("alice.WaitForJob(1)", alice.WaitForJob(JobId(1), std::chrono::seconds(5)));
  t.Add("alice.ReadJobLog(1)", alice.ReadJobLog(JobId(1)));
  t.Add("alice.DownloadJobOutput(1 none)", alice.DownloadJobOutput(JobId(1), "summary", files / "out.json"));
  t.Add("alice.ArchiveJob(1)", alice.ArchiveJob(JobId(1)));
  t.Add("alice.ListJobs", alice.ListJobs());
  JobFilter any_jobs;
  any_jobs.archived = std::nullopt;
  any_jobs.descending = false;
  t.Add("alice.ListJobs(any)", alice.ListJobs(any_jobs));
  JobFilter failed;
  failed.state = JobState::kFailed;
  failed.archived = true;
  t.Add("alice.ListJobs(failed archived)", alice.ListJobs(failed));
  t.Add("alice.ListJobs(0,0)", alice.ListJobs({}, {0, 0}));
  t.Add("alice.ArchiveJob(1 unarchive)", alice.ArchiveJob(JobId(1), false));
  t.Add("alice.DeleteJob(1)", alice.DeleteJob(JobId(1)));
  t.Add("alice.DeleteJob(1 again)", alice.DeleteJob(JobId(1)));
  t.Add("alice.WaitForJob(999)", alice.WaitForJob(JobId(999), std::chrono::seconds(1)));
  t.Add("alice.DeleteJob(2)", alice.DeleteJob(JobId(2)));

  t.Add("alice.ListFeatureDescriptors", alice.ListFeatureDescriptors());
  t.Add("alice.GetFeatureDescriptor(HTD)", alice.GetFeatureDescriptor("HTD"));
  t.Add("alice.GetFeatureDescriptor(htd)", alice.GetFeatureDescriptor("htd"));
  const std::vector<FeatureResource> described = {
      {.image = ImageId(1)},
      {.image = ImageId(1), .region = std::array<std::int64_t, 4>{10, 10, 100, 50}},
      {.image = ImageId(999)},
      {.image = ImageId(1), .region = std::array<std::int64_t, 4>{300, 0, 100, 10}}};
  t.Add("alice.ExtractFeatures(HTD)", alice.ExtractFeatures("HTD", described));
  t.Add("alice.ExtractFeatures(SIFT uncached)", alice.ExtractFeatures("SIFT", described, {.use_cache = false}));
  t.Add("alice.ExtractFeatures(HAR none)", alice.ExtractFeatures("HAR", {}));
  t.Add("alice.ExtractFeatures(NOPE)", alice.ExtractFeatures("NOPE", described));
  t.Add("alice.ExportFeatures(HuMoments csv)",
        alice.ExportFeatures("HuMoments", described, FeatureFormat::kCsv, files / "hu.csv", {.max_size = 64}));
  t.Add("features copy", Result<std::string>(ReadFileBytes(files / "hu.csv")));

  t.Add("alice.DeleteImage", alice.DeleteImage(ImageId(1)));
  t.Add("alice.GetImage(deleted)", alice.GetImage(ImageId(1)));
  t.Add("alice.DeleteProject(3)", alice.DeleteProject(ProjectId(3)));
  t.Add("alice.DeleteProject(1)", alice.DeleteProject(ProjectId(1)));
  t.Add("alice.GetProject(deleted)", alice.GetProject(ProjectId(1)));
  return t;
}

TEST(ClientConformanceBoth, SameCallsGiveIdenticalResultsAndErrors) {
  TempDir files;
  auto photo = files.path() / "5c173ff2.2020-06-20_21-33-24.jpg";
  WriteSampleImage(photo, {.width = 320, .height = 80});
  ClientUnderTest local = MakeLocal();
  ClientUnderTest remote = MakeRemote();
  ASSERT_TRUE(local.alice && local.root && remote.alice && remote.root);
  std::vector<std::string> on_local = RunEveryOperation(local, files.path()).lines();
  std::vector<std::string> on_remote = RunEveryOperation(remote, files.path()).lines();
  ASSERT_EQ(on_local.size(), on_remote.size());
  for (std::size_t i = 0; i < on_local.size(); ++i) EXPECT_EQ(on_local[i], on_remote[i]);

  // Sanity: the script reached both successes and each kind of failure.
  std::string all;
  for (const auto& line : on_remote) all += line + "\n";
  if (std::getenv("VITRINE_DUMP_TRANSCRIPT")) std::cerr << all;  // to read what both clients answered
  for (const char* expected : {"alice.UploadImage -> {\"created\":true",
                               "error permission_denied",
                               "error not_found",
                               "error conflict",
                               "error invalid_argument",
                               "error unsupported",
                               "copy matches -> bytes",
                               "alice.DeleteImage -> ok",
                               "alice.UploadTuboid -> {\"context_image_id\"",
                               "alice.DeleteTuboidSeries -> ok",
                               "alice.CreateJob -> {\"analytic\":\"vitrine/noop\"",
                               "alice.KillJob(1) -> {",
                               "data copy -> bytes",
                               "alice.ExtractFeatures(HTD) -> {\"columns\":[\"label\"],\"feature\":\"HTD\"",
                               "features copy -> bytes",
                               "alice.DeleteJob(1) -> ok",
                               "alice.CreateAnnotations -> 1 2 3 \n",
                               "alice.DeleteAnnotations(dry run) -> 6\n",
                               "alice.DeleteAnnotations(box) -> 5\n",
                               "alice.ListAnnotations(term 1 and below) -> {\"items\":[{",
                               "alice.DeleteTerm(2 detach) -> ok\n",
                               "alice.ImportAnnotations -> 5 6 7 8 \n",
                               "alice.ListAnnotations(device series) -> {\"items\":[],\"total\":4}",
                               "alice.ListAnnotations(device series later) -> {\"items\":[],\"total\":0}",
                               "alice.ListAnnotations(exact) -> {\"items\":[],\"total\":0}",
                               "alice.CreateAnnotationRun -> {\"algorithm\":\"insect-detector\"",
                               "alice.CreateAnnotationRun(again) -> error conflict",
                               "alice.GetAnnotationRun(1 replaced) -> error not_found",
                               "alice.DeleteAnnotationRun(2) -> ok\n",
                               "alice.DeleteAnnotationRun(2 again) -> error not_found",
                               "alice.ListAnnotations(run 2 after) -> {\"items\":[],\"total\":0}"}) {
    EXPECT_NE(all.find(expected), std::string::npos) << expected << "\n" << all;
  }
}

TEST(ConnectTest, UnknownSchemesAndMissingUsersAreErrors) {
  EXPECT_EQ(Connect("ftp://example").status().code(), ErrorCode::kInvalidArgument);
  TempDir dir;
  EXPECT_EQ(Connect("file://" + dir.path().string(), Credentials{.username = "nobody"}).status().code(),
            ErrorCode::kNotFound);
}

}  // namespace
}  // namespace vitrine::testing

namespace vitrine::testing {
namespace {

TEST(RemoteClientTest, RetriesReadsWhileTheServerRestarts) {
  TempDir dir;
  auto data = dir.path() / "data";
  std::string d = " --data " + data.string();
  ASSERT_EQ(RunVitrine("user add alice --password password-alice" + d).exit_code, 0);
  ASSERT_EQ(RunVitrine("project create Kept --owner alice" + d).exit_code, 0);
  auto server = std::make_unique<ServeProcess>(data, dir.path() / "s1.log");
  const int port = server->port();
  ASSERT_GT(port, 0) << server->log();
  auto client = Connect(server->url(), Credentials{.username = "alice", .password = "password-alice"});
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  ASSERT_EQ((*client)->GetProject(ProjectId(1))->name, "Kept");
  server->Stop();
  // The read starts while the server is down and succeeds once it is back (backoff retries).
  auto held = std::make_unique<PortHolder>(port);
  ASSERT_TRUE(held->bound());
  auto pending = std::async(std::launch::async, [&] { return (*client)->GetProject(ProjectId(1)); });
  ASSERT_TRUE(held->WaitForAttempt(std::chrono::seconds(30))) << "the client never tried the server";
  held.reset();
  server = std::make_unique<ServeProcess>(data, dir.path() / "s2.log", port);
  ASSERT_EQ(server->port(), port) << server->log();
  auto project = pending.get();
  ASSERT_TRUE(project.ok()) << project.status().ToString();
  EXPECT_EQ(project->name, "Kept");
  server->Stop();
  // With the server gone for good, the answer is kUnavailable, after a bounded wait.
  EXPECT_EQ((*client)->GetProject(ProjectId(1)).status().code(), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace vitrine::testing

namespace vitrine::testing {
namespace {

TEST(RemoteClientTest, VerbosityControlsWhatIsLogged) {
  TestServer server;
  std::string token = server.CreateUserWithToken("alice");
  std::vector<std::pair<LogLevel, std::string>> lines;
  std::mutex mu;
  auto sink = [&](LogLevel level, std::string_view line) {
    std::lock_guard lock(mu);
    lines.emplace_back(level, std::string(line));
  };
  auto quiet = Connect(server.url(""), Credentials{.token = token}, ClientOptions{LogLevel::kError, sink});
  ASSERT_TRUE((*quiet)->CurrentUser().ok());
  EXPECT_EQ((*quiet)->GetProject(ProjectId(5)).status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(lines.empty()) << "quiet by default: answers, even errors, are values, not log lines";

  auto chatty = Connect(server.url(""), Credentials{.token = token}, ClientOptions{LogLevel::kDebug, sink});
  ASSERT_TRUE((*chatty)->CreateProject("Logged").ok());
  bool request_line = false, body_line = false;
  for (const auto& [level, line] : lines) {
    request_line |= level == LogLevel::kInfo && line.find("POST /api/v1/projects -> 201") != std::string::npos;
    body_line |= level == LogLevel::kDebug && line.find("\"Logged\"") != std::string::npos;
  }
  EXPECT_TRUE(request_line);
  EXPECT_TRUE(body_line);
}

}  // namespace
}  // namespace vitrine::testing
