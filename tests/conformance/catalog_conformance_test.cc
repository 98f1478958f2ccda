// One suite for the Catalog interface, instantiated for every implementation.
#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <thread>

#include "catalog/catalog.h"
#include "support/store_urls.h"
#include "support/temp_dir.h"

namespace vitrine::catalog {
namespace {

using vitrine::testing::TempDir;

struct CatalogUnderTest {
  std::unique_ptr<TempDir> dir;
  std::unique_ptr<Catalog> catalog;
};

using CatalogMaker = std::function<CatalogUnderTest()>;

CatalogUnderTest MakeTempSqliteCatalog() {
  CatalogUnderTest c{std::make_unique<TempDir>(), nullptr};
  auto opened = OpenCatalog("sqlite://" + (c.dir->path() / "catalog.db").string());
  if (!opened.ok())
    ADD_FAILURE() << opened.status().ToString();
  else
    c.catalog = std::move(*opened);
  return c;
}

// A new database on VITRINE_TEST_POSTGRES's server (tests/support/services.sh --postgres).
CatalogUnderTest MakeFreshPostgresCatalog() {
  CatalogUnderTest c{std::make_unique<TempDir>(), nullptr};
  auto opened = OpenCatalog(vitrine::testing::TestCatalogUrl(c.dir->path()));
  if (!opened.ok())
    ADD_FAILURE() << opened.status().ToString();
  else
    c.catalog = std::move(*opened);
  return c;
}

// Empty without a server: the suite then runs on SQLite only.
std::vector<CatalogMaker> PostgresMakers() {
  const char* server = std::getenv("VITRINE_TEST_POSTGRES");
  if (server == nullptr || *server == '\0') return {};
  return {MakeFreshPostgresCatalog};
}

Timestamp At(std::int64_t s) { return Timestamp(std::chrono::seconds(s)); }

class CatalogConformance : public ::testing::TestWithParam<CatalogMaker> {
 protected:
  void SetUp() override {
    under_test_ = GetParam()();
    ASSERT_NE(under_test_.catalog, nullptr);
  }
  Catalog& catalog() { return *under_test_.catalog; }
  User AddUser(const std::string& name) {
    auto u = catalog().CreateUser({name, "", "", false, "hash", At(100)});
    EXPECT_TRUE(u.ok()) << u.status().ToString();
    return *u;
  }
  CatalogUnderTest under_test_;
};

TEST_P(CatalogConformance, UsersAreUniqueWithoutRegardToCase) {
  User alice = AddUser("alice");
  EXPECT_EQ(catalog().CreateUser({"ALICE", "", "", false, "h", At(1)}).status().code(), ErrorCode::kConflict);
  auto found = catalog().FindUserByUsername("Alice");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->user.id, alice.id);
  EXPECT_EQ(found->password_hash, "hash");
  EXPECT_EQ(catalog().GetUser(UserId(999)).status().code(), ErrorCode::kNotFound);
}

// A name that is not the stored one never finds it, whatever the backend does with bytes: a
// NUL (libpq's C strings would cut "alice\0x" to "alice"), a non-ASCII letter that a locale
// folds to an ASCII one (U+0130 to 'i'), bytes that are not UTF-8. None of it is a 500.
TEST_P(CatalogConformance, OnlyTheNameItselfFindsAUser) {
  AddUser("alice");
  AddUser("admin");
  for (std::string name :
       {std::string("alice\0x", 7), std::string("adm\xC4\xB0n"), std::string("\xff\xfe"), std::string("ALICE\0", 6)}) {
    auto found = catalog().FindUserByUsername(name);
    ASSERT_FALSE(found.ok()) << "found " << found->user.username;
    EXPECT_NE(found.status().code(), ErrorCode::kInternal) << found.status().ToString();
  }
  EXPECT_TRUE(catalog().FindUserByUsername("ADMIN").ok());
}

TEST_P(CatalogConformance, UpdateUserChangesOnlyGivenFields) {
  User bob = AddUser("bob");
  UserChanges changes;
  changes.email = "bob@example.org";
  changes.enabled = false;
  auto updated = catalog().UpdateUser(bob.id, changes);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->email, "bob@example.org");
  EXPECT_FALSE(updated->enabled);
  EXPECT_EQ(catalog().GetUser(bob.id)->password_hash, "hash");
  EXPECT_EQ(catalog().UpdateUser(UserId(999), changes).status().code(), ErrorCode::kNotFound);
}

TEST_P(CatalogConformance, ListUsersPaginates) {
  for (int i = 0; i < 5; ++i) AddUser("u" + std::to_string(i));
  auto page = catalog().ListUsers({2, 3});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 5);
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].username, "u3");
  EXPECT_EQ(catalog().ListUsers({10, 5})->items.size(), 0u);
  EXPECT_EQ(*catalog().CountUsers(), 5);
}

TEST_P(CatalogConformance, ApiKeysAreFoundByPublicHalfAndRevokedOnlyByOwner) {
  User a = AddUser("a"), b = AddUser("b");
  auto key = catalog().CreateApiKey(a.id, "pub", "priv", At(5));
  ASSERT_TRUE(key.ok());
  auto found = catalog().FindApiKey("pub");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->private_key, "priv");
  EXPECT_FALSE(found->key.revoked_at);
  EXPECT_EQ(catalog().RevokeApiKey(b.id, key->id, At(6)).code(), ErrorCode::kNotFound);
  EXPECT_TRUE(catalog().RevokeApiKey(a.id, key->id, At(6)).ok());
  EXPECT_EQ(catalog().FindApiKey("pub")->key.revoked_at, At(6));
  EXPECT_EQ(catalog().ListApiKeys(a.id)->size(), 1u);
  EXPECT_EQ(catalog().FindApiKey("nope").status().code(), ErrorCode::kNotFound);
}

TEST_P(CatalogConformance, TokensAreFoundByHashAndRevocable) {
  User a = AddUser("a");
  auto token = catalog().CreateToken(a.id, "h1", At(10), At(20));
  ASSERT_TRUE(token.ok());
  auto found = catalog().FindTokenByHash("h1");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->expires_at, At(20));
  EXPECT_TRUE(catalog().RevokeToken(token->id, At(15)).ok());
  EXPECT_EQ(catalog().FindTokenByHash("h1")->revoked_at, At(15));
  EXPECT_EQ(catalog().FindTokenByHash("h2").status().code(), ErrorCode::kNotFound);

  auto with_owner = catalog().FindTokenWithUser("h1");
  ASSERT_TRUE(with_owner.ok()) << with_owner.status().ToString();
  EXPECT_EQ(with_owner->token.id, token->id);
  EXPECT_EQ(with_owner->token.revoked_at, At(15));
  EXPECT_EQ(with_owner->token.expires_at, At(20));
  EXPECT_EQ(with_owner->owner.user.id, a.id);
  EXPECT_EQ(with_owner->owner.user.username, "a");
  EXPECT_EQ(with_owner->owner.password_hash, "hash");
  EXPECT_EQ(catalog().FindTokenWithUser("h2").status().code(), ErrorCode::kNotFound);
}

TEST_P(CatalogConformance, ProjectCreatorIsItsManager) {
  User a = AddUser("a");
  auto p = catalog().CreateProject({"P", "D", a.id, At(1)});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(catalog().GetRole(p->id, a.id)->value(), ProjectRole::kManager);
  auto members = catalog().ListMembers(p->id);
  ASSERT_EQ(members->size(), 1u);
  EXPECT_EQ((*members)[0].username, "a");
}

TEST_P(CatalogConformance, ProjectsListedForMemberOrAll) {
  User a = AddUser("a"), b = AddUser("b");
  auto pa = catalog().CreateProject({"PA", "", a.id, At(1)});
  auto pb = catalog().CreateProject({"PB", "", b.id, At(1)});
  ASSERT_TRUE(catalog().PutMember(pb->id, a.id, ProjectRole::kViewer).ok());
  EXPECT_EQ(catalog().ListProjects(a.id, {}, {})->total, 2);
  EXPECT_EQ(catalog().ListProjects(b.id, {}, {})->total, 1);
  EXPECT_EQ(catalog().ListProjects(std::nullopt, {}, {})->total, 2);
  EXPECT_EQ(catalog().ListProjects(std::nullopt, {}, {1, 1})->items.at(0).name, "PB");
}

TEST_P(CatalogConformance, MembershipUpsertsAndRemoves) {
  User a = AddUser("a"), b = AddUser("b");
  auto p = catalog().CreateProject({"P", "", a.id, At(1)});
  EXPECT_FALSE(catalog().GetRole(p->id, b.id)->has_value());
  ASSERT_TRUE(catalog().PutMember(p->id, b.id, ProjectRole::kViewer).ok());
  ASSERT_TRUE(catalog().PutMember(p->id, b.id, ProjectRole::kContributor).ok());
  EXPECT_EQ(catalog().GetRole(p->id, b.id)->value(), ProjectRole::kContributor);
  EXPECT_TRUE(catalog().RemoveMember(p->id, b.id).ok());
  EXPECT_EQ(catalog().RemoveMember(p->id, b.id).code(), ErrorCode::kNotFound);
  EXPECT_EQ(catalog().PutMember(ProjectId(999), b.id, ProjectRole::kViewer).code(), ErrorCode::kNotFound);
}

TEST_P(CatalogConformance, ImageAccessGivesTheImageAndTheCallersRoleInOneRead) {
  User a = AddUser("a"), b = AddUser("b"), c = AddUser("c");
  auto p = catalog().CreateProject({"P", "", a.id, At(1)});
  ASSERT_TRUE(catalog().PutMember(p->id, b.id, ProjectRole::kViewer).ok());
  Image image;
  image.project_id = p->id;
  image.filename = "x.png";
  image.sha256 = std::string(64, 'a');
  image.width = 30;
  image.height = 20;
  image.created_by = a.id;
  image.created_at = At(2);
  image.properties = {{"stain", "HE"}};
  auto stored = catalog().InsertImage(image);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();

  auto manager = catalog().GetImageAccess(stored->id, a.id);
  ASSERT_TRUE(manager.ok()) << manager.status().ToString();
  EXPECT_EQ(manager->role, ProjectRole::kManager);
  EXPECT_EQ(manager->image.sha256, image.sha256);
  EXPECT_EQ(manager->image.width, 30);
  EXPECT_EQ(manager->image.project_id, p->id);
  EXPECT_TRUE(manager->image.properties.empty());  // not read: a view does not need them
  EXPECT_EQ(catalog().GetImageAccess(stored->id, b.id)->role, ProjectRole::kViewer);
  EXPECT_FALSE(catalog().GetImageAccess(stored->id, c.id)->role.has_value());
  EXPECT_FALSE(catalog().GetImageAccess(stored->id, UserId())->role.has_value());
  EXPECT_EQ(catalog().GetImageAccess(ImageId(stored->id.value() + 1), a.id).status().code(), ErrorCode::kNotFound);
}

TEST_P(CatalogConformance, IdsAreNeverHandedOutAgain) {
  User a = AddUser("a");
  auto p = catalog().CreateProject({"P", "", a.id, At(1)});
  auto newest_project = catalog().CreateProject({"Q", "", a.id, At(1)});
  ASSERT_TRUE(catalog().DeleteProject(newest_project->id).ok());
  EXPECT_GT(catalog().CreateProject({"R", "", a.id, At(1)})->id, newest_project->id);

  Image image;
  image.project_id = p->id;
  image.filename = "x.png";
  image.sha256 = std::string(64, 'a');
  image.created_at = At(2);
  auto kept = catalog().InsertImage(image);
  image.sha256 = std::string(64, 'b');
  auto newest_image = catalog().InsertImage(image);
  ASSERT_TRUE(kept.ok() && newest_image.ok());
  ASSERT_TRUE(catalog().DeleteImage(newest_image->id).ok());
  image.sha256 = std::string(64, 'c');
  EXPECT_GT(catalog().InsertImage(image)->id, newest_image->id) << "a cached view of the old id must not show this";

  AnnotationRow row;
  row.annotation.project_id = p->id;
  row.annotation.image_id = kept->id;
  row.annotation.geometry_type = "Point";
  row.annotation.bbox = {5, 5, 5, 5};
  row.wkb = std::string(1, '\0');
  auto ids = catalog().InsertAnnotations({row, row});
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  ASSERT_TRUE(catalog().DeleteAnnotation(ids->back()).ok());
  EXPECT_GT(catalog().InsertAnnotations({row})->front(), ids->back());
}

TEST_P(CatalogConformance, UpdateAndDeleteProject) {
  User a = AddUser("a");
  auto p = catalog().CreateProject({"P", "D", a.id, At(1)});
  ProjectChanges changes{std::string("Q"), std::nullopt, {}, At(9)};
  auto updated = catalog().UpdateProject(p->id, changes);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->name, "Q");
  EXPECT_EQ(updated->description, "D");
  EXPECT_EQ(updated->updated_at, At(9));
  EXPECT_TRUE(catalog().DeleteProject(p->id).ok());
  EXPECT_EQ(catalog().GetProject(p->id).status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(catalog().ListMembers(p->id)->empty()) << "members go with their project";
  EXPECT_EQ(catalog().DeleteProject(p->id).code(), ErrorCode::kNotFound);
}

TEST_P(CatalogConformance, ProjectPropertiesAreStoredChangedAndFiltered) {
  User a = AddUser("a"), b = AddUser("b");
  auto p = catalog().CreateProject({"P", "", a.id, At(1), {{"lab", "north"}, {"stain", "HE"}}});
  auto q = catalog().CreateProject({"Q", "", b.id, At(1), {{"lab", "south"}}});
  auto r = catalog().CreateProject({"R", "", a.id, At(1)});
  ASSERT_TRUE(p.ok() && q.ok() && r.ok());
  EXPECT_EQ(catalog().GetProject(p->id)->properties, (Properties{{"lab", "north"}, {"stain", "HE"}}));

  ProjectChanges changes;
  changes.properties = {{"stain", std::nullopt}, {"lab", "west"}, {"grant", "42"}};
  changes.updated_at = At(2);
  auto updated = catalog().UpdateProject(p->id, changes);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->properties, (Properties{{"grant", "42"}, {"lab", "west"}}));

  auto names = [&](std::optional<UserId> member, PropertyMatch match) {
    std::vector<std::string> out;
    auto page = catalog().ListProjects(member, {match}, {});
    EXPECT_TRUE(page.ok());
    for (const auto& project : page->items) out.push_back(project.name + ":" + project.properties.at("lab"));
    EXPECT_EQ(page->total, static_cast<std::int64_t>(out.size()));
    return out;
  };
  EXPECT_EQ(names(std::nullopt, {"lab", std::nullopt}), (std::vector<std::string>{"P:west", "Q:south"}));
  EXPECT_EQ(names(std::nullopt, {"lab", "south"}), (std::vector<std::string>{"Q:south"}));
  EXPECT_EQ(names(a.id, {"lab", std::nullopt}), (std::vector<std::string>{"P:west"}));
  EXPECT_TRUE(names(a.id, {"lab", "south"}).empty());
  EXPECT_TRUE(names(std::nullopt, {"stain", std::nullopt}).empty());
}

TEST_P(CatalogConformance, TextIsStoredVerbatimNotInterpreted) {
  std::string hostile = "x'); DROP TABLE users; --\" \xe2\x9c\x93 %s \\0";
  User a = AddUser("a");
  auto p = catalog().CreateProject({hostile, hostile, a.id, At(1)});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(catalog().GetProject(p->id)->name, hostile);
  EXPECT_EQ(*catalog().CountUsers(), 1);
}

TEST_P(CatalogConformance, ConcurrentWritersAllSucceed) {
  User a = AddUser("a");
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        if (!catalog().CreateProject({"p" + std::to_string(t * 100 + i), "", a.id, At(1)}).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(catalog().ListProjects(std::nullopt, {}, {})->total, 200);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, CatalogConformance, ::testing::Values(MakeTempSqliteCatalog),
                         [](const auto&) { return std::string("TempFile"); });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(CatalogConformance);
INSTANTIATE_TEST_SUITE_P(Postgres, CatalogConformance, ::testing::ValuesIn(PostgresMakers()),
                         [](const auto&) { return std::string("FreshDatabase"); });

TEST(SqliteCatalogTest, ReopeningKeepsDataAndRecordsMigrationsOnce) {
  TempDir dir;
  auto path = (dir.path() / "c.db").string();
  {
    auto c = OpenCatalog(path);
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE((*c)->CreateUser({"keep", "", "", false, "", At(1)}).ok());
  }
  auto again = OpenCatalog(path);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE((*again)->FindUserByUsername("keep").ok());
}

TEST(SqliteCatalogTest, UnknownSchemesAreRefused) {
  EXPECT_EQ(OpenCatalog("mysql://x").status().code(), ErrorCode::kInvalidArgument);
  // No server there: refused as unavailable, naming the server but never the password.
  auto refused = OpenCatalog("postgresql://someone:secret@127.0.0.1:1/db");
  EXPECT_EQ(refused.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(refused.status().message().find("127.0.0.1:1/db"), std::string::npos) << refused.status().message();
  EXPECT_EQ(refused.status().message().find("secret"), std::string::npos) << refused.status().message();
  EXPECT_EQ(OpenCatalog("postgres://127.0.0.1:1/db?pool=none").status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vitrine::catalog
