#include "http_client.h"

#include "client/http_transport.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <memory>

namespace vitrine::testing {
namespace {

std::size_t AppendBody(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

std::size_t AppendHeader(char* data, std::size_t size, std::size_t n, void* out) {
  std::string name, value;
  if (client::ParseHeaderLine(std::string_view(data, size * n), name, value)) {
    static_cast<std::vector<std::pair<std::string, std::string>>*>(out)->emplace_back(name, value);
  }
  return size * n;
}

std::size_t HandBody(char* data, std::size_t size, std::size_t n, void* on_data) {
  (*static_cast<const std::function<void(std::string_view)>*>(on_data))(std::string_view(data, size * n));
  return size * n;
}

}  // namespace

std::string HttpResult::header(const std::string& name) const {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return "";
}

HttpResult HttpCall(const std::string& method, const std::string& url, const std::vector<std::string>& headers,
                    const std::string& body) {
  return HttpCallFrom("", method, url, headers, body);
}

namespace {

// One request; the body goes to `write` with `write_data`, as curl hands it over.
HttpResult Perform(const std::string& local_address, const std::string& method, const std::string& url,
                   const std::vector<std::string>& headers, const std::string& body, long timeout_ms,
                   curl_write_callback write, void* write_data) {
  HttpResult result;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  curl_slist* list = nullptr;
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> list_owner(list, &curl_slist_free_all);
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
  if (!local_address.empty()) curl_easy_setopt(c, CURLOPT_INTERFACE, ("host!" + local_address).c_str());
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  if (method == "HEAD") curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, write_data);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &AppendHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &result.headers);
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    result.error = curl_easy_strerror(rc);
    return result;
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &result.status);
  return result;
}

}  // namespace

HttpResult HttpCallFrom(const std::string& local_address, const std::string& method, const std::string& url,
                        const std::vector<std::string>& headers, const std::string& body) {
  std::string received;
  HttpResult result = Perform(local_address, method, url, headers, body, 30000L, &AppendBody, &received);
  result.body = std::move(received);
  return result;
}

HttpResult HttpFollow(const std::string& url, const std::vector<std::string>& headers,
                      const std::function<void(std::string_view)>& on_data, long timeout_ms) {
  return Perform("", "GET", url, headers, "", timeout_ms, &HandBody,
                 const_cast<std::function<void(std::string_view)>*>(&on_data));
}

std::string RawExchange(int port, const std::string& raw, int timeout_ms) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    (void)!::write(fd, raw.data(), raw.size());
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    char buf[4096];
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return out;
}

}  // namespace vitrine::testing
