// Domain value types shared by the service, the wire format and the client API.
// Plain data: no behaviour beyond small helpers, safe to copy between threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vitrine/ids.h"

namespace vitrine {

using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

struct User {
  UserId id;
  std::string username;
  std::string name;
  std::string email;
  bool admin = false;
  bool enabled = true;
  Timestamp created_at;
};

// Roles on a project, ordered: each includes the rights of those before it.
enum class ProjectRole { kViewer = 1, kContributor = 2, kManager = 3 };
std::string_view ProjectRoleName(ProjectRole role);
std::optional<ProjectRole> ProjectRoleFromName(std::string_view name);

struct Project {
  ProjectId id;
  std::string name;
  std::string description;
  UserId created_by;
  Timestamp created_at;
  Timestamp updated_at;
};

struct ProjectMember {
  ProjectId project_id;
  UserId user_id;
  std::string username;
  ProjectRole role = ProjectRole::kViewer;
};

// An API key pair as listed: the private half is never part of a listing.
struct ApiKey {
  ApiKeyId id;
  UserId user_id;
  std::string public_key;
  Timestamp created_at;
  std::optional<Timestamp> revoked_at;
};

// Returned once, at creation: the only moment the private key is visible.
struct NewApiKey {
  ApiKey key;
  std::string private_key;
};

struct BearerToken {
  TokenId id;
  UserId user_id;
  Timestamp created_at;
  Timestamp expires_at;
  std::optional<Timestamp> revoked_at;
};

// Returned once, at creation: the token itself is stored only as a hash.
struct NewBearerToken {
  BearerToken info;
  std::string token;
};

// One page of a listing plus the total number of matching rows.
template <class T>
struct Page {
  std::vector<T> items;
  std::int64_t total = 0;
};

struct PageRequest {
  static constexpr std::int64_t kDefaultLimit = 100;
  static constexpr std::int64_t kMaxLimit = 1000;
  std::int64_t limit = kDefaultLimit;
  std::int64_t offset = 0;
};

}  // namespace vitrine
