// Feature descriptors: named vectors of numbers computed from an image, a region of it, a mask's
// labels or an annotation (BisQue's catalogue: HTD, HAR, SIFT, ...). docs/features.md defines
// each descriptor, its inputs and its output tables.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vitrine/ids.h"

namespace vitrine {

// A column stored beside each row's vector.
struct FeatureColumn {
  std::string name;
  std::string type;  // "int32" or "float32"
};

// A descriptor of the server's catalogue.
struct FeatureDescriptor {
  std::string name;
  int length = 0;  // values in each row's vector
  std::string description;
  std::string pixels;                  // "grey" or "colour"
  std::vector<std::string> accepts;    // "image", "region", "mask", "annotation", "point annotation"
  std::string rows;                    // "one per resource", "one per mask label", "one per keypoint"
  std::string value_type;              // "float32" or "int32" (in the HDF5 table)
  std::vector<FeatureColumn> columns;  // the parameter columns beside the vector ("label"; "x", "y", ...)
  int version = 0;                     // goes up when a change alters the numbers
  std::string reference;
};

// One input: an image (or a region of it in full-resolution pixels: x, y, width, height), with a
// mask image of labels or an annotation. An annotation alone names its image.
struct FeatureResource {
  std::optional<ImageId> image{};
  std::optional<std::array<std::int64_t, 4>> region{};
  std::optional<ImageId> mask{};
  std::optional<AnnotationId> annotation{};
};

struct FeatureOptions {
  // Regions larger than this (either side, in pixels) are described at this size, read from the
  // pyramid; nullopt: the server's default (2048).
  std::optional<int> max_size{};
  bool use_cache = true;  // false: computed afresh, not read from or stored in the server's cache
};

// One row: a resource's (one per resource, mask label or keypoint), or the error of one.
struct FeatureRow {
  std::string image, mask, annotation;  // the resources' paths ("/api/v1/images/12"), "" when absent
  int status = 200;                     // 200, or 400 / 404 / 415 / 500 for this resource
  std::string error;                    // why, when status is not 200
  std::vector<double> columns;          // FeatureTable::columns' values
  std::vector<float> values;            // `length` values; empty when status is not 200
};

struct FeatureTable {
  std::string feature;
  int length = 0;
  std::vector<std::string> columns;
  std::vector<FeatureRow> rows;  // in request order

  // Every row's vector, row after row (rows.size() x length); zeros for rows that failed.
  std::vector<float> Matrix() const {
    std::vector<float> matrix(rows.size() * static_cast<std::size_t>(length), 0.0f);
    for (std::size_t r = 0; r < rows.size(); ++r) {
      for (std::size_t i = 0; i < rows[r].values.size() && i < static_cast<std::size_t>(length); ++i) {
        matrix[r * length + i] = rows[r].values[i];
      }
    }
    return matrix;
  }
};

// The formats a table is written as: BisQue's HDF5 layout, CSV, JSON.
enum class FeatureFormat { kHdf5, kCsv, kJson };

}  // namespace vitrine
