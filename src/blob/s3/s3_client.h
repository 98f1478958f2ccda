// Requests to one S3 bucket over libcurl: signed, retried, streamed.
//
// Handles come from a pool of curl easy handles (each keeps its connections alive), so
// concurrent requests run in parallel and sequential ones reuse connections. A request that
// fails to connect, is cut off, or gets a 5xx is retried with exponential backoff, a bounded
// number of times; then kUnavailable names the endpoint (never the keys). Any other HTTP answer
// is returned as it is for the caller to interpret. Safe for concurrent use.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "blob/s3/config.h"
#include "blob/s3/sigv4.h"
#include "vitrine/status.h"

namespace vitrine::blob::s3 {

// Where a response body goes when the answer is a 2xx: Write gets it in order, and Reset is
// called before a retry starts it again. Error bodies go to S3Response::body instead.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  virtual Status Write(std::string_view bytes) = 0;
  virtual Status Reset() = 0;
};

struct S3Request {
  std::string method = "GET";
  std::string key;  // object key (prefix included); empty for the bucket itself
  Params query;
  Params headers;                   // besides Host, x-amz-date, x-amz-content-sha256
  std::string payload_hash;         // hex SHA-256 of the body; empty: that of no body
  std::string body;                 // a body held in memory, or:
  std::filesystem::path body_file;  // a body read from this file's
  std::int64_t body_offset = 0;     //   bytes [body_offset,
  std::int64_t body_length = 0;     //   body_offset + body_length)
  ResponseSink* sink = nullptr;     // null: a 2xx body goes to S3Response::body (up to 16 MiB)
};

struct S3Response {
  long status = 0;
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;
  std::string Header(const std::string& name) const;
};

class S3Client {
 public:
  explicit S3Client(S3Config config);
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  // kUnavailable when the server cannot be reached or keeps failing; otherwise the response,
  // whatever its status.
  Result<S3Response> Perform(const S3Request& request) const;

  // A URL anyone can GET `key` with until `expires` from now.
  std::string PresignedGetUrl(std::string_view key, std::chrono::seconds expires) const;

  const S3Config& config() const { return config_; }

 private:
  struct Handle;
  struct Target {
    std::string url;   // without the query
    std::string host;  // for the signature
    std::string path;  // URI-encoded
  };
  Target TargetFor(std::string_view key) const;
  std::unique_ptr<Handle> Acquire() const;
  void Release(std::unique_ptr<Handle> handle) const;
  // One attempt. `retry` is set when a failure is worth another attempt.
  Result<S3Response> Attempt(Handle& handle, const S3Request& request, bool& retry) const;

  S3Config config_;
  mutable std::mutex pool_mu_;
  mutable std::vector<std::unique_ptr<Handle>> pool_;
};

// The Status an unexpected S3 answer stands for: kNotFound for 404, kPermissionDenied for 403
// (S3's error code and message included), kUnavailable for 5xx, kInternal otherwise.
Status S3Error(const S3Response& response, std::string_view what);

}  // namespace vitrine::blob::s3
