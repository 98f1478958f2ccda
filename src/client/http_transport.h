// HTTP for remote clients (libcurl): authentication on every request, connection reuse,
// retries with backoff for transient failures, and streaming in both directions so files of
// any size move in bounded memory. Safe for concurrent use; each call borrows a pooled handle.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "client/credentials.h"
#include "vitrine/client.h"
#include "vitrine/status.h"

namespace vitrine::client {

struct TransportOptions {
  std::chrono::seconds timeout{600};  // whole request
  std::chrono::seconds connect_timeout{10};
  int max_attempts = 4;                          // for transient failures
  std::chrono::milliseconds first_backoff{250};  // doubled after each failed attempt
  ClientOptions logging;
};

struct HttpReply {
  long status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // lowercase names
};

// Splits one raw response header line ("Name: value\r\n") into a lowercase name and a trimmed
// value; false for a line that is not a header (the status line, the blank line).
bool ParseHeaderLine(std::string_view line, std::string& name, std::string& value);

// kOk for 2xx; otherwise the server's {"error": ...} as a Status (or a status-derived one).
Status StatusOf(const HttpReply& reply);

// `json_text` with the string values of credential fields (password, token, private_key, ...)
// replaced by "REDACTED": what the debug log may show of a body.
std::string RedactSecrets(std::string_view json_text);

class HttpTransport {
 public:
  // kInvalidArgument without a URL or any credentials.
  static Result<std::unique_ptr<HttpTransport>> Create(Credentials credentials, TransportOptions options = {});
  ~HttpTransport();

  const std::string& base_url() const { return credentials_.url; }

  // A request with an optional JSON body. `retry` marks it safe to repeat (reads, PUTs,
  // DELETEs, uploads that dedupe by content): connection failures and 502/503/504 are retried.
  Result<HttpReply> Request(std::string_view method, std::string_view path_and_query, std::string_view json_body = {},
                            bool retry = true);
  // POSTs `file` as the raw request body of type `content_type`. `progress(bytes_sent_so_far)`
  // is called as it goes. `retry` as for Request: only when sending it twice does no harm.
  Result<HttpReply> UploadFile(std::string_view path_and_query, const std::filesystem::path& file,
                               const std::function<void(std::int64_t)>& progress = {},
                               std::string_view content_type = "application/octet-stream", bool retry = true);
  // One part of a multipart/form-data body: `text`, or `file` streamed from disk when set.
  struct FormPart {
    std::string name;
    std::string text;
    std::filesystem::path file{};
    std::string filename{};  // the part's filename, when not empty
    std::string content_type{};
  };
  // POSTs `parts` as multipart/form-data. `retry` as for Request.
  Result<HttpReply> UploadForm(std::string_view path_and_query, const std::vector<FormPart>& parts,
                               const std::function<void(std::int64_t)>& progress = {}, bool retry = true);
  // Sends a multipart/form-data body: a JSON `metadata` part, then `file` streamed from disk.
  // `progress(bytes_sent_so_far)` is called as it goes (the metadata part included).
  Result<HttpReply> UploadMultipart(std::string_view path_and_query, const std::string& metadata_json,
                                    const std::filesystem::path& file, const std::string& filename,
                                    const std::function<void(std::int64_t)>& progress = {});
  // Streams a 2xx response body into `sink`; an error reply's body is returned whole instead.
  Result<HttpReply> Download(std::string_view path_and_query, const std::function<Status(std::string_view)>& sink);

  struct Handles;

 private:
  HttpTransport(Credentials credentials, TransportOptions options);
  template <class Attempt>
  Result<HttpReply> WithRetries(std::string_view what, bool retry, Attempt attempt);
  void Log(LogLevel level, std::string_view line) const;
  bool Logs(LogLevel level) const { return level <= options_.logging.verbosity; }

  Credentials credentials_;
  TransportOptions options_;
  std::unique_ptr<Handles> handles_;
};

}  // namespace vitrine::client
