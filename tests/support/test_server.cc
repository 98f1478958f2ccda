#include "test_server.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace vitrine::testing {
namespace {

template <class T>
T Must(Result<T> r, const char* what) {
  if (!r.ok()) throw std::runtime_error(std::string(what) + ": " + r.status().ToString());
  return std::move(r).value();
}

}  // namespace

TestServer::TestServer(http::ServerOptions options)
    : clock_(Timestamp(std::chrono::seconds(1'790'000'000))) {
  catalog_ = Must(catalog::OpenCatalog((dir_.path() / "catalog.db").string()), "open catalog");
  blobs_ = Must(blob::OpenBlobStore((dir_.path() / "blobs").string()), "open blobs");
  service_ = std::make_unique<service::Service>(*catalog_, *blobs_, clock_, FastServiceOptions());
  router_ = std::make_unique<http::Router>(http::MakeApiV1Router(*service_));
  options.host = "127.0.0.1";
  options.port = 0;
  options.threads = 2;
  options.access_log = false;
  server_ = Must(http::Server::Start(options, [this](const http::HttpRequest& r) { return http::Dispatch(*router_, r); }),
                 "start server");
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
