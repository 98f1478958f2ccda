// ImageService's garbage collection: blobs nothing in the catalog refers to any more.
#include "service/image_service.h"

namespace vitrine::service {

Result<blob::GarbageReport> ImageService::CollectGarbage(const Caller& caller, std::chrono::seconds grace) {
  if (!caller.is_admin()) return Status::PermissionDenied("only an administrator may collect garbage");
  return blobs_.CollectGarbage([this](std::string_view sha) { return catalog_.IsBlobReferenced(sha); }, grace);
}

}  // namespace vitrine::service
