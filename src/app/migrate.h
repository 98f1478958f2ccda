// Copies a whole store (catalog rows with their ids, and every blob they refer to) into another,
// e.g. a data folder into PostgreSQL + S3, or back: `vitrine migrate`.
//
// Blobs go first, each checked against its SHA-256 as it is written, so that no copied row ever
// points at a missing blob. Rows go table by table, parents first, in primary-key order and in
// batches of one transaction each: an interrupted copy leaves every table a prefix of its source,
// and a resumed one continues after the target's last key. The source must not change meanwhile
// (stop its servers first).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "blob/blob_store.h"
#include "catalog/catalog.h"

namespace vitrine::app {

struct MigrationProgress {
  std::string step;  // "blobs" or a table's name
  std::int64_t done = 0;
  std::int64_t total = 0;
  std::int64_t bytes = 0;  // blobs: bytes copied so far
};

struct MigrationOptions {
  // The target holds an earlier, interrupted copy of the same source: continue it. Without this,
  // a target with any row is refused.
  bool resume = false;
  std::size_t batch_rows = 2000;
  std::function<void(const MigrationProgress&)> progress;
};

struct MigrationReport {
  std::int64_t blobs_copied = 0;
  std::int64_t blobs_already_there = 0;
  std::int64_t bytes_copied = 0;
  std::map<std::string, std::int64_t> rows;  // per table, as counted in the target afterwards
};

Result<MigrationReport> CopyStore(catalog::Catalog& from, const blob::BlobStore& from_blobs, catalog::Catalog& to,
                                  blob::BlobStore& to_blobs, const MigrationOptions& options);

}  // namespace vitrine::app
