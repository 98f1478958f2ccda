#include "service/user_service.h"

#include <gtest/gtest.h>

#include "support/service_fixture.h"

namespace vitrine::service {
namespace {

using Fixture = vitrine::testing::ServiceFixture;
using std::chrono::hours;
using std::chrono::seconds;

TEST_F(Fixture, OnlyAdminsCreateAndListUsers) {
  Caller alice = AddUser("alice");
  EXPECT_EQ(service_->users().Create(alice, {"eve", "password-eve"}).status().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(service_->users().List(alice, {}).status().code(), ErrorCode::kPermissionDenied);
  Caller root = AddUser("root", true);
  EXPECT_TRUE(service_->users().Create(root, {"eve", "password-eve"}).ok());
  EXPECT_EQ(service_->users().List(root, {})->total, 3);
}

TEST_F(Fixture, UsersKnowThemselvesAndTheirProjectsMembersAdminsKnowEveryone) {
  Caller alice = AddUser("alice"), bob = AddUser("bob"), eve = AddUser("eve"), root = AddUser("root", true);
  auto project = service_->projects().Create(alice, {"Slides"});
  ASSERT_TRUE(project.ok());
  ASSERT_TRUE(service_->projects().PutMember(alice, project->id, bob.user_id(), ProjectRole::kViewer).ok());
  ASSERT_TRUE(service_->users().Update(root, bob.user_id(), {.email = std::string("bob@lab.org")}).ok());

  auto known = service_->users().ListKnown(alice);
  ASSERT_TRUE(known.ok()) << known.status().ToString();
  std::vector<std::string> names;
  for (const User& u : *known) names.push_back(u.username);
  EXPECT_EQ(names, (std::vector<std::string>{"alice", "bob"})) << "not eve, who shares no project";
  EXPECT_TRUE(known->at(1).email.empty()) << "of others, the id and username only";
  EXPECT_EQ(service_->users().ListKnown(eve)->size(), 1u);
  EXPECT_EQ(service_->users().ListKnown(root)->size(), 4u);
  EXPECT_EQ(service_->users().ListKnown(root)->at(1).email, "bob@lab.org");
}

TEST_F(Fixture, UsernamesAreValidated) {
  auto& users = service_->users();
  for (const char* bad : {"", " alice", "al ice", "-lead", "a/b", "x'--"}) {
    EXPECT_EQ(users.Create(Caller::LocalOperator(), {bad, "password-long"}).status().code(),
              ErrorCode::kInvalidArgument)
        << bad;
  }
  EXPECT_TRUE(users.Create(Caller::LocalOperator(), {"a.b_c-9", "password-long"}).ok());
  EXPECT_EQ(users.Create(Caller::LocalOperator(), {"A.B_C-9", "password-long"}).status().code(), ErrorCode::kConflict);
}

TEST_F(Fixture, EnsureAdminCreatesOneAdminOnlyOnAnEmptyStore) {
  auto first = service_->users().EnsureAdmin();
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->has_value());
  EXPECT_TRUE((*first)->user.admin);
  EXPECT_TRUE(service_->auth().WithPassword("admin", (*first)->password).ok());
  auto second = service_->users().EnsureAdmin();
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->has_value());
}

TEST_F(Fixture, ChangingOwnPasswordNeedsTheCurrentOne) {
  Caller alice = AddUser("alice");
  UpdateUserRequest change;
  change.password = "new-password-1";
  EXPECT_EQ(service_->users().Update(alice, alice.user_id(), change).status().code(), ErrorCode::kInvalidArgument);
  change.current_password = "wrong-password";
  EXPECT_EQ(service_->users().Update(alice, alice.user_id(), change).status().code(), ErrorCode::kPermissionDenied);
  change.current_password = "password-alice";
  EXPECT_TRUE(service_->users().Update(alice, alice.user_id(), change).ok());
  EXPECT_TRUE(service_->auth().WithPassword("alice", "new-password-1").ok());
  EXPECT_FALSE(service_->auth().WithPassword("alice", "password-alice").ok());
}

TEST_F(Fixture, RememberedPasswordIsForgottenWhenThePasswordChanges) {
  Caller alice = AddUser("alice");
  ASSERT_TRUE(service_->auth().WithPassword("alice", "password-alice").ok());  // now remembered
  UpdateUserRequest reset;
  reset.password = "another-password";
  ASSERT_TRUE(service_->users().Update(Caller::LocalOperator(), alice.user_id(), reset).ok());
  EXPECT_EQ(service_->auth().WithPassword("alice", "password-alice").status().code(), ErrorCode::kUnauthenticated);
}

TEST_F(Fixture, UsersCannotTouchOthersOrPromoteThemselves) {
  Caller alice = AddUser("alice");
  Caller bob = AddUser("bob");
  EXPECT_EQ(service_->users().Get(alice, bob.user_id()).status().code(), ErrorCode::kPermissionDenied);
  UpdateUserRequest promote;
  promote.admin = true;
  EXPECT_EQ(service_->users().Update(alice, alice.user_id(), promote).status().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(service_->users().CreateApiKey(alice, bob.user_id()).status().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(service_->users().IssueToken(alice, bob.user_id(), std::nullopt).status().code(),
            ErrorCode::kPermissionDenied);
}

TEST_F(Fixture, DisabledUsersCannotAuthenticateAnyWay) {
  Caller alice = AddUser("alice");
  auto token = service_->users().IssueToken(alice, alice.user_id(), std::nullopt);
  ASSERT_TRUE(token.ok());
  UpdateUserRequest disable;
  disable.enabled = false;
  ASSERT_TRUE(service_->users().Update(Caller::LocalOperator(), alice.user_id(), disable).ok());
  EXPECT_EQ(service_->auth().WithBearerToken(token->token).status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(service_->auth().WithPassword("alice", "password-alice").status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(service_->users().SignIn("alice", "password-alice", std::nullopt).status().code(),
            ErrorCode::kUnauthenticated);
}

TEST_F(Fixture, TokensExpireAndCanBeRevoked) {
  Caller alice = AddUser("alice");
  auto token = service_->users().SignIn("alice", "password-alice", seconds(60));
  ASSERT_TRUE(token.ok());
  EXPECT_TRUE(token->token.starts_with("vt_"));
  EXPECT_TRUE(service_->auth().WithBearerToken(token->token).ok());
  clock_.Advance(seconds(61));
  EXPECT_EQ(service_->auth().WithBearerToken(token->token).status().message(), "token expired");

  auto second = service_->users().SignIn("alice", "password-alice", std::nullopt);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->info.expires_at - second->info.created_at, hours(24));
  ASSERT_TRUE(service_->users().RevokeToken(alice, second->token).ok());
  EXPECT_EQ(service_->auth().WithBearerToken(second->token).status().message(), "token revoked");
  EXPECT_EQ(service_->users().SignIn("alice", "password-alice", seconds(0)).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->users().SignIn("alice", "password-alice", hours(24 * 366)).status().code(),
            ErrorCode::kInvalidArgument);
}

TEST_F(Fixture, SomeoneElsesTokenCannotBeRevoked) {
  Caller alice = AddUser("alice");
  Caller bob = AddUser("bob");
  auto token = service_->users().IssueToken(alice, alice.user_id(), std::nullopt);
  EXPECT_EQ(service_->users().RevokeToken(bob, token->token).code(), ErrorCode::kNotFound);
  EXPECT_TRUE(service_->auth().WithBearerToken(token->token).ok());
}

TEST_F(Fixture, WrongUsernameAndWrongPasswordLookTheSame) {
  AddUser("alice");
  auto no_user = service_->auth().WithPassword("nobody", "password-alice");
  auto bad_pass = service_->auth().WithPassword("alice", "password-wrong");
  EXPECT_EQ(no_user.status(), bad_pass.status());
}

}  // namespace
}  // namespace vitrine::service
