// Where a command's store is, and what of its URLs may be printed.
#include <gtest/gtest.h>

#include <cstdlib>

#include "app/data_dir.h"

namespace vitrine::app {
namespace {

TEST(StoreLocationTest, RedactedHidesPasswordsWhereverTheUrlPutsThem) {
  EXPECT_EQ(StoreLocation::Redacted("postgresql://vitrine:s3cret@db:5432/v?pool=4"),
            "postgresql://vitrine:***@db:5432/v?pool=4");
  EXPECT_EQ(StoreLocation::Redacted("postgresql://db/v?password=s3cret&sslmode=require"),
            "postgresql://db/v?password=***&sslmode=require");
  EXPECT_EQ(StoreLocation::Redacted("postgresql://u:a@db/v?pool=2&password=b"),
            "postgresql://u:***@db/v?pool=2&password=***");
  EXPECT_EQ(StoreLocation::Redacted("postgresql://db/v?application_password=x"),
            "postgresql://db/v?application_password=x");
  EXPECT_EQ(StoreLocation::Redacted("s3://bucket/prefix?region=eu-west-1"), "s3://bucket/prefix?region=eu-west-1");
}

TEST(StoreLocationTest, DefaultsAreTheDataFolder) {
  StoreLocation location{"/srv/v", "", ""};
  StoreLocation resolved = location.Resolved();
  if (std::getenv("VITRINE_CATALOG") == nullptr) {
    EXPECT_EQ(resolved.catalog_url, "sqlite:///srv/v/catalog.db");
  }
  if (std::getenv("VITRINE_BLOBS") == nullptr) {
    EXPECT_EQ(resolved.blobs_url, "file:///srv/v/blobs");
  }
  StoreLocation named{"/srv/v", "postgresql://db/v", "s3://b"};
  EXPECT_EQ(named.Resolved().catalog_url, "postgresql://db/v");
  EXPECT_EQ(named.Resolved().blobs_url, "s3://b");
}

}  // namespace
}  // namespace vitrine::app
