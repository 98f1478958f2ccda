#include "test_server.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "imaging/init.h"
#include "support/store_urls.h"

namespace vitrine::testing {
namespace {

void Must(const Status& s, const char* what) {
  if (!s.ok()) throw std::runtime_error(std::string(what) + ": " + s.ToString());
}

template <class T>
T Must(Result<T> r, const char* what) {
  if (!r.ok()) throw std::runtime_error(std::string(what) + ": " + r.status().ToString());
  return std::move(r).value();
}

}  // namespace

TestServer::TestServer(http::ServerOptions options, service::ServiceOptions service_options)
    : clock_(Timestamp(std::chrono::seconds(1'790'000'000))) {
  Must(imaging::InitializeImaging("vitrine-tests"), "start libvips");
  catalog_ = Must(catalog::OpenCatalog(TestCatalogUrl(dir_.path()), &executor_), "open catalog");
  blobs_ = Must(blob::OpenBlobStore(TestBlobsUrl(dir_.path())), "open blobs");
  service_options.images.view_cache_dir = dir_.path() / "cache" / "views";
  service_ = std::make_unique<service::Service>(*catalog_, *blobs_, clock_, executor_, std::move(service_options));
  app_ = std::make_unique<http::RouterApplication>(http::MakeApiV1Router(*service_));
  options.host = "127.0.0.1";
  options.port = 0;
  options.threads = 2;
  options.access_log = false;
  options.executor = &executor_;
  server_ = Must(http::Server::Start(options, *app_), "start server");
  port_ = server_->port();
}

TestServer::~TestServer() { server_->Stop(); }

std::string TestServer::CreateUserWithToken(const std::string& username, bool admin, UserId* id) {
  auto& users = service_->users();
  User user = Must(users.Create(service::Caller::LocalOperator(), {username, "password-" + username, "", "", admin}),
                   "create user");
  if (id) *id = user.id;
  return Must(users.IssueToken(service::Caller::LocalOperator(), user.id, std::nullopt), "issue token").token;
}

}  // namespace vitrine::testing
