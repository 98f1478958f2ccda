// Sends a local file to S3 as one object: a single PUT below the part size, a multipart upload
// above it. Memory stays bounded whatever the file's size: bodies stream from the file, each
// part read twice (once to hash it for its signature, once to send it). A part that fails
// after the client's retries aborts the whole upload, so no half-stored object and no stray
// parts remain; CompleteMultipartUpload is sent only once every part is stored.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "blob/s3/s3_client.h"
#include "vitrine/status.h"

namespace vitrine::blob::s3 {

struct FileToUpload {
  std::filesystem::path path;
  std::int64_t size = 0;
  std::string sha256;  // hex, of the whole file
  std::string md5;     // hex, of the whole file
};

Status UploadFile(const S3Client& client, const std::string& key, const FileToUpload& file, std::int64_t part_bytes);

}  // namespace vitrine::blob::s3
