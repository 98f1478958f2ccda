// What callers send to create or change things: shared by the public client API and the
// service layer, so both sides speak one vocabulary.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "vitrine/ids.h"

namespace vitrine {

struct NewUser {
  std::string username{};
  std::string password{};
  std::string name{};
  std::string email{};
  bool admin = false;
};

struct UserUpdate {
  std::optional<std::string> name{};
  std::optional<std::string> email{};
  std::optional<std::string> password{};
  std::optional<std::string> current_password{};  // needed to change one's own password
  std::optional<bool> admin{};
  std::optional<bool> enabled{};
  std::optional<bool> worker{};  // administrators only
};

struct ProjectUpdate {
  std::optional<std::string> name{};
  std::optional<std::string> description{};
  std::map<std::string, std::optional<std::string>> properties{};  // nullopt removes the key
};

struct ImageUpdate {
  std::optional<std::string> filename{};
  std::map<std::string, std::optional<std::string>> properties{};  // nullopt removes the key
};

// A shape to draw on an image: the geometry in exactly one of `wkt` or `geojson` (a GeoJSON
// geometry object), in image pixels (origin top-left, y downwards).
struct NewAnnotation {
  ImageId image_id{};
  std::string wkt{};
  std::string geojson{};
  bool repair = false;          // make an invalid shape valid (GEOS MakeValid) instead of refusing it
  std::vector<TermId> terms{};  // from the ontology of the image's project
  std::map<std::string, std::string> properties{};
  std::optional<std::string> algorithm{};  // machine annotations: which algorithm, which version
  std::optional<std::string> algorithm_version{};
};

// An algorithm's annotations of one image, stored as one run (all or nothing). The annotations'
// own algorithm fields are ignored: they take the run's.
struct NewAnnotationRun {
  ImageId image_id{};
  std::string algorithm{};
  std::string algorithm_version{};
  std::map<std::string, std::string> metadata{};
  std::optional<std::string> image_md5{};  // when given, the image's MD5 must match: the run saw this file
  std::vector<NewAnnotation> annotations{};
  bool replace = false;  // replace a stored run of the same image, algorithm and version (else kConflict)
};

struct NewTerm {
  std::string name{};
  std::string color = "#808080";
  std::optional<TermId> parent_id{};
};

// parent_id: TermId() (zero) makes the term a root.
struct TermUpdate {
  std::optional<std::string> name{};
  std::optional<std::string> color{};
  std::optional<TermId> parent_id{};
};

// Which parts of each annotation a read returns. Leaving the geometry out makes big listings cheap.
struct AnnotationView {
  bool wkt = true;
  bool geojson = false;
  bool properties = true;
  bool terms = true;
  std::optional<double> simplify{};  // simplify each geometry (topology kept) to this many pixels
  bool count_total = true;           // false: Page::total is left -1, sparing a count of every match (long scans)
  std::int64_t count_up_to = 0;      // > 0: the count stops there (Page::total at most this): a million is costly
};

}  // namespace vitrine
