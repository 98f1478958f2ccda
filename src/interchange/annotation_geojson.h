// Export and import of annotations as GeoJSON FeatureCollections (see wire/feature_collection.h
// for the shape), on top of the service: what both the HTTP routes and the in-process client use.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/byte_stream.h"
#include "service/service.h"

namespace vitrine::interchange {

// Every annotation matching `filter` (which names a project or images), as one collection,
// written a page of annotations at a time as it is read: memory stays at one page however many
// there are. Errors of the first page (rights, filter) come back here; a later failure ends
// the stream with an error from Read.
Result<std::unique_ptr<core::ByteSource>> ExportGeoJsonStream(service::Service& service, const service::Caller& caller,
                                                              const AnnotationFilter& filter);
// The same, whole, in memory (the in-process client).
Result<std::string> ExportGeoJson(service::Service& service, const service::Caller& caller,
                                  const AnnotationFilter& filter);

// Every feature of `collection` becomes an annotation on `image`, in one transaction; term
// names are resolved in the ontology of the image's project.
Result<std::vector<AnnotationId>> ImportGeoJson(service::Service& service, const service::Caller& caller, ImageId image,
                                                std::string_view collection, bool repair);

}  // namespace vitrine::interchange
