#include "client/http_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

#include "auth/cytomine_signature.h"
#include "core/ascii.h"
#include "core/time_format.h"
#include "wire/json.h"

namespace vitrine::client {
namespace {

struct CurlCleanup {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
using CurlHandle = std::unique_ptr<CURL, CurlCleanup>;
struct SlistFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using HeaderList = std::unique_ptr<curl_slist, SlistFree>;
struct FileClose {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

std::size_t AppendToString(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

std::size_t CollectHeader(char* data, std::size_t size, std::size_t n, void* out) {
  std::string name, value;
  if (ParseHeaderLine(std::string_view(data, size * n), name, value)) {
    static_cast<HttpReply*>(out)->headers.emplace_back(std::move(name), std::move(value));
  }
  return size * n;
}

bool Transient(long status) { return status == 502 || status == 503 || status == 504; }

struct DownloadState {
  HttpReply* reply;
  const std::function<Status(std::string_view)>* sink;
  Status error;
  long status = 0;
  CURL* curl;
};

std::size_t WriteDownload(char* data, std::size_t size, std::size_t n, void* raw) {
  auto* state = static_cast<DownloadState*>(raw);
  if (state->status == 0) curl_easy_getinfo(state->curl, CURLINFO_RESPONSE_CODE, &state->status);
  std::string_view bytes(data, size * n);
  if (state->status < 200 || state->status >= 300) {
    state->reply->body.append(bytes);  // an error body: small, kept for the message
    return bytes.size();
  }
  state->error = (*state->sink)(bytes);
  return state->error.ok() ? bytes.size() : 0;  // 0 aborts the transfer
}

struct UploadState {
  std::FILE* file;
  std::int64_t sent = 0;
  const std::function<void(std::int64_t)>* progress;
};

std::size_t ReadUpload(char* buffer, std::size_t size, std::size_t n, void* raw) {
  auto* state = static_cast<UploadState*>(raw);
  std::size_t got = std::fread(buffer, 1, size * n, state->file);
  state->sent += static_cast<std::int64_t>(got);
  if (state->progress && *state->progress) (*state->progress)(state->sent);
  return got;
}

}  // namespace

struct HttpTransport::Handles {
  std::mutex mu;
  std::vector<CurlHandle> idle;

  CurlHandle Take() {
    std::lock_guard lock(mu);
    if (idle.empty()) return CurlHandle(curl_easy_init());
    CurlHandle h = std::move(idle.back());
    idle.pop_back();
    curl_easy_reset(h.get());  // keeps the connection cache: reuse across calls
    return h;
  }
  void Give(CurlHandle h) {
    std::lock_guard lock(mu);
    idle.push_back(std::move(h));
  }
};

bool ParseHeaderLine(std::string_view line, std::string& name, std::string& value) {
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return false;
  name = core::Lowercase(line.substr(0, colon));
  std::string_view rest = line.substr(colon + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  while (!rest.empty() && (rest.back() == '\r' || rest.back() == '\n' || rest.back() == ' ')) rest.remove_suffix(1);
  value.assign(rest);
  return true;
}

Status StatusOf(const HttpReply& reply) {
  if (reply.status >= 200 && reply.status < 300) return Status::Ok();
  std::string fallback = "HTTP " + std::to_string(reply.status);
  Status parsed = wire::StatusFromErrorBody(reply.body, fallback);
  if (parsed.code() != ErrorCode::kInternal || reply.status >= 500) return parsed;
  switch (reply.status) {  // a body that is not ours (a proxy's page): go by the status
    case 400:
      return Status::InvalidArgument(fallback);
    case 401:
      return Status::Unauthenticated(fallback);
    case 403:
      return Status::PermissionDenied(fallback);
    case 404:
      return Status::NotFound(fallback);
    case 409:
      return Status::Conflict(fallback);
    case 413:
      return Status::TooLarge(fallback);
    case 415:
      return Status::Unsupported(fallback);
    default:
      return parsed;
  }
}

HttpTransport::HttpTransport(Credentials credentials, TransportOptions options)
    : credentials_(std::move(credentials)), options_(options), handles_(std::make_unique<Handles>()) {}
HttpTransport::~HttpTransport() = default;

Result<std::unique_ptr<HttpTransport>> HttpTransport::Create(Credentials credentials, TransportOptions options) {
  static std::once_flag curl_started;
  std::call_once(curl_started, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (credentials.url.empty()) {
    return Status::InvalidArgument("no server URL: pass --server, set VITRINE_URL, or put \"url\" in " +
                                   DefaultCredentialsPath().string());
  }
  while (credentials.url.ends_with('/')) credentials.url.pop_back();
  if (credentials.empty()) {
    return Status::InvalidArgument(
        "no credentials: set VITRINE_TOKEN (or VITRINE_USERNAME and VITRINE_PASSWORD), or "
        "write them to " +
        DefaultCredentialsPath().string());
  }
  if (!credentials.public_key.empty() && credentials.private_key.empty()) {
    return Status::InvalidArgument("an API public key needs its private key");
  }
  return std::unique_ptr<HttpTransport>(new HttpTransport(std::move(credentials), options));
}

std::string RedactSecrets(std::string_view json_text) {
  static constexpr std::string_view kSecretKeys[] = {"password",    "current_password", "token",
                                                     "private_key", "privateKey",       "access_token"};
  std::string out(json_text);
  for (std::string_view key : kSecretKeys) {
    const std::string quoted = "\"" + std::string(key) + "\"";
    for (std::size_t at = out.find(quoted); at != std::string::npos; at = out.find(quoted, at + 1)) {
      std::size_t value = out.find_first_not_of(" \t\r\n", at + quoted.size());
      if (value == std::string::npos || out[value] != ':') continue;
      value = out.find_first_not_of(" \t\r\n", value + 1);
      if (value == std::string::npos || out[value] != '"') continue;
      std::size_t end = value + 1;
      while (end < out.size() && out[end] != '"') end += out[end] == '\\' ? 2 : 1;
      out.replace(value + 1, std::min(end, out.size()) - value - 1, "REDACTED");
    }
  }
  return out;
}

void HttpTransport::Log(LogLevel level, std::string_view line) const {
  if (!Logs(level)) return;
  if (options_.logging.sink) return options_.logging.sink(level, line);
  static constexpr const char* kNames[] = {"error", "warning", "info", "debug"};
  std::fprintf(stderr, "vitrine client %s: %.*s\n", kNames[static_cast<int>(level)], static_cast<int>(line.size()),
               line.data());
}

template <class Attempt>
Result<HttpReply> HttpTransport::WithRetries(std::string_view what, bool retry, Attempt attempt) {
  auto backoff = options_.first_backoff;
  for (int i = 1;; ++i) {
    auto started = std::chrono::steady_clock::now();
    Result<HttpReply> reply = attempt();
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    if (Logs(LogLevel::kInfo)) {
      char timing[32];
      std::snprintf(timing, sizeof timing, "%.1f ms", ms);
      Log(LogLevel::kInfo, std::string(what) + " -> " +
                               (reply.ok() ? std::to_string(reply->status) : reply.status().message()) + " in " +
                               timing);
    }
    if (reply.ok() && Logs(LogLevel::kDebug))
      Log(LogLevel::kDebug, "response body: " + RedactSecrets(reply->body.substr(0, 1024)));
    bool transient = reply.ok() ? Transient(reply->status) : reply.status().code() == ErrorCode::kUnavailable;
    if (!transient) return reply;
    if (!retry || i >= options_.max_attempts) {
      Log(LogLevel::kError, std::string(what) + " failed after " + std::to_string(i) + " attempt(s): " +
                                (reply.ok() ? "HTTP " + std::to_string(reply->status) : reply.status().message()));
      return reply;
    }
    Log(LogLevel::kWarning, "retrying " + std::string(what) + " in " + std::to_string(backoff.count()) +
                                " ms (attempt " + std::to_string(i + 1) + " of " +
                                std::to_string(options_.max_attempts) + ")");
    std::this_thread::sleep_for(backoff);
    backoff *= 2;
  }
}

namespace {

// Sets URL, method, timeouts and authentication on `curl`; returns the header list to keep alive.
HeaderList Prepare(CURL* curl, const Credentials& c, const TransportOptions& o, std::string_view method,
                   std::string_view path_and_query, std::string_view content_type) {
  std::string url = c.url + std::string(path_and_query);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, std::string(method).c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(o.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(o.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "vitrine-client/0.1");
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip for small bodies
  if (!content_type.empty())
    headers = curl_slist_append(headers, ("Content-Type: " + std::string(content_type)).c_str());
  if (!c.token.empty()) {
    headers = curl_slist_append(headers, ("Authorization: Bearer " + c.token).c_str());
  } else if (!c.public_key.empty()) {
    std::string date =
        core::FormatHttpDate(std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()));
    // The path part of the URL as sent, after any prefix the server is mounted under.
    auto scheme_end = c.url.find("://");
    auto path_start = c.url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
    std::string resource =
        (path_start == std::string::npos ? std::string() : c.url.substr(path_start)) + std::string(path_and_query);
    auth::SignedRequestParts parts{method, content_type, date, resource};
    std::string signature = auth::CytomineSignature(c.private_key, auth::StringToSignWithResource(parts));
    headers = curl_slist_append(headers, ("Date: " + date).c_str());
    headers = curl_slist_append(headers, ("Authorization: CYTOMINE " + c.public_key + ":" + signature).c_str());
  } else {
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERNAME, c.username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, c.password.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  return HeaderList(headers);
}

Status TransportError(CURLcode rc, std::string_view base_url) {
  std::string message = "cannot reach " + std::string(base_url) + ": " + curl_easy_strerror(rc);
  return Status::Unavailable(message);
}

// Collects the reply's body and headers, runs the transfer, and reads the status.
CURLcode PerformInto(CURL* curl, HttpReply& reply) {
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &AppendToString);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &CollectHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply);
  CURLcode rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  return rc;
}

}  // namespace

Result<HttpReply> HttpTransport::Request(std::string_view method, std::string_view path_and_query,
                                         std::string_view json_body, bool retry) {
  if (!json_body.empty() && Logs(LogLevel::kDebug)) {
    Log(LogLevel::kDebug, "request body: " + RedactSecrets(json_body.substr(0, 1024)));
  }
  std::string what = std::string(method) + " " + std::string(path_and_query);
  return WithRetries(what, retry, [&]() -> Result<HttpReply> {
    CurlHandle curl = handles_->Take();
    HttpReply reply;
    HeaderList headers = Prepare(curl.get(), credentials_, options_, method, path_and_query,
                                 json_body.empty() ? "" : "application/json");
    if (!json_body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
      curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, json_body.data());
      curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(json_body.size()));
    }
    if (method == "HEAD") curl_easy_setopt(curl.get(), CURLOPT_NOBODY, 1L);
    CURLcode rc = PerformInto(curl.get(), reply);
    handles_->Give(std::move(curl));
    if (rc != CURLE_OK) return TransportError(rc, credentials_.url);
    return reply;
  });
}

Result<HttpReply> HttpTransport::UploadFile(std::string_view path_and_query, const std::filesystem::path& file,
                                            const std::function<void(std::int64_t)>& progress,
                                            std::string_view content_type, bool retry) {
  std::error_code ec;
  auto size = std::filesystem::file_size(file, ec);
  if (ec) return Status::NotFound("cannot read " + file.string() + ": " + ec.message());
  return WithRetries(
      "POST " + std::string(path_and_query) + " (" + file.string() + ")", retry, [&]() -> Result<HttpReply> {
        std::unique_ptr<std::FILE, FileClose> in(std::fopen(file.c_str(), "rb"));
        if (!in) return Status::NotFound("cannot open " + file.string());
        CurlHandle curl = handles_->Take();
        HttpReply reply;
        HeaderList headers = Prepare(curl.get(), credentials_, options_, "POST", path_and_query, content_type);
        UploadState state{in.get(), 0, &progress};
        curl_easy_setopt(curl.get(), CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(curl.get(), CURLOPT_CUSTOMREQUEST, "POST");
        curl_easy_setopt(curl.get(), CURLOPT_READFUNCTION, &ReadUpload);
        curl_easy_setopt(curl.get(), CURLOPT_READDATA, &state);
        curl_easy_setopt(curl.get(), CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
        CURLcode rc = PerformInto(curl.get(), reply);
        handles_->Give(std::move(curl));
        if (rc != CURLE_OK) return TransportError(rc, credentials_.url);
        return reply;
      });
}

static int ReportUploadProgress(void* data, curl_off_t, curl_off_t, curl_off_t, curl_off_t uploaded) {
  (*static_cast<const std::function<void(std::int64_t)>*>(data))(static_cast<std::int64_t>(uploaded));
  return 0;
}

Result<HttpReply> HttpTransport::UploadForm(std::string_view path_and_query, const std::vector<FormPart>& parts,
                                            const std::function<void(std::int64_t)>& progress, bool retry) {
  for (const FormPart& p : parts) {
    std::error_code ec;
    if (!p.file.empty() && !std::filesystem::is_regular_file(p.file, ec)) {
      return Status::NotFound("cannot read " + p.file.string());
    }
  }
  return WithRetries("POST " + std::string(path_and_query), retry, [&]() -> Result<HttpReply> {
    CurlHandle curl = handles_->Take();
    HttpReply reply;
    HeaderList headers = Prepare(curl.get(), credentials_, options_, "POST", path_and_query, "");
    std::unique_ptr<curl_mime, decltype(&curl_mime_free)> mime(curl_mime_init(curl.get()), &curl_mime_free);
    for (const FormPart& p : parts) {
      curl_mimepart* part = curl_mime_addpart(mime.get());
      curl_mime_name(part, p.name.c_str());
      if (p.file.empty()) {
        curl_mime_data(part, p.text.data(), p.text.size());
      } else {
        curl_mime_filedata(part, p.file.c_str());  // read from disk as it is sent
      }
      if (!p.filename.empty()) curl_mime_filename(part, p.filename.c_str());
      if (!p.content_type.empty()) curl_mime_type(part, p.content_type.c_str());
    }
    curl_easy_setopt(curl.get(), CURLOPT_MIMEPOST, mime.get());
    curl_easy_setopt(curl.get(), CURLOPT_CUSTOMREQUEST, "POST");
    if (progress) {
      curl_easy_setopt(curl.get(), CURLOPT_XFERINFOFUNCTION, &ReportUploadProgress);
      curl_easy_setopt(curl.get(), CURLOPT_XFERINFODATA, &progress);
      curl_easy_setopt(curl.get(), CURLOPT_NOPROGRESS, 0L);
    }
    CURLcode rc = PerformInto(curl.get(), reply);
    handles_->Give(std::move(curl));
    if (rc != CURLE_OK) return TransportError(rc, credentials_.url);
    return reply;
  });
}

Result<HttpReply> HttpTransport::UploadMultipart(std::string_view path_and_query, const std::string& metadata_json,
                                                 const std::filesystem::path& file, const std::string& filename,
                                                 const std::function<void(std::int64_t)>& progress) {
  return UploadForm(path_and_query,
                    {{"metadata", metadata_json, {}, "", "application/json"}, {"file", "", file, filename, ""}},
                    progress);
}

Result<HttpReply> HttpTransport::Download(std::string_view path_and_query,
                                          const std::function<Status(std::string_view)>& sink) {
  CurlHandle curl = handles_->Take();
  HttpReply reply;
  HeaderList headers = Prepare(curl.get(), credentials_, options_, "GET", path_and_query, "");
  DownloadState state{&reply, &sink, Status::Ok(), 0, curl.get()};
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, &WriteDownload);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &state);
  curl_easy_setopt(curl.get(), CURLOPT_HEADERFUNCTION, &CollectHeader);
  curl_easy_setopt(curl.get(), CURLOPT_HEADERDATA, &reply);
  // A server may send downloads to its object store (serve --redirect-downloads). curl sends
  // our Authorization header to the same host and port only, never on to the store.
  curl_easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_MAXREDIRS, 3L);
  curl_easy_setopt(curl.get(), CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  CURLcode rc = curl_easy_perform(curl.get());
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &reply.status);
  curl_easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 0L);
  handles_->Give(std::move(curl));
  if (!state.error.ok()) return state.error;
  if (rc != CURLE_OK) return TransportError(rc, credentials_.url);
  return reply;
}

}  // namespace vitrine::client
