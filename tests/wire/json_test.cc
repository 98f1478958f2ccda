#include "wire/json.h"

#include <gtest/gtest.h>

namespace vitrine::wire {
namespace {

Timestamp At(std::int64_t s) { return Timestamp(std::chrono::seconds(s)); }

TEST(WireTest, DomainTypesRoundTrip) {
  User u{UserId(7), "alice", "Alice A.", "a@example.org", true, false, At(1756807200)};
  auto back = UserFromJson(ToJson(u));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->id, u.id);
  EXPECT_EQ(back->username, u.username);
  EXPECT_EQ(back->email, u.email);
  EXPECT_EQ(back->admin, true);
  EXPECT_EQ(back->enabled, false);
  EXPECT_EQ(back->created_at, u.created_at);

  Project p{ProjectId(3), "p", "d", UserId(7), At(1), At(2)};
  auto pb = ProjectFromJson(ToJson(p));
  ASSERT_TRUE(pb.ok());
  EXPECT_EQ(pb->name, "p");
  EXPECT_EQ(pb->updated_at, At(2));

  ApiKey k{ApiKeyId(1), UserId(7), "pub", At(5), At(6)};
  auto kb = ApiKeyFromJson(ToJson(k));
  ASSERT_TRUE(kb.ok());
  EXPECT_EQ(kb->revoked_at, At(6));
  EXPECT_FALSE(ToJson(NewApiKey{k, "secret"}).is_null());
  EXPECT_EQ(ToJson(k).count("private_key"), 0u);
}

TEST(WireTest, ErrorBodyRoundTrips) {
  Status s = Status::Conflict("taken");
  EXPECT_EQ(ErrorBody(s).dump(), R"({"error":{"code":"conflict","message":"taken"}})");
  EXPECT_EQ(StatusFromErrorBody(ErrorBody(s).dump(), "x"), s);
  EXPECT_EQ(StatusFromErrorBody("<html>", "fallback").code(), ErrorCode::kInternal);
  EXPECT_EQ(StatusFromErrorBody(R"({"error":{"code":"ok"}})", "fallback").message(), "fallback");
}

TEST(WireTest, FieldAccessorsNameTheFieldOnWrongTypes) {
  Json j = Json::parse(R"({"s": 1, "b": "yes", "i": 1.5, "big": 18446744073709551615})");
  EXPECT_NE(OptionalString(j, "s").status().message().find("'s'"), std::string::npos);
  EXPECT_FALSE(OptionalBool(j, "b").ok());
  EXPECT_FALSE(OptionalInt(j, "i").ok());
  EXPECT_FALSE(OptionalInt(j, "big").ok());
  EXPECT_FALSE(RequiredString(j, "missing").ok());
  EXPECT_FALSE(ParseObject("[1,2]").ok());
  EXPECT_FALSE(ParseObject("{").ok());
  EXPECT_TRUE(ParseObject("{}").ok());
}

}  // namespace
}  // namespace vitrine::wire
