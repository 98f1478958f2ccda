#include "blob/s3/upload.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "blob/s3/xml.h"
#include "core/digest.h"

namespace vitrine::blob::s3 {
namespace {

// Content-MD5 wants the digest's bytes in base64, not its hex.
std::string Md5Header(const std::string& hex) {
  std::string raw;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    raw.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return core::Base64Encode(raw);
}

struct PartDigests {
  std::string sha256;
  std::string md5;
};

Result<PartDigests> HashRange(const std::filesystem::path& path, std::int64_t offset, std::int64_t length) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Internal("cannot open " + path.string() + " to upload it");
  core::Digest sha256(core::DigestKind::kSha256);
  core::Digest md5(core::DigestKind::kMd5);
  std::vector<char> buffer(std::size_t{1} << 20);
  while (length > 0) {
    ssize_t n = ::pread(fd, buffer.data(), std::min<std::int64_t>(length, buffer.size()), offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return Status::Internal("cannot read " + path.string() + " to upload it");
    }
    sha256.Update(std::string_view(buffer.data(), n));
    md5.Update(std::string_view(buffer.data(), n));
    offset += n;
    length -= n;
  }
  ::close(fd);
  return PartDigests{sha256.FinishHex(), md5.FinishHex()};
}

S3Request PutFrom(const std::string& key, const FileToUpload& file, std::int64_t offset, std::int64_t length,
                  const PartDigests& digests) {
  S3Request request;
  request.method = "PUT";
  request.key = key;
  request.headers = {{"Content-MD5", Md5Header(digests.md5)}};
  request.payload_hash = digests.sha256;
  request.body_file = file.path;
  request.body_offset = offset;
  request.body_length = length;
  return request;
}

Status ExpectOk(const Result<S3Response>& response, std::string_view what) {
  if (!response.ok()) return response.status();
  if (response->status != 200) return S3Error(*response, what);
  return Status::Ok();
}

void Abort(const S3Client& client, const std::string& key, const std::string& upload_id) {
  S3Request request;
  request.method = "DELETE";
  request.key = key;
  request.query = {{"uploadId", upload_id}};
  (void)client.Perform(request);  // best effort: a leftover is aborted by garbage collection
}

Status UploadParts(const S3Client& client, const std::string& key, const FileToUpload& file, std::int64_t part_bytes,
                   const std::string& upload_id) {
  std::string complete = "<CompleteMultipartUpload>";
  int number = 1;
  for (std::int64_t offset = 0; offset < file.size; offset += part_bytes, ++number) {
    std::int64_t length = std::min(part_bytes, file.size - offset);
    VITRINE_ASSIGN_OR_RETURN(PartDigests digests, HashRange(file.path, offset, length));
    S3Request request = PutFrom(key, file, offset, length, digests);
    request.query = {{"partNumber", std::to_string(number)}, {"uploadId", upload_id}};
    auto response = client.Perform(request);
    VITRINE_RETURN_IF_ERROR(ExpectOk(response, "upload part " + std::to_string(number) + " of " + key));
    std::string etag = response->Header("etag");
    if (etag.empty()) return Status::Internal("S3 gave no ETag for part " + std::to_string(number) + " of " + key);
    complete +=
        "<Part><PartNumber>" + std::to_string(number) + "</PartNumber><ETag>" + XmlEscape(etag) + "</ETag></Part>";
  }
  complete += "</CompleteMultipartUpload>";
  S3Request request;
  request.method = "POST";
  request.key = key;
  request.query = {{"uploadId", upload_id}};
  request.headers = {{"Content-Type", "application/xml"}};
  request.payload_hash = core::Sha256Hex(complete);
  request.body = std::move(complete);
  auto response = client.Perform(request);
  VITRINE_RETURN_IF_ERROR(ExpectOk(response, "complete the upload of " + key));
  // S3 may answer 200 and report a failure in the body, once the parts have been assembled.
  if (!XmlElements(response->body, "Error").empty()) {
    return Status::Unavailable("S3 could not complete the upload of " + key + ": " + XmlText(response->body, "Code"));
  }
  return Status::Ok();
}

Status UploadMultipart(const S3Client& client, const std::string& key, const FileToUpload& file,
                       std::int64_t part_bytes) {
  S3Request start;
  start.method = "POST";
  start.key = key;
  start.query = {{"uploads", ""}};
  auto started = client.Perform(start);
  VITRINE_RETURN_IF_ERROR(ExpectOk(started, "start an upload of " + key));
  std::string upload_id = XmlText(started->body, "UploadId");
  if (upload_id.empty()) return Status::Internal("S3 gave no upload id for " + key);
  Status status = UploadParts(client, key, file, part_bytes, upload_id);
  if (!status.ok()) Abort(client, key, upload_id);
  return status;
}

}  // namespace

Status UploadFile(const S3Client& client, const std::string& key, const FileToUpload& file, std::int64_t part_bytes) {
  if (file.size <= part_bytes) {
    auto response = client.Perform(PutFrom(key, file, 0, file.size, PartDigests{file.sha256, file.md5}));
    return ExpectOk(response, "upload " + key);
  }
  // S3 takes at most 10,000 parts: a file past 10,000 parts of the configured size goes in
  // larger ones.
  constexpr std::int64_t kMaxParts = 10000;
  return UploadMultipart(client, key, file, std::max(part_bytes, (file.size + kMaxParts - 1) / kMaxParts));
}

}  // namespace vitrine::blob::s3
