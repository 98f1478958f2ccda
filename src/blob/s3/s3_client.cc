// Signing: libcurl 7.88 signs requests itself (CURLOPT_AWS_SIGV4), and does so correctly as
// long as (1) the payload hash comes in an x-amz-content-sha256 header, which it then signs
// and uses as is (it never hashes a body it streams through a read callback: without the
// header a streamed PUT gets the empty body's hash, and S3 refuses it), and (2) the path and
// query need no percent-encoding: curl 7.88 puts them in the canonical request as they are
// sent, where SigV4 wants each name and value encoded once, so a query such as
// prefix=a%2Fb (every listing under our prefix) fails with SignatureDoesNotMatch. Requests
// whose path or query hold a '%' are therefore signed by our own sigv4 code; all others by
// curl. Our query strings are always sent in canonical form (sorted, every name with '=').
// (3) curl 7.88 also signs a header-removal line ("Expect:") as an empty header it never
// sends, so curl-signed requests keep curl's own Expect handling. Checked against moto with
// signature checks on (tests/support/services.sh --s3-auth).
#include "blob/s3/s3_client.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>
#include <thread>

#include "blob/s3/xml.h"
#include "core/ascii.h"

namespace vitrine::blob::s3 {
namespace {

constexpr int kAttempts = 5;
constexpr std::size_t kMaxBufferedBody = std::size_t{16} << 20;

struct CurlCleanup {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistFree {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using HeaderList = std::unique_ptr<curl_slist, SlistFree>;

void Append(HeaderList& list, const std::string& line) { list.reset(curl_slist_append(list.release(), line.c_str())); }

// One attempt's state, seen by curl's callbacks.
struct Exchange {
  CURL* curl = nullptr;
  const S3Request* request = nullptr;
  int body_fd = -1;
  std::int64_t sent = 0;
  S3Response response;
  Status sink_status;
};

bool Is2xx(CURL* curl) {
  long code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  return code >= 200 && code < 300;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto& exchange = *static_cast<Exchange*>(user);
  std::string_view bytes(data, size * count);
  if (exchange.request->sink != nullptr && Is2xx(exchange.curl)) {
    exchange.sink_status = exchange.request->sink->Write(bytes);
    return exchange.sink_status.ok() ? bytes.size() : 0;
  }
  if (exchange.response.body.size() + bytes.size() > kMaxBufferedBody) {
    exchange.sink_status = Status::Internal("S3 answer is larger than expected");
    return 0;
  }
  exchange.response.body.append(bytes);
  return bytes.size();
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto& exchange = *static_cast<Exchange*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    exchange.response.headers.clear();  // a 100 Continue's, or a redirect's
  } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    exchange.response.headers[core::Lowercase(line.substr(0, colon))] = std::string(value);
  }
  return size * count;
}

size_t OnRead(char* buffer, size_t size, size_t count, void* user) {
  auto& exchange = *static_cast<Exchange*>(user);
  const S3Request& request = *exchange.request;
  std::int64_t left = request.body_length - exchange.sent;
  std::size_t want = static_cast<std::size_t>(std::min<std::int64_t>(left, static_cast<std::int64_t>(size * count)));
  if (want == 0) return 0;
  ssize_t n;
  do {
    n = ::pread(exchange.body_fd, buffer, want, request.body_offset + exchange.sent);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) {
    exchange.sink_status = Status::Internal("cannot read " + request.body_file.string() + " to upload it");
    return CURL_READFUNC_ABORT;
  }
  exchange.sent += n;
  return static_cast<size_t>(n);
}

int OnSeek(void* user, curl_off_t offset, int origin) {
  auto& exchange = *static_cast<Exchange*>(user);
  if (origin != SEEK_SET || offset < 0 || offset > exchange.request->body_length) return CURL_SEEKFUNC_FAIL;
  exchange.sent = offset;
  return CURL_SEEKFUNC_OK;
}

bool RetryableCurlError(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

std::chrono::milliseconds Backoff(int attempt) {
  static thread_local std::mt19937 random{std::random_device{}()};
  auto base = std::min(std::chrono::milliseconds(100 << attempt), std::chrono::milliseconds(3000));
  return base + std::chrono::milliseconds(random() % 100);
}

}  // namespace

struct S3Client::Handle {
  std::unique_ptr<CURL, CurlCleanup> curl{curl_easy_init()};
  char error[CURL_ERROR_SIZE] = {};
};

std::string S3Response::Header(const std::string& name) const {
  auto found = headers.find(name);
  return found == headers.end() ? "" : found->second;
}

S3Client::S3Client(S3Config config) : config_(std::move(config)) {
  static std::once_flag curl_started;
  std::call_once(curl_started, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

S3Client::~S3Client() = default;

S3Client::Target S3Client::TargetFor(std::string_view key) const {
  const std::string& endpoint = config_.endpoint;
  auto authority = endpoint.find("://") + 3;
  std::string scheme = endpoint.substr(0, authority);
  std::string host = endpoint.substr(authority);
  Target target;
  if (config_.virtual_host) {
    target.host = config_.bucket + "." + host;
    target.path = "/" + UriEncode(key, true);
  } else {
    target.host = host;
    target.path = "/" + UriEncode(config_.bucket, false) + (key.empty() ? "" : "/" + UriEncode(key, true));
  }
  target.url = scheme + target.host + target.path;
  return target;
}

std::unique_ptr<S3Client::Handle> S3Client::Acquire() const {
  {
    std::lock_guard lock(pool_mu_);
    if (!pool_.empty()) {
      auto handle = std::move(pool_.back());
      pool_.pop_back();
      return handle;
    }
  }
  return std::make_unique<Handle>();
}

void S3Client::Release(std::unique_ptr<Handle> handle) const {
  curl_easy_reset(handle->curl.get());  // keeps its live connections
  std::lock_guard lock(pool_mu_);
  pool_.push_back(std::move(handle));
}

Result<S3Response> S3Client::Perform(const S3Request& request) const {
  auto handle = Acquire();
  if (!handle->curl) return Status::Internal("cannot start a curl handle");
  Result<S3Response> result = Status::Internal("no attempt made");
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    if (attempt > 0) {
      std::this_thread::sleep_for(Backoff(attempt));
      if (request.sink != nullptr) {
        if (Status reset = request.sink->Reset(); !reset.ok()) {
          result = reset;
          break;
        }
      }
    }
    bool retry = false;
    result = Attempt(*handle, request, retry);
    if (!retry) break;
  }
  Release(std::move(handle));
  return result;
}

Result<S3Response> S3Client::Attempt(Handle& handle, const S3Request& request, bool& retry) const {
  CURL* curl = handle.curl.get();
  curl_easy_reset(curl);
  Exchange exchange;
  exchange.curl = curl;
  exchange.request = &request;

  Target target = TargetFor(request.key);
  std::string query = CanonicalQuery(request.query);
  std::string url = target.url + (query.empty() ? "" : "?" + query);
  const std::string payload_hash = request.payload_hash.empty() ? std::string(kEmptyPayloadHash) : request.payload_hash;
  const bool curl_signs = target.path.find('%') == std::string::npos && query.find('%') == std::string::npos;

  HeaderList headers;
  Params signed_headers = request.headers;
  signed_headers.emplace_back("x-amz-content-sha256", payload_hash);
  if (!config_.credentials.session_token.empty()) {
    signed_headers.emplace_back("x-amz-security-token", config_.credentials.session_token);
  }
  if (curl_signs) {
    std::string sigv4 = "aws:amz:" + config_.region + ":s3";
    curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4.c_str());  // copied by curl
    curl_easy_setopt(curl, CURLOPT_USERNAME, config_.credentials.access_key_id.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, config_.credentials.secret_access_key.c_str());
  } else {
    std::string amz_date = AmzDate(std::chrono::system_clock::now());
    signed_headers.emplace_back("x-amz-date", amz_date);
    RequestToSign to_sign{request.method, target.host, target.path, request.query, signed_headers, payload_hash};
    Append(headers, "Authorization: " + AuthorizationHeader(config_.credentials, config_.region, amz_date, to_sign));
  }
  for (const auto& [name, value] : signed_headers) Append(headers, name + ": " + value);
  if (curl_signs) {
    // curl 7.88 would sign an "Expect:" removal as a header it then does not send.
    curl_easy_setopt(curl, CURLOPT_EXPECT_100_TIMEOUT_MS, 200L);
  } else {
    Append(headers, "Expect:");  // no 100-continue round trip before bodies
  }

  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, handle.error);
  handle.error[0] = '\0';
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);  // a stalled transfer ends after a minute
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &exchange);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &exchange);

  struct FdCloser {
    int& fd;
    ~FdCloser() {
      if (fd >= 0) ::close(fd);
    }
  } closer{exchange.body_fd};
  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    if (!request.body_file.empty()) {
      exchange.body_fd = ::open(request.body_file.c_str(), O_RDONLY | O_CLOEXEC);
      if (exchange.body_fd < 0) return Status::Internal("cannot open " + request.body_file.string() + " to upload it");
      curl_easy_setopt(curl, CURLOPT_READFUNCTION, OnRead);
      curl_easy_setopt(curl, CURLOPT_READDATA, &exchange);
      curl_easy_setopt(curl, CURLOPT_SEEKFUNCTION, OnSeek);
      curl_easy_setopt(curl, CURLOPT_SEEKDATA, &exchange);
      curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body_length));
    } else {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");
      curl_easy_setopt(curl, CURLOPT_UPLOAD, 0L);
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    }
  } else if (request.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  CURLcode code = curl_easy_perform(curl);
  if (!exchange.sink_status.ok()) return exchange.sink_status;
  if (code != CURLE_OK) {
    retry = RetryableCurlError(code);
    std::string detail = handle.error[0] != '\0' ? handle.error : curl_easy_strerror(code);
    return Status::Unavailable("S3 endpoint " + config_.endpoint + " cannot be reached: " + detail);
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &exchange.response.status);
  if (exchange.response.status >= 500) {
    retry = true;
    return S3Error(exchange.response, "at " + config_.endpoint + ": " + request.method + " " + target.path);
  }
  return std::move(exchange.response);
}

std::string S3Client::PresignedGetUrl(std::string_view key, std::chrono::seconds expires) const {
  Target target = TargetFor(key);
  std::string amz_date = AmzDate(std::chrono::system_clock::now());
  return target.url + "?" +
         PresignGetQuery(config_.credentials, config_.region, amz_date, target.host, target.path, expires);
}

Status S3Error(const S3Response& response, std::string_view what) {
  std::string code = XmlText(response.body, "Code");
  std::string message = XmlText(response.body, "Message");
  std::string text = "S3 " + std::string(what) + ": HTTP " + std::to_string(response.status) +
                     (code.empty() ? "" : " " + code) + (message.empty() ? "" : " (" + message + ")");
  if (response.status == 404) return Status::NotFound(text);
  // Refused credentials (wrong, rotated or expired keys, a skewed clock) are the server's
  // configuration, not the client's request: 503 to clients, and the operator reads the log.
  if (response.status == 401 || response.status == 403 || code == "ExpiredToken" || code == "RequestTimeTooSkewed" ||
      response.status >= 500) {
    return Status::Unavailable(text);
  }
  return Status::Internal(text);
}

}  // namespace vitrine::blob::s3
