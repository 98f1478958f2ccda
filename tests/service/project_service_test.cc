#include "service/project_service.h"

#include <gtest/gtest.h>

#include "service/properties.h"
#include "support/service_fixture.h"

namespace vitrine::service {
namespace {

using Fixture = vitrine::testing::ServiceFixture;

TEST_F(Fixture, NonMembersCannotTellAProjectExists) {
  Caller owner = AddUser("owner");
  Caller outsider = AddUser("outsider");
  auto p = service_->projects().Create(owner, {"Secret"});
  ASSERT_TRUE(p.ok());
  Status hidden = service_->projects().Get(outsider, p->id).status();
  Status missing = service_->projects().Get(outsider, ProjectId(p->id.value() + 1000)).status();
  EXPECT_EQ(hidden.code(), ErrorCode::kNotFound);
  EXPECT_EQ(hidden.message(), "project " + std::to_string(p->id.value()) + " not found");
  EXPECT_EQ(missing.code(), ErrorCode::kNotFound);
  EXPECT_EQ(service_->projects().List(outsider, {}, {})->total, 0);
}

TEST_F(Fixture, RolesGateEditsAndAdminsSeeEverything) {
  Caller owner = AddUser("owner");
  Caller viewer = AddUser("viewer");
  Caller admin = AddUser("root", true);
  auto p = service_->projects().Create(owner, {"P"});
  ASSERT_TRUE(service_->projects().PutMember(owner, p->id, viewer.user_id(), ProjectRole::kViewer).ok());
  EXPECT_TRUE(service_->projects().Get(viewer, p->id).ok());
  UpdateProjectRequest rename{std::string("Q"), std::nullopt};
  EXPECT_EQ(service_->projects().Update(viewer, p->id, rename).status().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(service_->projects().Update(admin, p->id, rename)->name, "Q");
  EXPECT_EQ(service_->projects().List(admin, {}, {})->total, 1);
  EXPECT_EQ(service_->projects().Get(admin, ProjectId(999)).status().code(), ErrorCode::kNotFound);
}

TEST_F(Fixture, OnlyAdminsMarkAProtocolsProject) {
  Caller manager = AddUser("manager");
  Caller admin = AddUser("root", true);
  const Properties mark = {{kAdminOnlyProjectProperty, "project"}};
  EXPECT_EQ(service_->projects().Create(manager, {"decoy", "", mark}).status().code(), ErrorCode::kPermissionDenied);
  auto own = service_->projects().Create(manager, {"own"});
  ASSERT_TRUE(own.ok());
  UpdateProjectRequest set_mark{std::nullopt, std::nullopt, {{kAdminOnlyProjectProperty, "project"}}};
  EXPECT_EQ(service_->projects().Update(manager, own->id, set_mark).status().code(), ErrorCode::kPermissionDenied);
  auto marked = service_->projects().Update(admin, own->id, set_mark);
  ASSERT_TRUE(marked.ok()) << marked.status().ToString();
  EXPECT_EQ(marked->properties.at(kAdminOnlyProjectProperty), "project");
  UpdateProjectRequest unmark{std::nullopt, std::nullopt, {{kAdminOnlyProjectProperty, std::nullopt}}};
  EXPECT_EQ(service_->projects().Update(manager, own->id, unmark).status().code(), ErrorCode::kPermissionDenied);
  auto as_job = service_->users().Get(admin, manager.user_id());
  ASSERT_TRUE(as_job.ok());
  EXPECT_EQ(service_->projects().Create(Caller::ForJob(*as_job, own->id), {"from a job"}).status().code(),
            ErrorCode::kPermissionDenied)
      << "a job's token makes no projects";
  UpdateProjectRequest other{std::nullopt, std::nullopt, {{"stain", "H&E"}}};
  EXPECT_TRUE(service_->projects().Update(manager, own->id, other).ok()) << "other properties stay the manager's";
}

TEST_F(Fixture, TheLastManagerStays) {
  Caller owner = AddUser("owner");
  Caller other = AddUser("other");
  auto p = service_->projects().Create(owner, {"P"});
  EXPECT_EQ(service_->projects().PutMember(owner, p->id, owner.user_id(), ProjectRole::kViewer).status().code(),
            ErrorCode::kConflict);
  EXPECT_EQ(service_->projects().RemoveMember(owner, p->id, owner.user_id()).code(), ErrorCode::kConflict);
  ASSERT_TRUE(service_->projects().PutMember(owner, p->id, other.user_id(), ProjectRole::kManager).ok());
  EXPECT_TRUE(service_->projects().RemoveMember(owner, p->id, owner.user_id()).ok());
  EXPECT_EQ(service_->projects().Get(owner, p->id).status().code(), ErrorCode::kNotFound);
}

TEST_F(Fixture, ProjectInputIsValidated) {
  Caller owner = AddUser("owner");
  EXPECT_EQ(service_->projects().Create(owner, {""}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->projects().Create(owner, {"   "}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->projects().Create(owner, {std::string(257, 'x')}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->projects().Create(Caller::LocalOperator(), {"no owner"}).status().code(),
            ErrorCode::kInvalidArgument);
  auto p = service_->projects().Create(owner, {"P"});
  EXPECT_EQ(service_->projects().PutMember(owner, p->id, UserId(999), ProjectRole::kViewer).status().code(),
            ErrorCode::kNotFound);
}

TEST_F(Fixture, OnlyAdminsCreateProjectsForOthers) {
  Caller alice = AddUser("alice");
  Caller bob = AddUser("bob");
  EXPECT_EQ(service_->projects().Create(alice, {"P"}, bob.user_id()).status().code(), ErrorCode::kPermissionDenied);
  auto p = service_->projects().Create(Caller::LocalOperator(), {"P"}, bob.user_id());
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(service_->projects().Get(bob, p->id).ok());
}

}  // namespace
}  // namespace vitrine::service
