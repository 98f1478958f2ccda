// Where a test's catalog and blobs live: in its temporary folder (SQLite, files) by default, or
// on the servers tests/support/services.sh started, so that the same tests run on every backend.
#pragma once

#include <filesystem>
#include <string>

namespace vitrine::testing {

// A fresh, empty catalog: a new database on VITRINE_TEST_POSTGRES's server when that is set,
// else a SQLite file in `dir`.
std::string TestCatalogUrl(const std::filesystem::path& dir);

// A fresh, empty blob store: a new key prefix in VITRINE_TEST_S3's bucket when that is set
// (its local cache in `dir`), else a folder in `dir`.
std::string TestBlobsUrl(const std::filesystem::path& dir);

// A name no other test of this run uses (lowercase letters and digits).
std::string UniqueTestName(const std::string& stem);

}  // namespace vitrine::testing
