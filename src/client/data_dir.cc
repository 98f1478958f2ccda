#include "client/data_dir.h"

#include <system_error>

#include "imaging/init.h"

namespace vitrine::client {

Result<std::unique_ptr<OpenedStore>> OpenDataDir(const std::filesystem::path& dir, service::ServiceOptions options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::InvalidArgument("cannot create data folder " + dir.string() + ": " + ec.message());
  // Image operations need libvips; starting it is idempotent and process-wide.
  VITRINE_RETURN_IF_ERROR(imaging::InitializeImaging("vitrine"));
  auto store = std::make_unique<OpenedStore>();
  VITRINE_ASSIGN_OR_RETURN(store->catalog, catalog::OpenCatalog((dir / "catalog.db").string()));
  VITRINE_ASSIGN_OR_RETURN(store->blobs, blob::OpenBlobStore((dir / "blobs").string()));
  store->service = std::make_unique<service::Service>(*store->catalog, *store->blobs, store->clock, std::move(options));
  return store;
}

}  // namespace vitrine::client
