// A complete Vitrine on a temp data folder, served on a free loopback port, with a clock the
// test controls. Argon2 runs with light parameters so tests that create many users stay fast.
#pragma once

#include <memory>
#include <string>

#include "blob/blob_store.h"
#include "catalog/catalog.h"
#include "core/clock.h"
#include "http/api_v1.h"
#include "http/server.h"
#include "service/service.h"
#include "temp_dir.h"

namespace vitrine::testing {

inline service::ServiceOptions FastServiceOptions() {
  service::ServiceOptions options;
  options.password_hashing = {/*memory_kib=*/1024, /*passes=*/1, /*lanes=*/1};
  return options;
}

class TestServer {
 public:
  explicit TestServer(http::ServerOptions options = {}, service::ServiceOptions service_options = FastServiceOptions());
  ~TestServer();

  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  int port() const { return port_; }
  service::Service& service() { return *service_; }
  blob::BlobStore& blobs() { return *blobs_; }
  core::ManualClock& clock() { return clock_; }
  core::Executor& executor() { return executor_; }  // for in-process job workers
  const std::filesystem::path& data_dir() const { return dir_.path(); }

  // Creates a user and returns a fresh bearer token for them.
  std::string CreateUserWithToken(const std::string& username, bool admin = false, UserId* id = nullptr);

 private:
  TempDir dir_;
  core::ManualClock clock_;
  core::Executor executor_;  // before everything that hands it work: the last to go
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<blob::BlobStore> blobs_;
  std::unique_ptr<service::Service> service_;
  std::unique_ptr<http::RouterApplication> app_;
  std::unique_ptr<http::Server> server_;
  int port_ = 0;
};

}  // namespace vitrine::testing
