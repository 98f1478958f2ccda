// A Service over a fresh catalog and blob store (tests/support/store_urls.h), with a manual clock; no HTTP.
#pragma once

#include <gtest/gtest.h>

#include "blob/blob_store.h"
#include "catalog/catalog.h"
#include "imaging/init.h"
#include "service/service.h"
#include "support/store_urls.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace vitrine::testing {

class ServiceFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(imaging::InitializeImaging("vitrine-tests").ok());
    auto c = catalog::OpenCatalog(TestCatalogUrl(dir_.path()), &executor_);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    catalog_ = std::move(*c);
    auto b = blob::OpenBlobStore(TestBlobsUrl(dir_.path()));
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    blobs_ = std::move(*b);
    service_ = std::make_unique<service::Service>(*catalog_, *blobs_, clock_, executor_, FastServiceOptions());
  }

  service::Caller AddUser(const std::string& name, bool admin = false) {
    auto u = service_->users().Create(service::Caller::LocalOperator(), {name, "password-" + name, "", "", admin});
    EXPECT_TRUE(u.ok()) << u.status().ToString();
    return service::Caller::ForUser(*u);
  }

  TempDir dir_;
  core::ManualClock clock_{Timestamp(std::chrono::seconds(1'790'000'000))};
  core::Executor executor_;  // before what hands it work: the last to go
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<blob::BlobStore> blobs_;
  std::unique_ptr<service::Service> service_;
};

}  // namespace vitrine::testing
