#include "app/migrate.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>

namespace vitrine::app {
namespace {

using catalog::Cell;
using catalog::Row;
using catalog::RowCopier;
using catalog::TableShape;

std::size_t ColumnIndex(const TableShape& table, std::string_view column) {
  return std::find(table.columns.begin(), table.columns.end(), column) - table.columns.begin();
}

// Both backends must describe the same tables with the same columns (in any order).
Status CheckSameShapes(const std::vector<TableShape>& from, const std::vector<TableShape>& to) {
  for (const TableShape& table : from) {
    auto match = std::find_if(to.begin(), to.end(), [&](const TableShape& t) { return t.name == table.name; });
    if (match == to.end()) return Status::InvalidArgument("the target catalog has no table '" + table.name + "'");
    std::set<std::string> ours(table.columns.begin(), table.columns.end());
    std::set<std::string> theirs(match->columns.begin(), match->columns.end());
    if (ours != theirs) {
      return Status::InvalidArgument("table '" + table.name +
                                     "' has other columns in the target catalog: are both at the same version?");
    }
  }
  return Status::Ok();
}

// Rows a fresh catalog does not hold: every row but the built-in analytics' documents, which
// every store registers when it opens (the source's are the same rows, with the same ids).
Result<std::int64_t> RowsBeyondAFreshStore(const RowCopier& rows, const std::vector<TableShape>& tables) {
  std::int64_t total = 0;
  for (const TableShape& table : tables) {
    VITRINE_ASSIGN_OR_RETURN(std::int64_t n, rows.CountRows(table.name));
    if (table.name == "analytics" && n > 0) {
      const std::size_t builtin = ColumnIndex(table, "builtin");
      VITRINE_ASSIGN_OR_RETURN(std::vector<Row> all, rows.ReadRows(table, {}, static_cast<std::size_t>(n)));
      for (const Row& row : all) {
        if (builtin < row.size()) {
          const auto* flag = std::get_if<std::int64_t>(&row[builtin]);
          const auto* text = std::get_if<std::string>(&row[builtin]);
          if ((flag && *flag != 0) || (text && (*text == "t" || *text == "true" || *text == "1"))) --n;
        }
      }
    }
    total += n;
  }
  return total;
}

// The tables and columns that name blobs: everything Catalog::IsBlobReferenced looks at.
const std::map<std::string, std::string> kBlobColumns = {{"images", "blob_sha256"},
                                                         {"image_derivatives", "blob_sha256"},
                                                         {"data_files", "sha256"},
                                                         {"job_outputs", "sha256"},
                                                         {"analytics", "bundle_sha256"}};

// The SHA-256 of every blob the catalog refers to: images and their derived blobs, data files,
// job outputs and analytic bundles.
Result<std::set<std::string>> ReferencedBlobs(const RowCopier& rows, const std::vector<TableShape>& tables,
                                              std::size_t batch) {
  std::set<std::string> hashes;
  for (const TableShape& table : tables) {
    auto named = kBlobColumns.find(table.name);
    if (named == kBlobColumns.end()) continue;
    const std::size_t column = ColumnIndex(table, named->second);
    if (column == table.columns.size()) return Status::Internal(table.name + " has no " + named->second + " column");
    Row after;
    while (true) {
      VITRINE_ASSIGN_OR_RETURN(std::vector<Row> page, rows.ReadRows(table, after, batch));
      if (page.empty()) break;
      for (const Row& row : page) {
        if (const auto* hash = std::get_if<std::string>(&row[column])) hashes.insert(*hash);
      }
      after.clear();
      for (const std::string& key : table.key) after.push_back(page.back()[ColumnIndex(table, key)]);
    }
  }
  return hashes;
}

// Copies one blob unless the target holds it already; true when copied.
Result<bool> CopyBlob(const std::string& sha256, const blob::BlobStore& from, blob::BlobStore& to,
                      std::int64_t& bytes_copied) {
  VITRINE_ASSIGN_OR_RETURN(std::int64_t size, from.Size(sha256));
  if (auto there = to.Size(sha256); there.ok() && *there == size) return false;
  VITRINE_ASSIGN_OR_RETURN(auto source, from.Open(sha256, {}));
  VITRINE_ASSIGN_OR_RETURN(auto writer, to.StartPut(size));
  std::array<char, 256 * 1024> chunk;
  while (true) {
    VITRINE_ASSIGN_OR_RETURN(std::size_t n, source->Read(chunk));
    if (n == 0) break;
    VITRINE_RETURN_IF_ERROR(writer->Write(std::string_view(chunk.data(), n)));
    bytes_copied += static_cast<std::int64_t>(n);
  }
  VITRINE_ASSIGN_OR_RETURN(blob::BlobRef written, writer->Commit());
  if (written.sha256 != sha256) {
    return Status::Internal("blob " + sha256 + " in the source does not match its hash (its bytes hash to " +
                            written.sha256 + "): the source store is damaged");
  }
  return true;
}

Status CopyTable(const TableShape& table, RowCopier& from, RowCopier& to, const MigrationOptions& options) {
  MigrationProgress progress{table.name, 0, 0, 0};
  VITRINE_ASSIGN_OR_RETURN(progress.total, from.CountRows(table.name));
  Row after;
  if (options.resume) {
    VITRINE_ASSIGN_OR_RETURN(after, to.LastKey(table));
    VITRINE_ASSIGN_OR_RETURN(progress.done, to.CountRows(table.name));
  }
  while (true) {
    VITRINE_ASSIGN_OR_RETURN(std::vector<Row> page, from.ReadRows(table, after, options.batch_rows));
    if (page.empty()) break;
    VITRINE_RETURN_IF_ERROR(to.WriteRows(table, page));
    after.clear();
    for (const std::string& key : table.key) after.push_back(page.back()[ColumnIndex(table, key)]);
    progress.done += static_cast<std::int64_t>(page.size());
    if (options.progress) options.progress(progress);
  }
  return Status::Ok();
}

}  // namespace

Result<MigrationReport> CopyStore(catalog::Catalog& from, const blob::BlobStore& from_blobs, catalog::Catalog& to,
                                  blob::BlobStore& to_blobs, const MigrationOptions& options) {
  RowCopier& source = from.rows();
  RowCopier& target = to.rows();
  VITRINE_ASSIGN_OR_RETURN(std::vector<TableShape> tables, source.Tables());
  VITRINE_ASSIGN_OR_RETURN(std::vector<TableShape> target_tables, target.Tables());
  VITRINE_RETURN_IF_ERROR(CheckSameShapes(tables, target_tables));
  VITRINE_ASSIGN_OR_RETURN(std::int64_t rows_in_target, RowsBeyondAFreshStore(target, tables));
  if (rows_in_target > 0 && !options.resume) {
    return Status::Conflict("the target catalog is not empty (" + std::to_string(rows_in_target) +
                            " rows): choose an empty one, or resume an interrupted migration into it");
  }

  MigrationReport report;
  VITRINE_ASSIGN_OR_RETURN(std::set<std::string> blobs, ReferencedBlobs(source, tables, options.batch_rows));
  MigrationProgress progress{"blobs", 0, static_cast<std::int64_t>(blobs.size()), 0};
  for (const std::string& sha256 : blobs) {
    if (!blob::IsSha256Hex(sha256)) return Status::Internal("the source catalog names a blob '" + sha256 + "'");
    VITRINE_ASSIGN_OR_RETURN(bool copied, CopyBlob(sha256, from_blobs, to_blobs, report.bytes_copied));
    ++(copied ? report.blobs_copied : report.blobs_already_there);
    ++progress.done;
    progress.bytes = report.bytes_copied;
    if (options.progress) options.progress(progress);
  }

  for (const TableShape& table : tables) VITRINE_RETURN_IF_ERROR(CopyTable(table, source, target, options));
  VITRINE_RETURN_IF_ERROR(target.FinishCopy());

  for (const TableShape& table : tables) {
    VITRINE_ASSIGN_OR_RETURN(std::int64_t expected, source.CountRows(table.name));
    VITRINE_ASSIGN_OR_RETURN(std::int64_t copied, target.CountRows(table.name));
    if (copied != expected) {
      return Status::Internal("table " + table.name + ": " + std::to_string(expected) + " rows in the source, " +
                              std::to_string(copied) + " in the target after the copy");
    }
    report.rows[table.name] = copied;
  }
  return report;
}

}  // namespace vitrine::app
