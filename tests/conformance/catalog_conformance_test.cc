// One suite for the Catalog interface, instantiated for every implementation.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "catalog/catalog.h"
#include "support/store_urls.h"
#include "support/temp_dir.h"
#include "vitrine/jobs.h"

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

TEST_P(CatalogConformance, ReplacedAnnotationsAreFoundWhereTheyNowAre) {
  User a = AddUser("a");
  auto p = catalog().CreateProject({"P", "", a.id, At(1)});
  Image image;
  image.project_id = p->id;
  image.filename = "x.png";
  image.sha256 = std::string(64, 'a');
  image.created_at = At(1);
  auto stored_image = catalog().InsertImage(image);
  auto ontology = catalog().CreateOntology("O", a.id, At(1));
  auto tumour = catalog().CreateTerm(ontology->id, {"tumour", "#ff0000", std::nullopt});
  auto stroma = catalog().CreateTerm(ontology->id, {"stroma", "#00ff00", std::nullopt});
  ASSERT_TRUE(stored_image.ok() && tumour.ok() && stroma.ok());

  AnnotationRow row;
  row.annotation.project_id = p->id;
  row.annotation.image_id = stored_image->id;
  row.annotation.geometry_type = "Point";
  row.annotation.bbox = {5, 5, 5, 5};
  row.annotation.terms = {tumour->id};
  row.annotation.properties = {{"k", "v"}};
  row.annotation.created_at = row.annotation.updated_at = At(2);
  row.wkb = "first";
  // Neighbours in the same insert share its R*Tree bucket: the replaced one must leave it.
  auto ids = catalog().InsertAnnotations({row, row, row});
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();

  AnnotationRow moved = row;
  moved.annotation.id = ids->at(1);
  moved.annotation.geometry_type = "Polygon";
  moved.annotation.bbox = {500, 600, 520, 640};
  moved.annotation.area = 800;
  moved.annotation.terms = {stroma->id};
  moved.annotation.properties = {{"k2", "v2"}};
  moved.annotation.updated_at = At(3);
  moved.wkb = "second";
  ASSERT_TRUE(catalog().ReplaceAnnotation(moved, At(2)).ok());
  EXPECT_EQ(catalog().ReplaceAnnotation(moved, At(2)).code(), ErrorCode::kConflict) << "it changed since At(2)";

  auto got = catalog().GetAnnotation(ids->at(1));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->wkb, "second");
  EXPECT_EQ(got->annotation.geometry_type, "Polygon");
  EXPECT_EQ(got->annotation.bbox, (std::array<double, 4>{500, 600, 520, 640}));
  EXPECT_EQ(got->annotation.area, 800);
  EXPECT_EQ(got->annotation.terms, std::vector<TermId>{stroma->id});
  EXPECT_EQ(got->annotation.properties, (Properties{{"k2", "v2"}}));
  EXPECT_EQ(got->annotation.created_at, At(2)) << "creation stays";
  EXPECT_EQ(got->annotation.updated_at, At(3));

  auto in_box = [&](std::array<double, 4> box) {
    AnnotationFilter filter;
    filter.images = {stored_image->id};
    filter.bbox = box;
    std::vector<AnnotationId> found;
    auto page = catalog().ListAnnotations(filter, {100, 0}, {false, false, false, true});
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    for (const auto& r : page->items) found.push_back(r.annotation.id);
    return found;
  };
  EXPECT_EQ(in_box({0, 0, 10, 10}), (std::vector<AnnotationId>{ids->at(0), ids->at(2)}));
  EXPECT_EQ(in_box({510, 610, 511, 611}), std::vector<AnnotationId>{ids->at(1)});
  AnnotationFilter by_term;
  by_term.images = {stored_image->id};
  by_term.terms = {tumour->id};
  EXPECT_EQ(catalog().ListAnnotations(by_term, {100, 0}, {false, false, false, true})->total, 2);
  // A capped count stops at its cap, and counts exactly below it.
  AnnotationFilter whole_image;
  whole_image.images = {stored_image->id};
  whole_image.bbox = std::array<double, 4>{0, 0, 1000, 1000};
  auto capped = catalog().ListAnnotations(whole_image, {1, 0}, {false, false, false, true, 2});
  ASSERT_TRUE(capped.ok()) << capped.status().ToString();
  EXPECT_EQ(capped->items.size(), 1u);
  EXPECT_EQ(capped->total, 2) << "three match; the count stops at two";
  EXPECT_EQ(catalog().ListAnnotations(whole_image, {1, 0}, {false, false, false, true, 5})->total, 3);

  moved.annotation.id = AnnotationId(ids->back().value() + 100);
  EXPECT_EQ(catalog().ReplaceAnnotation(moved, At(2)).code(), ErrorCode::kNotFound);
  moved.annotation.id = ids->at(0);
  moved.annotation.terms = {TermId(stroma->id.value() + 100)};
  EXPECT_EQ(catalog().ReplaceAnnotation(moved, At(2)).code(), ErrorCode::kNotFound) << "a term that is not there";
  EXPECT_EQ(catalog().GetAnnotation(ids->at(0))->wkb, "first") << "a failed replacement changes nothing";
  ASSERT_TRUE(catalog().DeleteAnnotation(ids->at(1)).ok());
  EXPECT_TRUE(in_box({510, 610, 511, 611}).empty());
}

TEST_P(CatalogConformance, TuboidsFillTheirSeriesAndGoWithItAndWithTheirTilesImage) {
  User a = AddUser("a"), b = AddUser("b");
  auto p = catalog().CreateProject({"P", "", a.id, At(1)});
  auto other = catalog().CreateProject({"Q", "", b.id, At(1)});
  ASSERT_TRUE(p.ok() && other.ok());
  auto image = [&](ProjectId project, char fill) {
    Image i;
    i.project_id = project;
    i.filename = "tuboid.jpg";
    i.sha256 = std::string(64, fill);
    i.created_at = At(2);
    auto stored = catalog().InsertImage(i);
    EXPECT_TRUE(stored.ok()) << stored.status().ToString();
    return stored.ok() ? stored->id : ImageId();
  };
  auto tuboid = [&](ProjectId project, const std::string& device, std::int64_t start, std::int64_t index, char fill) {
    Tuboid t;
    t.series = {
        TuboidSeriesId(), project, device, At(start), At(start + 1000), "sim", "1606980656-91e2", 80, 2, a.id, At(3)};
    t.name = device + ".series." + std::to_string(start) + "." + std::to_string(index);
    t.index_in_series = index;
    t.start = At(start + 10 * index);
    t.end = At(start + 10 * index + 5);
    t.n_shots = 2;
    t.shots = "08038ade.2020-07-08_22-16-46,854.2,185.4,2.3\n08038ade.2020-07-08_22-35-31,853.9,184.3,2.2\n";
    t.tiles_image_id = image(project, fill);
    t.context_image_id = image(project, static_cast<char>(fill + 1));
    t.created_by = a.id;
    t.created_at = At(3);
    return t;
  };

  auto first = catalog().InsertTuboid(tuboid(p->id, "08038ade", 100, 0, 'a'));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->series.id.valid());
  EXPECT_EQ(first->series.n_tuboids, 2);
  EXPECT_EQ(first->shots, tuboid(p->id, "08038ade", 100, 0, 'c').shots) << "shots are kept verbatim";
  auto shots = catalog().TuboidShots(first->id);
  ASSERT_TRUE(shots.ok()) << shots.status().ToString();
  EXPECT_EQ(*shots, first->shots);
  EXPECT_EQ(catalog().TuboidShots(TuboidId(first->id.value() + 1000)).status().code(), ErrorCode::kNotFound);
  auto second = catalog().InsertTuboid(tuboid(p->id, "08038ade", 100, 1, 'e'));
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->series.id, first->series.id) << "the same series, found again";
  EXPECT_EQ(catalog().InsertTuboid(tuboid(p->id, "08038ade", 100, 2, 'g')).status().code(), ErrorCode::kConflict)
      << "the series holds its 2 already";
  EXPECT_EQ(catalog().InsertTuboid(tuboid(p->id, "08038ade", 500, 0, 'i')).ok(), true) << "another series";
  Tuboid same_name = tuboid(p->id, "08038ade", 900, 0, 'k');
  same_name.name = first->name;
  EXPECT_EQ(catalog().InsertTuboid(same_name).status().code(), ErrorCode::kConflict) << "names are unique";
  Tuboid outside = tuboid(p->id, "08038ade", 2000, 0, 'm');
  outside.end = At(9999);
  EXPECT_EQ(catalog().InsertTuboid(outside).status().code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(catalog().InsertTuboid(tuboid(other->id, "1b74105a", 100, 0, 'o')).ok());

  auto names = [&](const TuboidFilter& filter, std::optional<UserId> member = std::nullopt) {
    std::vector<std::string> out;
    auto page = catalog().ListTuboids(filter, member, {});
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    if (page.ok()) {
      for (const Tuboid& t : page->items) {
        out.push_back(t.name);
        EXPECT_EQ(t.shots, "") << "a listing leaves the shots out";
      }
      EXPECT_EQ(page->total, static_cast<std::int64_t>(out.size()));
    }
    return out;
  };
  using Names = std::vector<std::string>;
  const Names all_of_p = {first->name, second->name, "08038ade.series.500.0"};
  EXPECT_EQ(names({p->id}), all_of_p) << "by series start, then index";
  EXPECT_EQ(names({}, b.id), Names{"1b74105a.series.100.0"}) << "a member sees their projects only";
  TuboidFilter by_device;
  by_device.device_like = "0803%";
  EXPECT_EQ(names(by_device), all_of_p);
  TuboidFilter contained;
  contained.contained_from = At(100);
  contained.contained_to = At(1100);
  contained.device_like = "08038ade";
  EXPECT_EQ(names(contained), (Names{first->name, second->name})) << "series wholly inside, ends inclusive";
  contained.contained_to = At(1099);
  EXPECT_TRUE(names(contained).empty());
  TuboidFilter by_name;
  by_name.names = {second->name, "missing"};
  EXPECT_EQ(names(by_name), Names{second->name});

  ItcLabel label;
  label.tuboid_id = first->id;
  label.algorithm = "itc";
  label.algorithm_version = "1611000000-abc";
  label.label = 3;
  label.pattern = "^Insecta.*Diptera.*";
  label.type = "Insecta";
  label.order = "Diptera";
  label.created_by = a.id;
  label.created_at = At(4);
  auto stored_label = catalog().InsertItcLabel(label);
  ASSERT_TRUE(stored_label.ok()) << stored_label.status().ToString();
  EXPECT_EQ(catalog().InsertItcLabel(label).status().code(), ErrorCode::kConflict);
  ItcLabel orphan = label;
  orphan.tuboid_id = TuboidId(999999);
  EXPECT_EQ(catalog().InsertItcLabel(orphan).status().code(), ErrorCode::kNotFound);
  auto labels = catalog().ListItcLabels({first->id, second->id});
  ASSERT_TRUE(labels.ok()) << labels.status().ToString();
  ASSERT_EQ(labels->size(), 1u);
  EXPECT_EQ((*labels)[0].order, std::optional<std::string>("Diptera"));
  EXPECT_FALSE((*labels)[0].family.has_value());
  EXPECT_EQ((*labels)[0].pattern, label.pattern);

  ASSERT_TRUE(catalog().DeleteImage(second->tiles_image_id).ok());
  EXPECT_EQ(names(by_name), Names{}) << "a tuboid is its tiles image: it goes with it";
  ASSERT_TRUE(catalog().DeleteTuboidSeries(first->series.id).ok());
  EXPECT_EQ(names({p->id}), Names{"08038ade.series.500.0"});
  EXPECT_TRUE(catalog().ListItcLabels({first->id})->empty()) << "labels go with their tuboid";
  EXPECT_EQ(catalog().DeleteTuboidSeries(first->series.id).code(), ErrorCode::kNotFound);
}

TEST_P(CatalogConformance, LeasesHandEachImageToOneWorkerUntilTheyExpireOrItsRunIsStored) {
  User a = AddUser("a"), b = AddUser("b");
  auto p = catalog().CreateProject({"P", "", a.id, At(1)});
  auto other = catalog().CreateProject({"Q", "", a.id, At(1)});
  ASSERT_TRUE(p.ok() && other.ok());
  std::vector<ImageId> photos;
  auto photo = [&](ProjectId project, const std::string& device, std::int64_t captured, char fill) {
    Image i;
    i.project_id = project;
    i.filename = device + ".jpg";
    i.sha256 = std::string(63, fill) + static_cast<char>('a' + captured % 26);
    i.device = device;
    i.captured_at = At(captured);
    i.created_at = At(2);
    auto stored = catalog().InsertImage(i);
    EXPECT_TRUE(stored.ok()) << stored.status().ToString();
    return stored.ok() ? stored->id : ImageId();
  };
  for (int k = 0; k < 11; ++k) photos.push_back(photo(p->id, "08038ade", 1000 + 10 * (10 - k), 'a'));
  std::reverse(photos.begin(), photos.end());  // by capture time
  photo(p->id, "1b74105a", 1050, 'b');         // another device
  photo(p->id, "08038ade", 5000, 'c');         // after the range
  photo(other->id, "08038ade", 1050, 'd');     // another project

  Catalog::AnnotationLeaseQuery query;
  query.project = p->id;
  query.device_like = "0803%";
  query.from = At(1000);
  query.to = At(2000);
  query.algorithm = "insect-detector";
  query.min_version = "1598113346";
  query.leased_by = a.id;
  query.now = At(10'000);
  query.expired_before = At(0);
  auto first = catalog().LeaseImagesToAnnotate(query);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, std::vector<ImageId>(photos.begin(), photos.begin() + 8)) << "8, by capture time";
  query.leased_by = b.id;
  auto second = catalog().LeaseImagesToAnnotate(query);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(*second, std::vector<ImageId>(photos.begin() + 8, photos.end())) << "the other 3";
  EXPECT_EQ(catalog().LeaseImagesToAnnotate(query)->size(), 0u) << "every image is held";
  Catalog::AnnotationLeaseQuery other_algorithm = query;
  other_algorithm.algorithm = "tuboid-matcher";
  EXPECT_EQ(catalog().LeaseImagesToAnnotate(other_algorithm)->size(), 8u) << "leases are per algorithm";

  // Runs: one at an older version leaves its image to lease, one at this version or later not.
  auto run = [&](ImageId image, const std::string& version) {
    AnnotationRun r;
    r.project_id = p->id;
    r.image_id = image;
    r.algorithm = "insect-detector";
    r.algorithm_version = version;
    r.created_by = a.id;
    r.created_at = At(3);
    auto stored = catalog().InsertAnnotationRun(r, Catalog::RunReplacement::kNever, {});
    EXPECT_TRUE(stored.ok()) << stored.status().ToString();
  };
  run(photos[0], "1598113345-old");
  run(photos[1], "1598113346-same");
  run(photos[2], "1700000000-newer");
  query.now = At(20'000);
  query.expired_before = At(10'001);  // every earlier lease has expired
  auto after = catalog().LeaseImagesToAnnotate(query);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  std::vector<ImageId> expected = {photos[0]};
  expected.insert(expected.end(), photos.begin() + 3, photos.begin() + 10);
  EXPECT_EQ(*after, expected) << "expired leases are dropped; a run at min_version or later is done";
  EXPECT_EQ(catalog().DeleteImage(photos[3]).ok(), true) << "a leased image can still be deleted";
}

TEST_P(CatalogConformance, ConcurrentLeasesHandEachImageOutOnce) {
  User a = AddUser("a");
  auto p = catalog().CreateProject({"P", "", a.id, At(1)});
  ASSERT_TRUE(p.ok());
  constexpr int kImages = 120;
  for (int k = 0; k < kImages; ++k) {
    Image i;
    i.project_id = p->id;
    i.filename = "x.jpg";
    i.sha256 = std::string(60, 'a') + std::to_string(1000 + k);
    i.device = "08038ade";
    i.captured_at = At(k);
    i.created_at = At(2);
    ASSERT_TRUE(catalog().InsertImage(i).ok());
  }
  std::mutex mu;
  std::map<ImageId, int> leases;
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      Catalog::AnnotationLeaseQuery query;
      query.project = p->id;
      query.algorithm = "insect-detector";
      query.leased_by = a.id;
      query.now = At(100);
      query.expired_before = At(0);
      query.limit = 7;
      while (true) {
        auto leased = catalog().LeaseImagesToAnnotate(query);
        if (!leased.ok()) {
          // A busy database may refuse a lease; it must never hand an image out twice.
          if (++errors > 1000) return;
          continue;
        }
        if (leased->empty()) return;
        std::lock_guard lock(mu);
        for (ImageId id : *leased) ++leases[id];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_LE(errors.load(), 1000);
  EXPECT_EQ(leases.size(), static_cast<std::size_t>(kImages));
  for (const auto& [id, count] : leases) EXPECT_EQ(count, 1) << "image " << id.value();
}

TEST_P(CatalogConformance, ProjectSeriesKeepTheirColumnsValuesThroughRenamesAndDrops) {
  User a = AddUser("a");
  auto p = catalog().CreateProject({"P", "", a.id, At(1)});
  auto q = catalog().CreateProject({"Q", "", a.id, At(1)});
  ASSERT_TRUE(p.ok() && q.ok());
  ASSERT_TRUE(catalog().AddSeriesColumn(p->id, {"bait", "BOOLEAN"}).ok());
  ASSERT_TRUE(catalog().AddSeriesColumn(p->id, {"site", "VARCHAR(32)"}).ok());
  ASSERT_TRUE(catalog().AddSeriesColumn(q->id, {"bait", "INT"}).ok()) << "columns are per project";
  EXPECT_EQ(catalog().AddSeriesColumn(p->id, {"bait", "INT"}).code(), ErrorCode::kConflict);
  auto columns = catalog().ListSeriesColumns(p->id);
  ASSERT_TRUE(columns.ok());
  ASSERT_EQ(columns->size(), 2u);
  EXPECT_EQ((*columns)[0].name, "bait") << "in order of creation";
  EXPECT_EQ((*columns)[1].sql_type, "VARCHAR(32)");

  ProjectSeriesRow row{0, p->id, "08038ade", At(100), At(200), {{"bait", "true"}, {"site", "\"north\""}}};
  auto first = catalog().PutProjectSeries(row);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_GT(first->id, 0);
  EXPECT_EQ(first->values, row.values);
  EXPECT_EQ(catalog().PutProjectSeries(row).status().code(), ErrorCode::kConflict) << "one row per device and range";
  ProjectSeriesRow in_q = row;
  in_q.project = q->id;
  in_q.values = {{"bait", "1"}};
  ASSERT_TRUE(catalog().PutProjectSeries(in_q).ok()) << "the same range in another project";
  ProjectSeriesRow second = row;
  second.start = At(200);
  second.end = At(300);
  second.values = {{"bait", "false"}};
  ASSERT_TRUE(catalog().PutProjectSeries(second).ok());

  ProjectSeriesRow replaced = *first;
  replaced.device = "1b74105a";
  replaced.values = {{"site", "\"south\""}};
  auto updated = catalog().PutProjectSeries(replaced);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->id, first->id);
  EXPECT_EQ(updated->device, "1b74105a");
  EXPECT_EQ(updated->values, replaced.values) << "a row is replaced wholly";
  ProjectSeriesRow stranger = replaced;
  stranger.project = q->id;
  EXPECT_EQ(catalog().PutProjectSeries(stranger).status().code(), ErrorCode::kNotFound) << "the id is not Q's";

  ASSERT_TRUE(catalog().RenameSeriesColumn(p->id, "site", "location").ok());
  EXPECT_EQ(catalog().RenameSeriesColumn(p->id, "site", "x").code(), ErrorCode::kNotFound);
  EXPECT_EQ(catalog().RenameSeriesColumn(p->id, "location", "bait").code(), ErrorCode::kConflict);
  auto rows = catalog().ListProjectSeries(p->id, 100);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].values, (std::map<std::string, std::string>{{"location", "\"south\""}})) << "values follow";
  ASSERT_TRUE(catalog().DropSeriesColumn(p->id, "bait").ok());
  EXPECT_EQ(catalog().DropSeriesColumn(p->id, "bait").code(), ErrorCode::kNotFound);
  rows = catalog().ListProjectSeries(p->id, 100);
  ASSERT_TRUE(rows.ok());
  EXPECT_TRUE((*rows)[1].values.empty()) << "a dropped column's values go with it";
  EXPECT_EQ(catalog().ListProjectSeries(q->id, 100)->front().values.at("bait"), "1") << "Q's column is its own";
  EXPECT_EQ(catalog().ListProjectSeries(p->id, 1)->size(), 1u);

  EXPECT_EQ(catalog().DeleteProjectSeries(q->id, first->id).code(), ErrorCode::kNotFound);
  ASSERT_TRUE(catalog().DeleteProjectSeries(p->id, first->id).ok());
  EXPECT_EQ(catalog().ListProjectSeries(p->id, 100)->size(), 1u);
  ASSERT_TRUE(catalog().DeleteProject(p->id).ok());
  EXPECT_TRUE(catalog().ListProjectSeries(p->id, 100)->empty()) << "rows go with their project";
  EXPECT_TRUE(catalog().ListSeriesColumns(p->id)->empty());
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

// ---- jobs: analytics, data files, the queue, job logs and job tokens ----

class JobCatalogConformance : public CatalogConformance {
 protected:
  void SetUp() override {
    CatalogConformance::SetUp();
    if (HasFatalFailure()) return;
    owner_ = AddUser("owner");
    auto p = catalog().CreateProject({"P", "", owner_.id, At(1)});
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    project_ = p->id;
    analytic_ = AddAnalytic("vitrine/noop", "1.0");
  }
  Analytic AddAnalytic(const std::string& name, const std::string& version, const std::string& bundle = "") {
    Analytic a;
    a.name = name;
    a.version = version;
    a.description = "does " + name;
    a.doc = R"({"info":{"name":")" + name + R"("}})";
    a.bundle_sha256 = bundle;
    a.created_by = owner_.id;
    a.created_at = At(2);
    auto stored = catalog().InsertAnalytic(a);
    EXPECT_TRUE(stored.ok()) << stored.status().ToString();
    return stored.ok() ? *stored : a;
  }
  Job NewQueuedJob(std::optional<Timestamp> queued_at, const Analytic* analytic = nullptr) {
    const Analytic& a = analytic ? *analytic : analytic_;
    Job j;
    j.project_id = project_;
    j.analytic_id = a.id;
    j.analytic = a.name;
    j.analytic_version = a.version;
    j.created_by = owner_.id;
    j.created_at = At(3);
    j.state = queued_at ? JobState::kQueued : JobState::kReady;
    j.queued_at = queued_at;
    auto stored = catalog().InsertJob(j);
    EXPECT_TRUE(stored.ok()) << stored.status().ToString();
    return stored.ok() ? *stored : j;
  }
  DataFile AddData(ProjectId project, const std::string& name, std::optional<Timestamp> expires_at,
                   const std::string& sha256 = std::string(64, 'd')) {
    DataFile d;
    d.project_id = project;
    d.name = name;
    d.media_type = "text/csv";
    d.size_bytes = 12;
    d.sha256 = sha256;
    d.created_by = owner_.id;
    d.created_at = At(4);
    d.expires_at = expires_at;
    d.etag = "0123456789abcdef0123456789abcdef-2";
    auto stored = catalog().InsertDataFile(d);
    EXPECT_TRUE(stored.ok()) << stored.status().ToString();
    return stored.ok() ? *stored : d;
  }
  // Claims as the job service does: SCHEDULED, the attempt raised, a lease.
  static Status Schedule(Job& j, const std::string& worker, Timestamp lease_until) {
    if (j.state != JobState::kQueued) return Status::Conflict("not queued");
    j.state = JobState::kScheduled;
    ++j.attempt;
    j.worker = worker;
    j.lease_expires_at = lease_until;
    return Status::Ok();
  }

  User owner_;
  ProjectId project_;
  Analytic analytic_;
};

TEST_P(JobCatalogConformance, AnalyticNameAndVersionAreUniqueAndTheLatestIsTheLastRegistered) {
  Analytic a2 = AddAnalytic("vitrine/noop", "0.5");  // registered after 1.0: the latest despite the number
  AddAnalytic("acme/count", "2");
  Analytic dup = analytic_;
  dup.description = "again";
  EXPECT_EQ(catalog().InsertAnalytic(dup).status().code(), ErrorCode::kConflict);

  auto got = catalog().GetAnalytic(analytic_.id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->name, "vitrine/noop");
  EXPECT_EQ(got->version, "1.0");
  EXPECT_EQ(got->description, "does vitrine/noop");
  EXPECT_EQ(got->doc, analytic_.doc);
  EXPECT_EQ(got->created_by, owner_.id);
  EXPECT_EQ(got->created_at, At(2));
  EXPECT_TRUE(got->supports_cpu);
  EXPECT_FALSE(got->supports_gpu);

  auto latest = catalog().FindAnalytic("vitrine/noop", "");
  ASSERT_TRUE(latest.ok()) << latest.status().ToString();
  EXPECT_EQ(latest->id, a2.id);
  EXPECT_EQ(catalog().FindAnalytic("vitrine/noop", "1.0")->id, analytic_.id);
  EXPECT_EQ(catalog().FindAnalytic("vitrine/noop", "9").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(catalog().FindAnalytic("vitrine/none", "").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(catalog().GetAnalytic(AnalyticId(9999)).status().code(), ErrorCode::kNotFound);

  auto names = [](const std::vector<Analytic>& list) {
    std::vector<std::string> out;
    for (const auto& a : list) out.push_back(a.name + "@" + a.version);
    return out;
  };
  EXPECT_EQ(names(*catalog().ListAnalytics(false)), (std::vector<std::string>{"acme/count@2", "vitrine/noop@0.5"}));
  EXPECT_EQ(names(*catalog().ListAnalytics(true)),
            (std::vector<std::string>{"acme/count@2", "vitrine/noop@1.0", "vitrine/noop@0.5"}));
}

TEST_P(JobCatalogConformance, AnAnalyticAJobRefersToCannotBeDeleted) {
  Job job = NewQueuedJob(std::nullopt);
  EXPECT_EQ(catalog().DeleteAnalytic(analytic_.id).code(), ErrorCode::kConflict);
  EXPECT_TRUE(catalog().GetAnalytic(analytic_.id).ok());
  ASSERT_TRUE(catalog().DeleteJob(job.id).ok());
  EXPECT_TRUE(catalog().DeleteAnalytic(analytic_.id).ok());
  EXPECT_EQ(catalog().GetAnalytic(analytic_.id).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(catalog().DeleteAnalytic(analytic_.id).code(), ErrorCode::kNotFound);
}

TEST_P(JobCatalogConformance, DataFilesAreListedByProjectAndMemberAndExpire) {
  User other = AddUser("other");
  auto q = catalog().CreateProject({"Q", "", other.id, At(1)});
  ASSERT_TRUE(q.ok());
  DataFile kept = AddData(project_, "model.bin", std::nullopt);
  DataFile soon = AddData(project_, "tmp.csv", At(50));
  DataFile theirs = AddData(q->id, "theirs.csv", At(40));

  auto got = catalog().GetDataFile(soon.id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->project_id, project_);
  EXPECT_EQ(got->name, "tmp.csv");
  EXPECT_EQ(got->media_type, "text/csv");
  EXPECT_EQ(got->size_bytes, 12);
  EXPECT_EQ(got->sha256, std::string(64, 'd'));
  EXPECT_EQ(got->created_by, owner_.id);
  EXPECT_EQ(got->created_at, At(4));
  EXPECT_EQ(got->expires_at, At(50));
  EXPECT_EQ(got->etag, "0123456789abcdef0123456789abcdef-2");
  EXPECT_EQ(catalog().GetDataFile(DataId(9999)).status().code(), ErrorCode::kNotFound);
  DataFile orphan = kept;
  orphan.project_id = ProjectId(9999);
  EXPECT_EQ(catalog().InsertDataFile(orphan).status().code(), ErrorCode::kNotFound);

  auto ids = [&](const DataFilter& filter, std::optional<UserId> member) {
    std::vector<DataId> out;
    auto page = catalog().ListDataFiles(filter, member, {});
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    if (!page.ok()) return out;
    for (const auto& d : page->items) out.push_back(d.id);
    EXPECT_EQ(page->total, static_cast<std::int64_t>(out.size()));
    return out;
  };
  EXPECT_EQ(ids({}, std::nullopt), (std::vector<DataId>{kept.id, soon.id, theirs.id}));
  EXPECT_EQ(ids({project_}, std::nullopt), (std::vector<DataId>{kept.id, soon.id}));
  EXPECT_EQ(ids({}, owner_.id), (std::vector<DataId>{kept.id, soon.id}));
  EXPECT_EQ(ids({}, other.id), (std::vector<DataId>{theirs.id}));
  EXPECT_EQ(ids({q->id}, owner_.id), (std::vector<DataId>{}));
  EXPECT_EQ(ids({std::nullopt, "%.csv"}, std::nullopt), (std::vector<DataId>{soon.id, theirs.id}));

  EXPECT_EQ(*catalog().ExpiredDataFiles(At(39), 10), (std::vector<DataId>{}));
  EXPECT_EQ(*catalog().ExpiredDataFiles(At(45), 10), (std::vector<DataId>{theirs.id}));
  EXPECT_EQ(*catalog().ExpiredDataFiles(At(99), 10), (std::vector<DataId>{theirs.id, soon.id}));
  EXPECT_EQ(*catalog().ExpiredDataFiles(At(99), 1), (std::vector<DataId>{theirs.id}));

  auto extended = catalog().SetDataFileExpiry(soon.id, std::nullopt);
  ASSERT_TRUE(extended.ok()) << extended.status().ToString();
  EXPECT_FALSE(extended->expires_at.has_value());
  EXPECT_EQ(*catalog().ExpiredDataFiles(At(99), 10), (std::vector<DataId>{theirs.id}));
  EXPECT_TRUE(catalog().DeleteDataFile(theirs.id).ok());
  EXPECT_EQ(catalog().DeleteDataFile(theirs.id).code(), ErrorCode::kNotFound);
  EXPECT_EQ(*catalog().ExpiredDataFiles(At(99), 10), (std::vector<DataId>{}));
}

TEST_P(JobCatalogConformance, AJobReadsBackAsStored) {
  Job j;
  j.project_id = project_;
  j.analytic_id = analytic_.id;
  j.analytic = analytic_.name;
  j.analytic_version = analytic_.version;
  j.name = "night run \xe2\x9c\x93 'quoted'";
  j.created_by = owner_.id;
  j.state = JobState::kFailed;
  j.failure_type = JobFailure::kAnalytic;
  j.failure_reason = "exit status 3";
  j.inputs = R"({"image":{"image-id":12}})";
  j.parameters = R"({"sleep_ms":5,"fail":false})";
  j.auto_start = true;
  j.archived = true;
  j.kill_requested = true;
  j.progress = 42;
  j.attempt = 2;
  j.max_attempts = 5;
  j.worker = "host-1/worker-0";
  j.lease_expires_at = At(60);
  j.created_at = At(10);
  j.queued_at = At(11);
  j.started_at = At(12);
  j.completed_at = std::nullopt;
  j.failed_at = At(14);
  j.expires_at = At(1000);
  j.messages = {{At(11), "queued"}, {At(12) + std::chrono::microseconds(7), "started \"x\" \xe2\x9c\x93"}};
  j.outputs = {{"counts", "file", "counts.csv", "text/csv", 120, std::string(64, 'c')},
               {"annotations", "annotations", "a.geojson", "application/geo+json", 5, std::string(64, 'e')}};
  auto stored = catalog().InsertJob(j);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  auto got = catalog().GetJob(stored->id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->id, stored->id);
  EXPECT_EQ(got->project_id, project_);
  EXPECT_EQ(got->analytic_id, analytic_.id);
  EXPECT_EQ(got->analytic, "vitrine/noop");
  EXPECT_EQ(got->analytic_version, "1.0");
  EXPECT_EQ(got->name, j.name);
  EXPECT_EQ(got->created_by, owner_.id);
  EXPECT_EQ(got->state, JobState::kFailed);
  EXPECT_EQ(got->failure_type, JobFailure::kAnalytic);
  EXPECT_EQ(got->failure_reason, "exit status 3");
  EXPECT_EQ(got->inputs, j.inputs);
  EXPECT_EQ(got->parameters, j.parameters);
  EXPECT_TRUE(got->auto_start);
  EXPECT_TRUE(got->archived);
  EXPECT_TRUE(got->kill_requested);
  EXPECT_EQ(got->progress, 42);
  EXPECT_EQ(got->attempt, 2);
  EXPECT_EQ(got->max_attempts, 5);
  EXPECT_EQ(got->worker, "host-1/worker-0");
  EXPECT_EQ(got->lease_expires_at, At(60));
  EXPECT_EQ(got->log_bytes, 0);
  EXPECT_EQ(got->created_at, At(10));
  EXPECT_EQ(got->queued_at, At(11));
  EXPECT_EQ(got->started_at, At(12));
  EXPECT_FALSE(got->completed_at.has_value());
  EXPECT_EQ(got->failed_at, At(14));
  EXPECT_EQ(got->expires_at, At(1000));
  ASSERT_EQ(got->messages.size(), 2u);
  EXPECT_EQ(got->messages[1].time, j.messages[1].time);
  EXPECT_EQ(got->messages[1].message, j.messages[1].message);
  ASSERT_EQ(got->outputs.size(), 2u);
  // Outputs come by name.
  EXPECT_EQ(got->outputs[0].name, "annotations");
  EXPECT_EQ(got->outputs[0].media_type, "application/geo+json");
  EXPECT_EQ(got->outputs[1].name, "counts");
  EXPECT_EQ(got->outputs[1].type, "file");
  EXPECT_EQ(got->outputs[1].filename, "counts.csv");
  EXPECT_EQ(got->outputs[1].size_bytes, 120);
  EXPECT_EQ(got->outputs[1].sha256, std::string(64, 'c'));
  EXPECT_EQ(catalog().GetJob(JobId(stored->id.value() + 100)).status().code(), ErrorCode::kNotFound);

  Job orphan = j;
  orphan.project_id = ProjectId(9999);
  EXPECT_EQ(catalog().InsertJob(orphan).status().code(), ErrorCode::kNotFound);
}

TEST_P(JobCatalogConformance, AFailingEditChangesNothing) {
  Job job = NewQueuedJob(At(5));
  auto failed = catalog().ModifyJob(job.id, [](Job& j) {
    j.name = "renamed";
    j.state = JobState::kRunning;
    j.messages.push_back({At(6), "started"});
    j.outputs.push_back({"o", "file", "o.bin", "", 1, std::string(64, 'f')});
    return Status::Conflict("refused after all");
  });
  EXPECT_EQ(failed.status().code(), ErrorCode::kConflict);
  auto got = catalog().GetJob(job.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "");
  EXPECT_EQ(got->state, JobState::kQueued);
  EXPECT_TRUE(got->messages.empty());
  EXPECT_TRUE(got->outputs.empty());

  auto edited = catalog().ModifyJob(job.id, [&](Job& j) {
    j.name = "renamed";
    j.project_id = ProjectId(9999);  // identity columns are not the edit's to change
    j.outputs.push_back({"o", "file", "o.bin", "", 1, std::string(64, 'f')});
    return Status::Ok();
  });
  ASSERT_TRUE(edited.ok()) << edited.status().ToString();
  got = catalog().GetJob(job.id);
  EXPECT_EQ(got->name, "renamed");
  EXPECT_EQ(got->project_id, project_);
  ASSERT_EQ(got->outputs.size(), 1u);
  EXPECT_EQ(catalog().ModifyJob(JobId(9999), [](Job&) { return Status::Ok(); }).status().code(), ErrorCode::kNotFound);
}

TEST_P(JobCatalogConformance, ClaimTakesTheOldestQueuedJobOfTheGivenAnalytics) {
  Analytic other = AddAnalytic("acme/count", "1");
  NewQueuedJob(std::nullopt);  // READY: never claimed
  Job late = NewQueuedJob(At(30));
  Job first_of_two = NewQueuedJob(At(20));
  Job second_of_two = NewQueuedJob(At(20));  // same queued_at: the lower id goes first
  Job counted = NewQueuedJob(At(10), &other);

  auto claim = [&](const std::vector<std::string>& analytics) -> std::optional<JobId> {
    auto claimed = catalog().ClaimJob(analytics, [](Job& j) { return Schedule(j, "w", At(100)); });
    EXPECT_TRUE(claimed.ok()) << claimed.status().ToString();
    if (!claimed.ok() || !claimed->has_value()) return std::nullopt;
    EXPECT_EQ((*claimed)->state, JobState::kScheduled);
    EXPECT_EQ((*claimed)->attempt, 1);
    return (*claimed)->id;
  };
  EXPECT_EQ(claim({"vitrine/noop"}), first_of_two.id);
  auto stored = catalog().GetJob(first_of_two.id);
  EXPECT_EQ(stored->state, JobState::kScheduled);
  EXPECT_EQ(stored->worker, "w");
  EXPECT_EQ(stored->lease_expires_at, At(100));
  EXPECT_EQ(claim({"vitrine/noop", "vitrine/pyramids"}), second_of_two.id);
  EXPECT_EQ(claim({}), counted.id);
  EXPECT_EQ(claim({"acme/count"}), std::nullopt);
  EXPECT_EQ(claim({"vitrine/unknown"}), std::nullopt);
  EXPECT_EQ(claim({}), late.id);
  EXPECT_EQ(claim({}), std::nullopt);

  // An edit that refuses leaves the job queued.
  Job again = NewQueuedJob(At(40));
  auto refused = catalog().ClaimJob({}, [](Job&) { return Status::Unavailable("not now"); });
  EXPECT_FALSE(refused.ok());
  EXPECT_EQ(catalog().GetJob(again.id)->state, JobState::kQueued);
}

TEST_P(JobCatalogConformance, ConcurrentClaimsTakeEveryJobExactlyOnce) {
  constexpr int kJobs = 200;
  for (int i = 0; i < kJobs; ++i) NewQueuedJob(At(10 + i));
  std::mutex mu;
  std::map<JobId, int> claims;
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      while (true) {
        auto claimed = catalog().ClaimJob({}, [t](Job& j) { return Schedule(j, "w" + std::to_string(t), At(1000)); });
        if (!claimed.ok()) {
          // A busy database may refuse a claim; it must never hand a job out twice.
          ++errors;
          if (errors.load() > 1000) return;
          continue;
        }
        if (!claimed->has_value()) return;
        std::lock_guard lock(mu);
        ++claims[(*claimed)->id];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_LE(errors.load(), 1000);
  EXPECT_EQ(claims.size(), static_cast<std::size_t>(kJobs));
  for (const auto& [id, count] : claims) EXPECT_EQ(count, 1) << "job " << id.value();
  JobFilter filter;
  filter.state = JobState::kQueued;
  EXPECT_EQ(catalog().ListJobs(filter, std::nullopt, {})->total, 0);
  filter.state = JobState::kScheduled;
  EXPECT_EQ(catalog().ListJobs(filter, std::nullopt, {})->total, kJobs);
  if (errors.load() > 0) std::cout << errors.load() << " claims were refused and retried\n";
}

TEST_P(JobCatalogConformance, JobListingsFilterAndSort) {
  User other = AddUser("other");
  auto q = catalog().CreateProject({"Q", "", other.id, At(1)});
  ASSERT_TRUE(q.ok());
  Job ready = NewQueuedJob(std::nullopt);
  Job queued = NewQueuedJob(At(5));
  Job archived = NewQueuedJob(std::nullopt);
  ASSERT_TRUE(catalog()
                  .ModifyJob(archived.id,
                             [](Job& j) {
                               j.archived = true;
                               return Status::Ok();
                             })
                  .ok());
  Job theirs = NewQueuedJob(std::nullopt);
  ASSERT_TRUE(catalog()
                  .ModifyJob(theirs.id,
                             [&](Job& j) {
                               j.project_id = q->id;  // ignored: a job never moves
                               return Status::Ok();
                             })
                  .ok());
  auto ids = [&](JobFilter filter, std::optional<UserId> member) {
    std::vector<JobId> out;
    filter.sort = JobSort::kId;
    filter.descending = false;
    auto page = catalog().ListJobs(filter, member, {});
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    if (!page.ok()) return out;
    for (const auto& j : page->items) out.push_back(j.id);
    EXPECT_EQ(page->total, static_cast<std::int64_t>(out.size()));
    return out;
  };
  JobFilter f;
  EXPECT_EQ(ids(f, std::nullopt), (std::vector<JobId>{ready.id, queued.id, theirs.id}));
  f.project = project_;
  EXPECT_EQ(ids(f, std::nullopt), (std::vector<JobId>{ready.id, queued.id, theirs.id}));
  EXPECT_EQ(ids(f, owner_.id), (std::vector<JobId>{ready.id, queued.id, theirs.id}));
  EXPECT_EQ(ids(f, other.id), (std::vector<JobId>{}));
  f.archived = true;
  EXPECT_EQ(ids(f, std::nullopt), (std::vector<JobId>{archived.id}));
  f.archived.reset();
  EXPECT_EQ(ids(f, std::nullopt), (std::vector<JobId>{ready.id, queued.id, archived.id, theirs.id}));
  f.state = JobState::kQueued;
  EXPECT_EQ(ids(f, std::nullopt), (std::vector<JobId>{queued.id}));
  f = {};
  f.project = q->id;
  EXPECT_EQ(ids(f, std::nullopt), (std::vector<JobId>{}));
  f = {};
  f.analytic = "vitrine/none";
  EXPECT_EQ(ids(f, std::nullopt), (std::vector<JobId>{}));
  f.analytic = "vitrine/noop";
  f.created_by = owner_.id;
  EXPECT_EQ(ids(f, std::nullopt), (std::vector<JobId>{ready.id, queued.id, theirs.id}));
}

TEST_P(JobCatalogConformance, ExpiredLeasesAreFoundOnlyForClaimedJobs) {
  Job a = NewQueuedJob(At(1)), b = NewQueuedJob(At(2)), c = NewQueuedJob(At(3));
  ASSERT_TRUE(catalog().ClaimJob({}, [](Job& j) { return Schedule(j, "w", At(50)); }).ok());
  ASSERT_TRUE(catalog().ClaimJob({}, [](Job& j) { return Schedule(j, "w", At(70)); }).ok());
  ASSERT_TRUE(catalog()
                  .ModifyJob(b.id,
                             [](Job& j) {
                               j.state = JobState::kRunning;
                               return Status::Ok();
                             })
                  .ok());
  // A finished job with an old lease is not the sweep's.
  ASSERT_TRUE(catalog()
                  .ModifyJob(c.id,
                             [](Job& j) {
                               j.state = JobState::kComplete;
                               j.lease_expires_at = At(5);
                               return Status::Ok();
                             })
                  .ok());
  EXPECT_EQ(*catalog().JobsWithExpiredLease(At(50), 10), (std::vector<JobId>{}));
  EXPECT_EQ(*catalog().JobsWithExpiredLease(At(51), 10), (std::vector<JobId>{a.id}));
  EXPECT_EQ(*catalog().JobsWithExpiredLease(At(99), 10), (std::vector<JobId>{a.id, b.id}));
  EXPECT_EQ(*catalog().JobsWithExpiredLease(At(99), 1), (std::vector<JobId>{a.id}));
}

TEST_P(JobCatalogConformance, ExpiredOutputsAreFoundOnlyForFinishedJobsThatHoldSome) {
  auto finish = [&](std::optional<Timestamp> expires_at, bool with_output, JobState state) {
    Job job = NewQueuedJob(At(1));
    EXPECT_TRUE(catalog()
                    .ModifyJob(job.id,
                               [&](Job& j) {
                                 j.state = state;
                                 j.expires_at = expires_at;
                                 if (with_output)
                                   j.outputs.push_back({"o", "file", "o.bin", "", 1, std::string(64, 'f')});
                                 return Status::Ok();
                               })
                    .ok());
    return job.id;
  };
  const JobId old = finish(At(50), true, JobState::kComplete);
  const JobId failed = finish(At(60), true, JobState::kFailed);
  finish(At(40), false, JobState::kComplete);  // nothing left to delete
  finish(At(40), true, JobState::kRunning);    // not finished
  finish(std::nullopt, true, JobState::kComplete);
  EXPECT_EQ(*catalog().JobsWithExpiredOutputs(At(49), 10), (std::vector<JobId>{}));
  EXPECT_EQ(*catalog().JobsWithExpiredOutputs(At(50), 10), (std::vector<JobId>{old}));
  EXPECT_EQ(*catalog().JobsWithExpiredOutputs(At(99), 10), (std::vector<JobId>{old, failed}));
  EXPECT_EQ(*catalog().JobsWithExpiredOutputs(At(99), 1), (std::vector<JobId>{old}));
}

TEST_P(JobCatalogConformance, LogAppendsAreFencedCappedAndPaged) {
  Job job = NewQueuedJob(At(1));
  ASSERT_TRUE(catalog().ClaimJob({}, [](Job& j) { return Schedule(j, "w", At(50)); }).ok());
  EXPECT_EQ(catalog().AppendJobLog(job.id, 0, "stale\n", 100).status().code(), ErrorCode::kConflict);
  EXPECT_EQ(catalog().AppendJobLog(job.id, 2, "future\n", 100).status().code(), ErrorCode::kConflict);
  EXPECT_EQ(catalog().AppendJobLog(JobId(9999), 1, "x", 100).status().code(), ErrorCode::kNotFound);

  EXPECT_EQ(*catalog().AppendJobLog(job.id, 1, "0123456789\n", 40), 11);
  EXPECT_EQ(*catalog().AppendJobLog(job.id, 1, "", 40), 11);
  EXPECT_EQ(*catalog().AppendJobLog(job.id, 1, "abcdefghij\n", 40), 22);
  EXPECT_EQ(*catalog().AppendJobLog(job.id, 1, std::string(30, 'z'), 40), 40);  // cut at 18 bytes + a marker
  EXPECT_EQ(*catalog().AppendJobLog(job.id, 1, "dropped\n", 40), 40);
  EXPECT_EQ(catalog().GetJob(job.id)->log_bytes, 40);

  auto all = catalog().ReadJobLog(job.id, 0, 1 << 20);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].text, "0123456789\n");
  EXPECT_EQ((*all)[1].text, "abcdefghij\n");
  const std::string& last = (*all)[2].text;
  EXPECT_EQ(last.substr(0, 18), std::string(18, 'z'));
  std::string rest = last.substr(18);
  EXPECT_EQ(std::count(rest.begin(), rest.end(), '\n'), 2) << rest;  // one marker line
  EXPECT_NE(rest.find("truncated"), std::string::npos) << rest;
  std::string whole;
  for (const auto& chunk : *all) whole += chunk.text;
  EXPECT_EQ(whole.find("dropped"), std::string::npos);
  EXPECT_LT((*all)[0].seq, (*all)[1].seq);
  EXPECT_LT((*all)[1].seq, (*all)[2].seq);

  auto after_first = catalog().ReadJobLog(job.id, (*all)[0].seq, 1 << 20);
  ASSERT_EQ(after_first->size(), 2u);
  EXPECT_EQ((*after_first)[0].seq, (*all)[1].seq);
  EXPECT_TRUE(catalog().ReadJobLog(job.id, (*all)[2].seq, 1 << 20)->empty());
  auto small_page = catalog().ReadJobLog(job.id, 0, 5);  // about max_bytes: at least one chunk, not all
  ASSERT_TRUE(small_page.ok());
  ASSERT_GE(small_page->size(), 1u);
  EXPECT_LT(small_page->size(), 3u);
  EXPECT_EQ((*small_page)[0].seq, (*all)[0].seq);

  // After a re-claim (attempt 2) the first worker's appends are refused.
  ASSERT_TRUE(catalog()
                  .ModifyJob(job.id,
                             [](Job& j) {
                               j.state = JobState::kQueued;
                               return Status::Ok();
                             })
                  .ok());
  ASSERT_TRUE(catalog().ClaimJob({}, [](Job& j) { return Schedule(j, "w2", At(80)); }).ok());
  EXPECT_EQ(catalog().AppendJobLog(job.id, 1, "late\n", 1000).status().code(), ErrorCode::kConflict);
  EXPECT_EQ(*catalog().AppendJobLog(job.id, 2, "second attempt\n", 1000), 40 + 15);
}

// The cap never cuts a character in two: the log stays UTF-8 (PostgreSQL's text refuses less).
TEST_P(JobCatalogConformance, TheLogCapCutsBetweenCharacters) {
  Job job = NewQueuedJob(At(1));
  const std::string e_acute = "\xc3\xa9";
  std::string text = "a";
  for (int i = 0; i < 10; ++i) text += e_acute;  // 21 bytes; a cut at 18 falls inside the ninth
  auto size = catalog().AppendJobLog(job.id, 0, text, 18);
  ASSERT_TRUE(size.ok()) << size.status().ToString();
  auto log = catalog().ReadJobLog(job.id, 0, 1 << 20);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  ASSERT_EQ(log->size(), 1u);
  const std::string& stored = (*log)[0].text;
  std::string expected_start = "a";
  for (int i = 0; i < 8; ++i) expected_start += e_acute;
  EXPECT_EQ(stored.substr(0, expected_start.size()), expected_start);
  EXPECT_EQ(stored[expected_start.size()], '\n') << "the half character is dropped, not stored";
  EXPECT_NE(stored.find("truncated"), std::string::npos);
}

TEST_P(JobCatalogConformance, DataOutputsAndBundlesKeepTheirBlobs) {
  const std::string data_sha(64, '1'), output_sha(64, '2'), bundle_sha(64, '3'), free_sha(64, '4');
  AddData(project_, "d", std::nullopt, data_sha);
  AddAnalytic("acme/bundled", "1", bundle_sha);
  Job job = NewQueuedJob(At(1));
  ASSERT_TRUE(catalog()
                  .ModifyJob(job.id,
                             [&](Job& j) {
                               j.outputs.push_back({"o", "file", "o.bin", "", 1, output_sha});
                               return Status::Ok();
                             })
                  .ok());
  for (const auto& sha : {data_sha, output_sha, bundle_sha}) {
    auto referenced = catalog().IsBlobReferenced(sha);
    ASSERT_TRUE(referenced.ok()) << referenced.status().ToString();
    EXPECT_TRUE(*referenced) << sha;
  }
  EXPECT_FALSE(*catalog().IsBlobReferenced(free_sha));
  ASSERT_TRUE(catalog()
                  .ModifyJob(job.id,
                             [](Job& j) {
                               j.outputs.clear();
                               return Status::Ok();
                             })
                  .ok());
  EXPECT_FALSE(*catalog().IsBlobReferenced(output_sha));
}

TEST_P(JobCatalogConformance, DeletingAProjectRemovesItsJobsAndData) {
  Job job = NewQueuedJob(At(1));
  ASSERT_TRUE(catalog().AppendJobLog(job.id, 0, "line\n", 100).ok());
  DataFile data = AddData(project_, "d", std::nullopt);
  ASSERT_TRUE(catalog().CreateJobToken(owner_.id, "jobtoken", At(1), At(100), project_, job.id).ok());
  ASSERT_TRUE(catalog().DeleteProject(project_).ok());
  EXPECT_EQ(catalog().GetJob(job.id).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(catalog().GetDataFile(data.id).status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(catalog().ReadJobLog(job.id, 0, 1000)->empty());
  EXPECT_EQ(catalog().FindTokenWithUser("jobtoken").status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(catalog().DeleteAnalytic(analytic_.id).ok()) << "no job refers to it any more";
}

TEST_P(JobCatalogConformance, AJobTokenIsScopedToItsProjectAndRevokedWithTheJob) {
  Job job = NewQueuedJob(At(1));
  Job other = NewQueuedJob(At(2));
  auto token = catalog().CreateJobToken(owner_.id, "jobtoken", At(10), At(100), project_, job.id);
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_EQ(token->project_scope, project_);
  ASSERT_TRUE(catalog().CreateToken(owner_.id, "plain", At(10), At(100)).ok());
  auto found = catalog().FindTokenWithUser("jobtoken");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->token.project_scope, project_);
  EXPECT_EQ(found->token.user_id, owner_.id);
  EXPECT_FALSE(found->token.revoked_at.has_value());
  EXPECT_FALSE(catalog().FindTokenWithUser("plain")->token.project_scope.has_value());

  ASSERT_TRUE(catalog().RevokeJobTokens(other.id, At(20)).ok());
  EXPECT_FALSE(catalog().FindTokenWithUser("jobtoken")->token.revoked_at.has_value());
  ASSERT_TRUE(catalog().RevokeJobTokens(job.id, At(30)).ok());
  EXPECT_EQ(catalog().FindTokenWithUser("jobtoken")->token.revoked_at, At(30));
  EXPECT_FALSE(catalog().FindTokenWithUser("plain")->token.revoked_at.has_value());
  ASSERT_TRUE(catalog().RevokeJobTokens(job.id, At(40)).ok());
  EXPECT_EQ(catalog().FindTokenWithUser("jobtoken")->token.revoked_at, At(30)) << "revoked once";
}

INSTANTIATE_TEST_SUITE_P(Sqlite, CatalogConformance, ::testing::Values(MakeTempSqliteCatalog),
                         [](const auto&) { return std::string("TempFile"); });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(CatalogConformance);
INSTANTIATE_TEST_SUITE_P(Postgres, CatalogConformance, ::testing::ValuesIn(PostgresMakers()),
                         [](const auto&) { return std::string("FreshDatabase"); });
INSTANTIATE_TEST_SUITE_P(Sqlite, JobCatalogConformance, ::testing::Values(MakeTempSqliteCatalog),
                         [](const auto&) { return std::string("TempFile"); });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(JobCatalogConformance);
INSTANTIATE_TEST_SUITE_P(Postgres, JobCatalogConformance, ::testing::ValuesIn(PostgresMakers()),
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
