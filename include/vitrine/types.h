// Domain value types shared by the service, the wire format and the client API.
// Plain data: no behaviour beyond small helpers, safe to copy between threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
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

// Free key/value metadata (BisQue tags, Cytomine properties).
using Properties = std::map<std::string, std::string>;

// An immutable stored file plus what is known about it.
struct Image {
  ImageId id;
  ProjectId project_id;
  std::string filename;
  std::int64_t size_bytes = 0;
  std::string sha256;
  std::string md5;
  std::string format;     // "jpeg", "tiff", "openslide", ...
  std::string mime_type;  // of the original file
  std::int64_t width = 0;
  std::int64_t height = 0;
  int channels = 0;
  int bit_depth = 0;
  int planes = 1;
  int levels = 1;
  std::optional<double> pixel_size_x_um;
  std::optional<double> pixel_size_y_um;
  std::optional<double> magnification;
  std::optional<std::string> device;  // Sticky Pi device id (8 hex digits), from the filename
  std::optional<Timestamp> captured_at;
  UserId created_by;
  Timestamp created_at;
  Properties properties;
};

enum class ImageSort { kCapturedAt, kCreatedAt, kFilename, kId };

// Filters for image listings; every given filter must match.
struct ImageFilter {
  std::optional<std::string> device_like{};    // SQL LIKE pattern, e.g. "5c17%"
  std::optional<Timestamp> captured_from{};    // inclusive
  std::optional<Timestamp> captured_to{};      // exclusive
  std::optional<std::string> filename_like{};  // SQL LIKE pattern
  std::optional<std::pair<std::string, std::optional<std::string>>> property{};  // key, and value if given
  ImageSort sort = ImageSort::kCapturedAt;
  bool descending = false;
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
