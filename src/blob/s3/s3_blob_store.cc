#include "blob/s3/s3_blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "blob/s3/config.h"
#include "blob/s3/local_cache.h"
#include "blob/s3/s3_client.h"
#include "blob/s3/upload.h"
#include "blob/s3/xml.h"
#include "core/digest.h"
#include "core/parse_integer.h"
#include "core/time_format.h"

namespace vitrine::blob {
namespace fs = std::filesystem;
using s3::S3Request;
using s3::S3Response;

namespace {

// Ranges up to this size are read into memory with one ranged GET; longer ones are served
// from the local copy, downloaded first. Memory per open source stays below this bound.
constexpr std::int64_t kMemoryRangeBytes = std::int64_t{4} << 20;

Status NotSha(std::string_view sha) { return Status::InvalidArgument("not a SHA-256: '" + std::string(sha) + "'"); }

class FileRangeSource final : public core::ByteSource {
 public:
  FileRangeSource(int fd, std::int64_t offset, std::int64_t length) : fd_(fd), offset_(offset), remaining_(length) {}
  ~FileRangeSource() override { ::close(fd_); }

  Result<std::size_t> Read(std::span<char> buffer) override {
    std::size_t want = static_cast<std::size_t>(std::min<std::int64_t>(remaining_, buffer.size()));
    if (want == 0) return std::size_t{0};
    while (true) {
      ssize_t n = ::pread(fd_, buffer.data(), want, offset_);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::Internal(std::string("cached blob read failed: ") + std::strerror(errno));
      if (n == 0) return Status::Internal("cached blob is shorter than recorded");
      offset_ += n;
      remaining_ -= n;
      return static_cast<std::size_t>(n);
    }
  }
  std::int64_t size_hint() const override { return remaining_; }

 private:
  int fd_;
  std::int64_t offset_;
  std::int64_t remaining_;
};

class OwnedStringSource final : public core::ByteSource {
 public:
  explicit OwnedStringSource(std::string data) : data_(std::move(data)), source_(data_) {}
  Result<std::size_t> Read(std::span<char> buffer) override { return source_.Read(buffer); }
  std::int64_t size_hint() const override { return source_.size_hint(); }

 private:
  std::string data_;
  core::StringSource source_;
};

Status WriteAll(int fd, std::string_view bytes, const fs::path& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::string message = "cannot write " + path.string() + ": " + std::strerror(errno);
      return errno == ENOSPC ? Status::InsufficientStorage(message) : Status::Internal(message);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::Ok();
}

// Downloads into a file of the cache, hashing as it goes.
class FileSink final : public s3::ResponseSink {
 public:
  FileSink(int fd, fs::path path) : fd_(fd), path_(std::move(path)) {}
  Status Write(std::string_view bytes) override {
    sha256_.Update(bytes);
    return WriteAll(fd_, bytes, path_);
  }
  Status Reset() override {
    sha256_ = core::Digest(core::DigestKind::kSha256);
    if (::ftruncate(fd_, 0) != 0 || ::lseek(fd_, 0, SEEK_SET) != 0) {
      return Status::Internal("cannot restart the download into " + path_.string());
    }
    return Status::Ok();
  }
  std::string FinishHex() { return sha256_.FinishHex(); }

 private:
  int fd_;
  fs::path path_;
  core::Digest sha256_{core::DigestKind::kSha256};
};

class S3BlobStore;

class S3BlobWriter final : public BlobWriter {
 public:
  S3BlobWriter(S3BlobStore& store, fs::path temp, int fd, std::int64_t max_bytes)
      : store_(store), temp_(std::move(temp)), fd_(fd), max_bytes_(max_bytes) {}
  ~S3BlobWriter() override {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) {
      std::error_code ignored;
      fs::remove(temp_, ignored);
    }
  }

  Status Write(std::string_view bytes) override {
    if (fd_ < 0) return Status::Internal("blob writer used after Commit");
    if (size_ + static_cast<std::int64_t>(bytes.size()) > max_bytes_) {
      return Status::TooLarge("blob is larger than the limit of " + std::to_string(max_bytes_) + " bytes");
    }
    sha256_.Update(bytes);
    md5_.Update(bytes);
    size_ += static_cast<std::int64_t>(bytes.size());
    return WriteAll(fd_, bytes, temp_);
  }

  Result<BlobRef> Commit() override;
  const fs::path& local_path() const override { return temp_; }

 private:
  S3BlobStore& store_;
  fs::path temp_;
  int fd_;
  std::int64_t max_bytes_;
  std::int64_t size_ = 0;
  core::Digest sha256_{core::DigestKind::kSha256};
  core::Digest md5_{core::DigestKind::kMd5};
  bool committed_ = false;
};

class S3BlobStore final : public BlobStore {
 public:
  S3BlobStore(s3::S3Config config, std::unique_ptr<s3::LocalCache> cache)
      : client_(std::move(config)), cache_(std::move(cache)) {}

  // Checks that the bucket is there and the keys are accepted (creating it if asked to).
  Status Init() {
    const auto& config = client_.config();
    if (config.create_bucket) {
      S3Request create;
      create.method = "PUT";
      if (config.region != "us-east-1") {
        create.body = "<CreateBucketConfiguration><LocationConstraint>" + config.region +
                      "</LocationConstraint></CreateBucketConfiguration>";
      }
      create.payload_hash = core::Sha256Hex(create.body);
      VITRINE_ASSIGN_OR_RETURN(S3Response created, client_.Perform(create));
      if (created.status != 200 && created.status != 409) return s3::S3Error(created, "create bucket " + config.bucket);
    }
    S3Request head;
    head.method = "HEAD";
    VITRINE_ASSIGN_OR_RETURN(S3Response response, client_.Perform(head));
    if (response.status == 404)
      return Status::NotFound("S3 bucket " + config.bucket + " not found at " + config.endpoint);
    if (response.status != 200) return s3::S3Error(response, "bucket " + config.bucket + " at " + config.endpoint);
    return Status::Ok();
  }

  std::string KeyOf(std::string_view sha) const {
    return client_.config().prefix + "objects/" + std::string(sha.substr(0, 2)) + "/" + std::string(sha.substr(2, 2)) +
           "/" + std::string(sha);
  }

  Result<std::unique_ptr<BlobWriter>> StartPut(std::int64_t max_bytes) override {
    fs::path temp = cache_->NewTempPath();
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return Status::Internal("cannot create " + temp.string() + ": " + std::strerror(errno));
    return std::unique_ptr<BlobWriter>(new S3BlobWriter(*this, std::move(temp), fd, max_bytes));
  }

  // The bucket has no practical bound, but an upload is written to the cache folder's disk
  // before it is sent: that disk is the one to check.
  Status CheckRoomFor(std::int64_t bytes) const override {
    constexpr std::int64_t kReserve = std::int64_t{64} << 20;
    struct statvfs fs_stats;
    if (::statvfs(client_.config().cache_dir.c_str(), &fs_stats) != 0) return Status::Ok();
    const auto free_bytes = static_cast<std::int64_t>(fs_stats.f_bavail) * static_cast<std::int64_t>(fs_stats.f_frsize);
    if (bytes <= free_bytes - kReserve) return Status::Ok();
    return Status::InsufficientStorage("not enough free space for " + std::to_string(bytes) +
                                       " bytes: " + std::to_string(std::max<std::int64_t>(free_bytes, 0) >> 20) +
                                       " MiB free on the disk of the S3 store's local cache, where uploads are "
                                       "written before they are sent");
  }

  // Sends `file` under its key unless an object is there already (same key, same bytes).
  // An object already there gets a new LastModified instead: a collection running now may
  // judge it by its old one, and the catalog row that will refer to it again is not
  // committed yet; refreshed, it is younger than any grace period. (A collection that listed
  // it before the refresh and deletes it after remains possible: S3 has no delete-if-unchanged
  // here; the window is one reference check long.)
  //
  // A file of one part is simply sent: one PUT costs a round trip, as the HEAD alone would, and
  // also sets LastModified to now (an ingest of camera photos on moto: 0.64x the embedded
  // store's rate with the HEAD first).
  Status Publish(const s3::FileToUpload& file) {
    const std::string key = KeyOf(file.sha256);
    if (file.size <= client_.config().part_bytes)
      return s3::UploadFile(client_, key, file, client_.config().part_bytes);
    VITRINE_ASSIGN_OR_RETURN(std::optional<std::int64_t> stored, HeadSize(key));
    if (stored && Refresh(key).ok()) return Status::Ok();
    // Missing, gone since the HEAD, or past CopyObject's 5 GB: send the bytes.
    return s3::UploadFile(client_, key, file, client_.config().part_bytes);
  }

  // Copies the object onto itself (metadata replaced, S3 refuses a copy that changes nothing),
  // which sets its LastModified to now without sending its bytes.
  Status Refresh(const std::string& key) {
    S3Request copy;
    copy.method = "PUT";
    copy.key = key;
    copy.headers = {{"x-amz-copy-source", "/" + client_.config().bucket + "/" + s3::UriEncode(key, true)},
                    {"x-amz-metadata-directive", "REPLACE"}};
    VITRINE_ASSIGN_OR_RETURN(S3Response response, client_.Perform(copy));
    if (response.status != 200) return s3::S3Error(response, "refresh " + key);
    // CopyObject may answer 200 and report its failure in the body.
    if (!s3::XmlElements(response.body, "Error").empty()) return s3::S3Error(response, "refresh " + key);
    return Status::Ok();
  }

  // Keeps an uploaded file as the blob's cached copy.
  bool KeepCopy(std::string_view sha, const fs::path& file) { return cache_->Adopt(sha, file).ok(); }

  // The object's size, nothing if it is missing.
  Result<std::optional<std::int64_t>> HeadSize(const std::string& key) const {
    S3Request head;
    head.method = "HEAD";
    head.key = key;
    VITRINE_ASSIGN_OR_RETURN(S3Response response, client_.Perform(head));
    if (response.status == 404) return std::optional<std::int64_t>();
    if (response.status != 200) return s3::S3Error(response, "HEAD " + key);
    auto size = core::ParseInteger<std::int64_t>(response.Header("content-length"));
    if (!size) return Status::Internal("S3 gave no size for " + key);
    return std::optional<std::int64_t>(*size);
  }

  Result<std::unique_ptr<core::ByteSource>> Open(std::string_view sha, ByteRange range) const override {
    if (!IsSha256Hex(sha)) return NotSha(sha);
    VITRINE_ASSIGN_OR_RETURN(std::int64_t size, Size(sha));
    if (range.offset < 0 || range.offset > size)
      return Status::InvalidArgument("range starts past the end of the blob");
    std::int64_t available = size - range.offset;
    std::int64_t length = range.length < 0 ? available : std::min(range.length, available);
    std::optional<fs::path> local = cache_->Find(sha);
    if (!local && length > kMemoryRangeBytes && length == size) {
      VITRINE_ASSIGN_OR_RETURN(local, LocalPath(sha));  // kept: whole reads tend to come again
    }
    if (local) {
      int fd = ::open(local->c_str(), O_RDONLY | O_CLOEXEC);
      if (fd >= 0) return std::unique_ptr<core::ByteSource>(new FileRangeSource(fd, range.offset, length));
    }
    if (length == 0) return std::unique_ptr<core::ByteSource>(new OwnedStringSource(""));
    if (length > kMemoryRangeBytes) return RangeThroughFile(sha, range.offset, length);
    S3Request get;
    get.key = KeyOf(sha);
    get.headers = {
        {"Range", "bytes=" + std::to_string(range.offset) + "-" + std::to_string(range.offset + length - 1)}};
    VITRINE_ASSIGN_OR_RETURN(S3Response response, client_.Perform(get));
    if (response.status == 404) return Status::NotFound("blob " + std::string(sha) + " not found");
    bool whole = response.status == 200 && range.offset == 0 && length == size;
    if ((response.status != 206 && !whole) || static_cast<std::int64_t>(response.body.size()) != length) {
      return s3::S3Error(response, "ranged GET of " + get.key);
    }
    return std::unique_ptr<core::ByteSource>(new OwnedStringSource(std::move(response.body)));
  }

  // A long part of a blob: downloaded into an anonymous file (unlinked at once, so nothing is
  // left behind whatever happens), read from there.
  Result<std::unique_ptr<core::ByteSource>> RangeThroughFile(std::string_view sha, std::int64_t offset,
                                                             std::int64_t length) const {
    fs::path temp = cache_->NewTempPath();
    int fd = ::open(temp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return Status::Internal("cannot create " + temp.string() + ": " + std::strerror(errno));
    ::unlink(temp.c_str());
    // Closes the file on every early return; the source takes it over at the end.
    std::unique_ptr<int, void (*)(int*)> owner(&fd, [](int* f) { ::close(*f); });
    FileSink sink(fd, temp);
    S3Request get;
    get.key = KeyOf(sha);
    get.headers = {{"Range", "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1)}};
    get.sink = &sink;
    VITRINE_ASSIGN_OR_RETURN(S3Response response, client_.Perform(get));
    if (response.status == 404) return Status::NotFound("blob " + std::string(sha) + " not found");
    if (response.status != 206 && response.status != 200) return s3::S3Error(response, "ranged GET of " + get.key);
    // 200: a server that ignores Range sent the whole blob.
    const std::int64_t start = response.status == 200 ? offset : 0;
    struct stat st;
    if (::fstat(fd, &st) != 0 || st.st_size < start + length) {
      return Status::Unavailable("S3 sent a short answer for " + get.key);
    }
    owner.release();
    return std::unique_ptr<core::ByteSource>(new FileRangeSource(fd, start, length));
  }

  Result<std::int64_t> Size(std::string_view sha) const override {
    if (!IsSha256Hex(sha)) return NotSha(sha);
    if (auto local = cache_->Find(sha)) {
      std::error_code ec;
      auto size = fs::file_size(*local, ec);
      if (!ec) return static_cast<std::int64_t>(size);
    }
    VITRINE_ASSIGN_OR_RETURN(std::optional<std::int64_t> size, HeadSize(KeyOf(sha)));
    if (!size) return Status::NotFound("blob " + std::string(sha) + " not found");
    return *size;
  }

  Status Delete(std::string_view sha) override {
    if (!IsSha256Hex(sha)) return NotSha(sha);
    const std::string key = KeyOf(sha);
    // S3 answers a DELETE of a missing key with success: ask first, for the kNotFound.
    VITRINE_ASSIGN_OR_RETURN(std::optional<std::int64_t> size, HeadSize(key));
    cache_->Erase(sha);
    if (!size) return Status::NotFound("blob " + std::string(sha) + " not found");
    return DeleteKey(key);
  }

  Status DeleteKey(const std::string& key, const s3::Params& query = {}) const {
    S3Request request;
    request.method = "DELETE";
    request.key = key;
    request.query = query;
    VITRINE_ASSIGN_OR_RETURN(S3Response response, client_.Perform(request));
    if (response.status != 204 && response.status != 200 && response.status != 404) {
      return s3::S3Error(response, "DELETE " + key);
    }
    return Status::Ok();
  }

  Result<fs::path> LocalPath(std::string_view sha) const override {
    if (!IsSha256Hex(sha)) return NotSha(sha);
    if (auto local = cache_->Find(sha)) return *local;
    fs::path temp = cache_->NewTempPath();
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return Status::Internal("cannot create " + temp.string() + ": " + std::strerror(errno));
    struct Cleanup {
      int fd;
      const fs::path& temp;
      bool keep = false;
      ~Cleanup() {
        ::close(fd);
        std::error_code ignored;
        if (!keep) fs::remove(temp, ignored);
      }
    } cleanup{fd, temp};
    FileSink sink(fd, temp);
    S3Request get;
    get.key = KeyOf(sha);
    get.sink = &sink;
    VITRINE_ASSIGN_OR_RETURN(S3Response response, client_.Perform(get));
    if (response.status == 404) return Status::NotFound("blob " + std::string(sha) + " not found");
    if (response.status != 200) return s3::S3Error(response, "GET " + get.key);
    if (sink.FinishHex() != sha) return Status::Internal("S3 object " + get.key + " does not hash to its name");
    VITRINE_ASSIGN_OR_RETURN(fs::path path, cache_->Adopt(sha, temp));
    cleanup.keep = true;
    return path;
  }

  std::optional<std::string> PresignedGetUrl(std::string_view sha, std::chrono::seconds expires) const override {
    if (!IsSha256Hex(sha)) return std::nullopt;
    return client_.PresignedGetUrl(KeyOf(sha), expires);
  }

  Result<GarbageReport> CollectGarbage(const std::function<Result<bool>(std::string_view)>& is_referenced,
                                       std::chrono::seconds grace) override {
    GarbageReport report;
    const Timestamp cutoff =
        std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()) - grace;
    std::string token;
    do {
      S3Request list;
      list.query = {{"list-type", "2"}, {"prefix", client_.config().prefix + "objects/"}};
      if (!token.empty()) list.query.emplace_back("continuation-token", token);
      VITRINE_ASSIGN_OR_RETURN(S3Response page, client_.Perform(list));
      if (page.status != 200) return s3::S3Error(page, "list " + client_.config().bucket);
      for (std::string_view contents : s3::XmlElements(page.body, "Contents")) {
        VITRINE_RETURN_IF_ERROR(Examine(contents, cutoff, is_referenced, report));
      }
      token = s3::XmlText(page.body, "IsTruncated") == "true" ? s3::XmlText(page.body, "NextContinuationToken") : "";
    } while (!token.empty());
    report.temp_files_removed = cache_->RemoveAbandonedTemps(grace);
    VITRINE_RETURN_IF_ERROR(AbortStaleUploads(cutoff));
    return report;
  }

 private:
  Status Examine(std::string_view contents, Timestamp cutoff,
                 const std::function<Result<bool>(std::string_view)>& is_referenced, GarbageReport& report) {
    std::string key = s3::XmlText(contents, "Key");
    std::string sha = key.substr(key.rfind('/') + 1);
    if (!IsSha256Hex(sha) || key != KeyOf(sha)) return Status::Ok();
    ++report.blobs_examined;
    auto modified = core::ParseIso8601(s3::XmlText(contents, "LastModified"));
    if (!modified.ok() || *modified > cutoff) return Status::Ok();
    VITRINE_ASSIGN_OR_RETURN(bool referenced, is_referenced(sha));
    if (referenced) return Status::Ok();
    VITRINE_RETURN_IF_ERROR(DeleteKey(key));
    cache_->Erase(sha);
    ++report.blobs_removed;
    report.bytes_removed += core::ParseInteger<std::int64_t>(s3::XmlText(contents, "Size")).value_or(0);
    return Status::Ok();
  }

  // Multipart uploads begun before the cutoff and never finished (a process died mid-upload):
  // their parts are invisible but stored, and billed.
  Status AbortStaleUploads(Timestamp cutoff) {
    std::string key_marker, upload_marker;
    do {
      S3Request list;
      list.query = {{"uploads", ""}, {"prefix", client_.config().prefix + "objects/"}};
      if (!key_marker.empty()) {
        list.query.emplace_back("key-marker", key_marker);
        list.query.emplace_back("upload-id-marker", upload_marker);
      }
      VITRINE_ASSIGN_OR_RETURN(S3Response page, client_.Perform(list));
      if (page.status != 200) return s3::S3Error(page, "list the uploads of " + client_.config().bucket);
      for (std::string_view upload : s3::XmlElements(page.body, "Upload")) {
        auto initiated = core::ParseIso8601(s3::XmlText(upload, "Initiated"));
        if (!initiated.ok() || *initiated > cutoff) continue;
        VITRINE_RETURN_IF_ERROR(DeleteKey(s3::XmlText(upload, "Key"), {{"uploadId", s3::XmlText(upload, "UploadId")}}));
      }
      const bool more = s3::XmlText(page.body, "IsTruncated") == "true";
      key_marker = more ? s3::XmlText(page.body, "NextKeyMarker") : "";
      upload_marker = more ? s3::XmlText(page.body, "NextUploadIdMarker") : "";
    } while (!key_marker.empty());
    return Status::Ok();
  }

  s3::S3Client client_;
  std::unique_ptr<s3::LocalCache> cache_;
};

Result<BlobRef> S3BlobWriter::Commit() {
  if (committed_ || fd_ < 0) return Status::Internal("blob committed twice");
  ::close(std::exchange(fd_, -1));
  BlobRef ref{sha256_.FinishHex(), md5_.FinishHex(), size_};
  VITRINE_RETURN_IF_ERROR(store_.Publish(s3::FileToUpload{temp_, size_, ref.sha256, ref.md5}));
  // Without a cached copy (a full disk) the blob is still stored: the file just goes.
  committed_ = store_.KeepCopy(ref.sha256, temp_);
  return ref;
}

}  // namespace

Result<std::unique_ptr<BlobStore>> OpenS3BlobStore(std::string_view url, const fs::path& default_cache_dir) {
  VITRINE_ASSIGN_OR_RETURN(s3::S3Config config, s3::ParseS3Url(url, default_cache_dir));
  VITRINE_ASSIGN_OR_RETURN(auto cache, s3::LocalCache::Open(config.cache_dir, config.cache_bytes));
  auto store = std::make_unique<S3BlobStore>(std::move(config), std::move(cache));
  VITRINE_RETURN_IF_ERROR(store->Init());
  return std::unique_ptr<BlobStore>(std::move(store));
}

}  // namespace vitrine::blob
