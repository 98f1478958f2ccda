// The S3 blob store: blobs as objects of an S3-compatible bucket, with a local cache.
//
// Keys: <prefix>objects/ab/cd/<sha256>, the file store's layout under the URL's prefix.
// An upload is written to a temporary file of the local cache while SHA-256 and MD5 are
// computed (that file is the writer's local_path); Commit sends it (one PUT below part_bytes,
// a multipart upload above, parts read from the file one at a time, the upload aborted if any
// part fails) and only then keeps the file as the blob's cached copy. S3 makes an object
// visible only once its PUT or CompleteMultipartUpload succeeds, so a reader sees the whole
// blob or nothing. See config.h for the URL.
//
// Reads use the local copy when there is one (blobs are immutable, so a copy is never stale
// in content); a blob deleted by another process stays readable here until its copy is
// evicted or this store deletes it too. Without a copy, Size is a HEAD; a range up to 4 MiB
// is one ranged GET into memory, a longer one a ranged GET into an unlinked temporary file;
// the whole blob (when over 4 MiB) and LocalPath are a download into the cache, checked
// against the blob's SHA-256 and kept.
#pragma once

#include <filesystem>
#include <memory>
#include <string_view>

#include "blob/blob_store.h"

namespace vitrine::blob {

// `default_cache_dir`: the local cache folder when the URL has no cache= (kInvalidArgument if
// neither). kUnavailable when the endpoint cannot be reached, kNotFound for a missing bucket.
Result<std::unique_ptr<BlobStore>> OpenS3BlobStore(std::string_view url,
                                                   const std::filesystem::path& default_cache_dir);

}  // namespace vitrine::blob
