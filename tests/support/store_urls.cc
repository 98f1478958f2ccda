#include "support/store_urls.h"

#include <cstdlib>
#include <random>
#include <stdexcept>

namespace vitrine::testing {
namespace {

std::string EnvOrEmpty(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// Replaces the database of a postgresql:// URL (the path after host:port) by `database`.
std::string WithDatabase(const std::string& url, const std::string& database) {
  auto authority = url.find("://");
  auto path = url.find('/', authority == std::string::npos ? 0 : authority + 3);
  auto query = url.find('?');
  std::string base = path == std::string::npos ? url.substr(0, query) : url.substr(0, path);
  std::string tail = query == std::string::npos ? "" : url.substr(query);
  return base + "/" + database + tail;
}

}  // namespace

std::string UniqueTestName(const std::string& stem) {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  static constexpr char kDigits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string name = stem;
  for (int i = 0; i < 12; ++i) name += kDigits[random() % 36];
  return name;
}

std::string TestCatalogUrl(const std::filesystem::path& dir) {
  std::string server = EnvOrEmpty("VITRINE_TEST_POSTGRES");
  if (server.empty()) return "sqlite://" + (dir / "catalog.db").string();
  // psql rather than libpq here: the tests' only PostgreSQL call outside the catalog itself.
  std::string database = UniqueTestName("vt_");
  std::string command =
      "psql -q -X -v ON_ERROR_STOP=1 '" + server + "' -c 'CREATE DATABASE " + database + "' >/dev/null";
  if (std::system(command.c_str()) != 0) throw std::runtime_error("could not create test database on " + server);
  return WithDatabase(server, database);
}

std::string TestBlobsUrl(const std::filesystem::path& dir) {
  std::string bucket = EnvOrEmpty("VITRINE_TEST_S3");
  if (bucket.empty()) return "file://" + (dir / "blobs").string();
  auto query = bucket.find('?');
  std::string location = bucket.substr(0, query);
  std::string parameters = query == std::string::npos ? "" : bucket.substr(query + 1);
  return location + "/" + UniqueTestName("t") + "?" + parameters + (parameters.empty() ? "" : "&") +
         "cache=" + (dir / "s3-cache").string();
}

}  // namespace vitrine::testing
