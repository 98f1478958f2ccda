// A descriptor's results over a list of resources, and the files they are given out as: BisQue's
// HDF5 layout (tables /values and /status, read by bqapi with PyTables), CSV and JSON.
#pragma once

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "features/descriptor.h"
#include "vitrine/features.h"
#include "vitrine/status.h"

namespace vitrine::features {

// One row of the table: a row of a resource, or the one row of a resource that failed.
struct TableRow {
  // Names of the resources the row describes ("" when absent): an image, its mask image, an
  // annotation (BisQue's gobject).
  std::string image, mask, annotation;
  // HTTP-like: 200, or the error of the resource (400, 404, 415, 500).
  int status = 200;
  std::string error;  // why, when status is not 200
  Row row;            // values empty when status is not 200
};

struct Table {
  const DescriptorInfo* info = nullptr;  // the descriptor's (or the same read back from a server)
  std::vector<TableRow> rows;            // in request order; each resource's rows together
};

// The HDF5 file in memory. Columns of /values: image, mask, gobject (2000-byte strings, cut
// beyond), feature (float32[length], int32 for SIFT), then the descriptor's columns; /status:
// status (int16), one row per /values row. A failed row's feature and columns are zeros.
Result<std::string> EncodeHdf5(const Table& table);
// CSV with a header: index, image, mask, annotation, status, error, then the columns, then
// feature_0 .. feature_{length-1}. Numbers are written to round-trip exactly.
std::string EncodeCsv(const Table& table);
// {"feature": NAME, "length": L, "columns": [names], "rows": [{"image", "mask", "annotation",
// <columns>, "feature", "status", "error"?}]}
nlohmann::json TableJson(const Table& table);
// A table's CSV or JSON text made piece by piece, as its rows come: Begin, then Rows for each
// batch in order, then End; together, the text of the whole table (EncodeCsv, TableJson).
class TableTextEncoder {
 public:
  TableTextEncoder(const DescriptorInfo& info, FeatureFormat format) : info_(info), format_(format) {}
  std::string Begin() const;
  std::string Rows(const std::vector<TableRow>& rows);
  std::string End() const;

 private:
  const DescriptorInfo& info_;
  FeatureFormat format_;  // kCsv or kJson
  std::size_t rows_ = 0;
};

// A table in one of the formats.
Result<std::string> EncodeTable(const Table& table, FeatureFormat format);
// A table written in one of the formats to a file (through a TableFileWriter).
Status WriteTableFile(const Table& table, FeatureFormat format, const std::filesystem::path& destination);

// Writes a table to a file as its rows come, holding no more than the rows given at a time: CSV
// lines and JSON rows appended as text, HDF5 records appended to /values (and the statuses, 2
// bytes a row, kept for /status, made by Finish). The file is whole only after Finish.
class TableFileWriter {
 public:
  static Result<std::unique_ptr<TableFileWriter>> Create(const DescriptorInfo& info, FeatureFormat format,
                                                         const std::filesystem::path& destination);
  ~TableFileWriter();
  TableFileWriter(const TableFileWriter&) = delete;
  TableFileWriter& operator=(const TableFileWriter&) = delete;

  Status Append(const std::vector<TableRow>& rows);
  Status Finish();
  std::size_t rows() const { return rows_; }

 private:
  struct Hdf5File;
  TableFileWriter(const DescriptorInfo& info, FeatureFormat format, std::filesystem::path destination);

  DescriptorInfo info_;
  FeatureFormat format_;
  std::filesystem::path destination_;
  std::unique_ptr<Hdf5File> hdf5_;
  std::unique_ptr<TableTextEncoder> encoder_;
  std::ofstream text_;
  std::size_t rows_ = 0;
};

// A descriptor and rows as clients have them (vitrine/features.h), as a table writes them.
DescriptorInfo InfoOf(const FeatureDescriptor& descriptor);
TableRow RowOf(FeatureRow row);

// The catalogue entry: name, length, description, pixels, accepts, columns, version, reference.
nlohmann::json DescribeJson(const DescriptorInfo& info);

}  // namespace vitrine::features
