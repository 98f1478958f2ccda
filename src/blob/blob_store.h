// The blob store: immutable byte objects addressed by the SHA-256 of their content.
//
// One interface, two implementations: the local file system (embedded default) and S3.
// Writes are all-or-nothing: a blob becomes visible only once its bytes are durable, so the
// catalog row that refers to it can be committed afterwards without ever pointing at nothing.
// Implementations are safe for concurrent use.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/byte_stream.h"
#include "vitrine/status.h"

namespace vitrine::blob {

struct BlobRef {
  std::string sha256;  // lowercase hex, 64 characters
  std::string md5;     // lowercase hex; for protocols that identify files by MD5
  std::int64_t size = 0;
};

// Bytes [offset, offset + length); length < 0 means "to the end".
struct ByteRange {
  std::int64_t offset = 0;
  std::int64_t length = -1;
};

// Receives one blob's bytes in order. Destroying it before Commit discards what was written.
class BlobWriter {
 public:
  virtual ~BlobWriter() = default;
  // kTooLarge once the total passes the limit given to StartPut.
  virtual Status Write(std::string_view bytes) = 0;
  // Makes the blob durable and visible. Writing identical content twice is not an error.
  virtual Result<BlobRef> Commit() = 0;
  // A local file holding the bytes written so far, readable before Commit: an upload can be
  // inspected (probed, decoded) before it is published.
  virtual const std::filesystem::path& local_path() const = 0;
};

struct GarbageReport {
  std::int64_t blobs_examined = 0;
  std::int64_t blobs_removed = 0;
  std::int64_t bytes_removed = 0;
  std::int64_t temp_files_removed = 0;
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;

  virtual Result<std::unique_ptr<BlobWriter>> StartPut(std::int64_t max_bytes) = 0;
  // kInsufficientStorage unless `bytes` more fit with room to spare (a store that cannot tell
  // says OK): checked before a large upload is accepted, rather than failing at its end.
  virtual Status CheckRoomFor(std::int64_t bytes) const = 0;
  // Streams `source` into a new blob.
  Result<BlobRef> Put(core::ByteSource& source, std::int64_t max_bytes);

  // kNotFound for an unknown blob; kInvalidArgument for a range that starts past the end.
  virtual Result<std::unique_ptr<core::ByteSource>> Open(std::string_view sha256, ByteRange range) const = 0;
  // The blob's size in bytes, or kNotFound.
  virtual Result<std::int64_t> Size(std::string_view sha256) const = 0;
  virtual Status Delete(std::string_view sha256) = 0;
  // A local file with the blob's bytes, for libraries that read files (libvips). Valid while
  // the blob exists. kNotFound for an unknown blob.
  virtual Result<std::filesystem::path> LocalPath(std::string_view sha256) const = 0;

  // A URL that lets anyone GET the blob's bytes for `expires` without other credentials, for
  // stores that can make one (S3's presigned URLs); nothing otherwise or for a malformed id.
  // The URL is not checked against the blob's existence.
  virtual std::optional<std::string> PresignedGetUrl(std::string_view sha256, std::chrono::seconds expires) const {
    (void)sha256;
    (void)expires;
    return std::nullopt;
  }

  // Removes every blob for which `is_referenced` says false, and abandoned temporary files.
  // Anything younger than `grace` is kept: a blob whose catalog row is still being committed
  // must survive a collection that runs at the same moment.
  virtual Result<GarbageReport> CollectGarbage(
      const std::function<Result<bool>(std::string_view sha256)>& is_referenced, std::chrono::seconds grace) = 0;
};

// "file:///abs/dir" or a plain directory path (created if missing), or "s3://bucket[/prefix]?..."
// (see blob/s3/config.h), whose local cache goes to `local_dir` unless the URL names one.
Result<std::unique_ptr<BlobStore>> OpenBlobStore(std::string_view url, const std::filesystem::path& local_dir = {});

// True iff `text` looks like a SHA-256 in lowercase hex (and so is safe to use in a path).
bool IsSha256Hex(std::string_view text);

}  // namespace vitrine::blob
