// The column an image listing sorts by, in the SQL both catalogs share (images aliased `i`).
#pragma once

#include "vitrine/requests.h"

namespace vitrine::catalog {

inline const char* ImageSortColumn(ImageSort sort) {
  switch (sort) {
    case ImageSort::kCapturedAt:
      return "i.captured_at";
    case ImageSort::kCreatedAt:
      return "i.created_at";
    case ImageSort::kFilename:
      return "i.filename";
    case ImageSort::kId:
      return "i.id";
  }
  return "i.id";
}

}  // namespace vitrine::catalog
