#include "blob/blob_store.h"

#include <array>
#include <string>

#include "blob/fs/fs_blob_store.h"
#include "blob/s3/s3_blob_store.h"

namespace vitrine::blob {

Result<BlobRef> BlobStore::Put(core::ByteSource& source, std::int64_t max_bytes) {
  VITRINE_ASSIGN_OR_RETURN(auto writer, StartPut(max_bytes));
  std::array<char, 256 * 1024> chunk;
  while (true) {
    VITRINE_ASSIGN_OR_RETURN(std::size_t n, source.Read(chunk));
    if (n == 0) break;
    VITRINE_RETURN_IF_ERROR(writer->Write(std::string_view(chunk.data(), n)));
  }
  return writer->Commit();
}

bool IsSha256Hex(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Result<std::unique_ptr<BlobStore>> OpenBlobStore(std::string_view url, const std::filesystem::path& local_dir) {
  constexpr std::string_view kFile = "file://";
  if (url.starts_with(kFile)) return OpenFsBlobStore(std::string(url.substr(kFile.size())));
  if (url.starts_with("s3://")) return OpenS3BlobStore(url, local_dir);
  if (url.find("://") != std::string_view::npos) {
    return Status::InvalidArgument("unknown blob store URL scheme in '" + std::string(url) + "'");
  }
  return OpenFsBlobStore(std::string(url));
}

}  // namespace vitrine::blob
