// Domain value types shared by the service, the wire format and the client API.
// Plain data: no behaviour beyond small helpers, safe to copy between threads.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
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
  bool worker = false;  // may claim and run jobs (vitrine worker)
};

// Roles on a project, ordered: each includes the rights of those before it.
enum class ProjectRole { kViewer = 1, kContributor = 2, kManager = 3 };
std::string_view ProjectRoleName(ProjectRole role);
std::optional<ProjectRole> ProjectRoleFromName(std::string_view name);

// Free key/value metadata (BisQue tags, Cytomine properties).
using Properties = std::map<std::string, std::string>;

// A property filter: rows that have the key, with this value if one is given.
using PropertyMatch = std::pair<std::string, std::optional<std::string>>;

struct Project {
  ProjectId id;
  std::string name;
  std::string description;
  UserId created_by;
  Timestamp created_at;
  Timestamp updated_at;
  Properties properties;
};

// Filters for project listings.
struct ProjectFilter {
  std::optional<PropertyMatch> property{};
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
  std::optional<ProjectId> project_scope;  // a job's token: valid for this project only
};

// Returned once, at creation: the token itself is stored only as a hash.
struct NewBearerToken {
  BearerToken info;
  std::string token;
};

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
  std::optional<PropertyMatch> property{};
  ImageSort sort = ImageSort::kCapturedAt;
  bool descending = false;
};

// A vocabulary for annotations, shared by the projects that use it.
struct Term {
  TermId id;
  OntologyId ontology_id;
  std::string name;
  std::string color;  // "#rrggbb"
  std::optional<TermId> parent_id;
};

struct Ontology {
  OntologyId id;
  std::string name;
  UserId created_by;
  Timestamp created_at;
  std::vector<Term> terms;  // by id
};

// A shape drawn on an image, by a person or an algorithm. Coordinates are full-resolution image
// pixels, origin at the top-left corner, x to the right and y downwards.
struct Annotation {
  AnnotationId id;
  ProjectId project_id;
  ImageId image_id;
  std::string wkt;               // the geometry, when asked for (listings may leave it out)
  std::string geojson;           // the geometry as a GeoJSON geometry object, when asked for
  std::string geometry_type;     // "Point", "LineString", "Polygon", "MultiPolygon", ...
  std::array<double, 4> bbox{};  // x0, y0, x1, y1
  double area = 0;
  double perimeter = 0;  // boundary length for areas, length for lines
  std::array<double, 2> centroid{};
  std::int64_t vertex_count = 0;
  std::vector<TermId> terms;
  Properties properties;
  UserId created_by;
  std::optional<std::string> algorithm;  // set for machine annotations
  std::optional<std::string> algorithm_version;
  std::optional<AnnotationRunId> run_id;  // the run that produced it, if any
  Timestamp created_at;
  Timestamp updated_at;
};

// One version of one algorithm run over one image: its annotations, stored together, plus the
// run's own metadata (Sticky Pi's per-image detector results). At most one per image,
// algorithm and version.
struct AnnotationRun {
  AnnotationRunId id;
  ProjectId project_id;
  ImageId image_id;
  std::string algorithm;
  std::string algorithm_version;
  std::int64_t annotation_count = 0;  // how many of its annotations remain
  Properties metadata;
  std::optional<std::string> device;     // the image's, for series by device
  std::optional<Timestamp> captured_at;  // the image's capture time
  UserId created_by;
  Timestamp created_at;
};

// A run as stored, with its annotations' ids in input order.
struct CreatedAnnotationRun {
  AnnotationRun run;
  std::vector<AnnotationId> annotation_ids;
};

// Filters for run listings; every given filter must match. Without a project or images, the
// listing covers every project the caller can read.
struct AnnotationRunFilter {
  std::optional<ProjectId> project{};
  std::vector<ImageId> images{};
  std::optional<std::string> algorithm{};
  std::optional<std::string> algorithm_version{};
  std::optional<std::string> device_like{};  // SQL LIKE, "5c17%"
  std::optional<Timestamp> captured_from{};  // the image's capture time, inclusive
  std::optional<Timestamp> captured_to{};    // exclusive
  std::optional<PropertyMatch> metadata{};   // a metadata key, and its value if given
};

// Sticky Pi's tuboids: an insect tracked across a device's shots by a matcher algorithm. A
// series is one matcher run over one device and time range, expecting `n_tuboids` tuboids.
struct TuboidSeries {
  TuboidSeriesId id;
  ProjectId project_id;
  std::string device;
  Timestamp start;
  Timestamp end;
  std::string algorithm;
  std::string algorithm_version;
  std::int64_t n_images = 0;
  std::int64_t n_tuboids = 0;  // expected; no more are taken
  UserId created_by;
  Timestamp created_at;
};

// A classifier's taxonomic prediction for a tuboid (Sticky Pi's ITC labels): one per tuboid,
// algorithm and version.
struct ItcLabel {
  ItcLabelId id;
  TuboidId tuboid_id;
  std::string algorithm;
  std::string algorithm_version;
  std::int64_t label = 0;
  std::string pattern;  // a regular expression over the taxonomy, "^Insecta.*"
  std::string type;
  std::optional<std::string> order{};
  std::optional<std::string> family{};
  std::optional<std::string> genus{};
  std::optional<std::string> species{};
  UserId created_by;
  Timestamp created_at;
};

// One tracked insect: its shots tiled into one image (224-px tiles, 4 a row), the first shot's
// photo with the insect boxed (context), and one line per shot: "<device>.<YYYY-MM-DD_hh-mm-ss>,
// <centre x>,<centre y>,<scale>".
struct Tuboid {
  TuboidId id;
  TuboidSeries series;
  std::string name;  // "<device>.<series start>.<series end>.<algorithm version>.<NNNN>"
  std::int64_t index_in_series = 0;
  Timestamp start;  // first and last shot
  Timestamp end;
  std::int64_t n_shots = 0;
  std::string shots;  // the metadata lines, as uploaded
  ImageId tiles_image_id;
  std::optional<ImageId> context_image_id;  // gone when that image was deleted
  UserId created_by;
  Timestamp created_at;
  std::vector<ItcLabel> labels;  // its ITC labels, by id
};

// Filters for tuboid listings; every given filter must match. Series are matched as upstream
// does: wholly inside [contained_from, contained_to], both inclusive.
struct TuboidFilter {
  std::optional<ProjectId> project{};
  std::optional<TuboidSeriesId> series{};
  std::vector<std::string> names{};
  std::vector<TuboidId> ids{};
  std::optional<std::string> device_like{};  // SQL LIKE on the series' device
  std::optional<Timestamp> contained_from{};
  std::optional<Timestamp> contained_to{};
  std::optional<std::string> algorithm{};
  std::optional<std::string> algorithm_version{};
};

// Filters for annotation listings; every given filter must match. A listing names a project or
// at least one image.
struct AnnotationFilter {
  std::optional<ProjectId> project{};
  std::vector<ImageId> images{};
  std::vector<UserId> users{};
  std::optional<std::string> algorithm{};
  std::optional<std::string> algorithm_version{};
  std::optional<AnnotationRunId> run{};      // produced by this run
  std::optional<std::string> device_like{};  // on images of these devices (SQL LIKE, "5c17%")
  std::optional<Timestamp> captured_from{};  // on images captured in [from, to)
  std::optional<Timestamp> captured_to{};
  std::vector<TermId> terms{};                  // annotations carrying any of these terms
  bool term_descendants = false;                // ... or any term below them
  std::optional<Timestamp> created_from{};      // inclusive
  std::optional<Timestamp> created_to{};        // exclusive
  std::optional<std::array<double, 4>> bbox{};  // x0, y0, x1, y1: bounding boxes that meet it (edges count)
  bool exact = false;  // with bbox: the geometry itself must meet the box, not just its bounding box
  std::optional<PropertyMatch> property{};
  // Only annotations with a larger id: reads a long listing page by page (each page starting
  // after the last id seen) at a constant cost per page, where offsets grow with the depth.
  std::optional<AnnotationId> after{};
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
