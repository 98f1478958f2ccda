#include "features/feature_table.h"

#include <hdf5.h>
#include <hdf5_hl.h>

#include <charconv>
#include <cstring>
#include <fstream>
#include <mutex>
#include <utility>

namespace vitrine::features {
namespace {

constexpr std::size_t kNameBytes = 2000;  // BisQue's StringCol(2000)

// HDF5 handles closed by their own close function.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, -1)), close_(other.close_) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

// The layout of one /values record: field offsets in a packed byte record.
struct ValuesLayout {
  std::vector<std::string> names;
  std::vector<std::size_t> offsets;
  std::vector<hid_t> types;  // owned by the Handles below, or HDF5's predefined ones
  std::size_t record_bytes = 0;
};

void AddField(ValuesLayout& layout, std::string name, hid_t type) {
  layout.names.push_back(std::move(name));
  layout.offsets.push_back(layout.record_bytes);
  layout.types.push_back(type);
  layout.record_bytes += H5Tget_size(type);
}

void PutName(std::uint8_t* at, const std::string& name) {
  std::memcpy(at, name.data(), std::min(name.size(), kNameBytes));
}

std::string FormatNumber(double v) {
  char buffer[32];
  auto [end, ec] = std::to_chars(std::begin(buffer), std::end(buffer), v);
  return std::string(buffer, end);
}

std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

// BisQue's two tables in an open file, written as rows come: /values is made empty and grows by
// records appended in slices of about 4 MB, so no more than a slice is held as records; the
// statuses (2 bytes a row) are kept for /status, made at Finish.
class Hdf5Tables {
 public:
  Hdf5Tables(hid_t file, const DescriptorInfo& info)
      : file_(file), info_(info), name_type_(H5Tcopy(H5T_C_S1), H5Tclose), feature_type_(FeatureType(info), H5Tclose) {
    H5Tset_size(name_type_.get(), kNameBytes);
    H5Tset_strpad(name_type_.get(), H5T_STR_NULLPAD);
    AddField(layout_, "image", name_type_.get());
    AddField(layout_, "mask", name_type_.get());
    AddField(layout_, "gobject", name_type_.get());
    AddField(layout_, "feature", feature_type_.get());
    for (const auto& column : info.columns) {
      AddField(layout_, column.name, column.integer ? H5T_NATIVE_INT32 : H5T_NATIVE_FLOAT);
    }
    for (hid_t type : layout_.types) sizes_.push_back(H5Tget_size(type));
    slice_ = std::max<std::size_t>(1, (4u << 20) / layout_.record_bytes);
  }

  // The empty tables' start: PyTables' marks on the root group (its title is the file's title,
  // "HDF" as BisQue's) and an empty /values.
  Status Start() {
    H5LTset_attribute_string(file_, "/", "CLASS", "GROUP");
    H5LTset_attribute_string(file_, "/", "VERSION", "1.0");
    H5LTset_attribute_string(file_, "/", "TITLE", "HDF");
    H5LTset_attribute_string(file_, "/", "PYTABLES_FORMAT_VERSION", "2.1");
    std::vector<const char*> names;
    for (const auto& name : layout_.names) names.push_back(name.c_str());
    const hsize_t chunk = std::max<std::size_t>(1, (256 << 10) / layout_.record_bytes);
    if (H5TBmake_table("", file_, "values", layout_.names.size(), 0, layout_.record_bytes, names.data(),
                       layout_.offsets.data(), layout_.types.data(), chunk, nullptr, 0, nullptr) < 0) {
      return Failed("values");
    }
    return Status::Ok();
  }

  // Each slice's records are laid out without HDF5, then appended through `locked(append)`,
  // which runs `append` holding Hdf5Lock (or knows its caller holds it): other tables wait for a
  // slice, not for a whole batch.
  template <class Locked>
  Status Append(const std::vector<TableRow>& rows, Locked locked) {
    std::vector<std::uint8_t> records(std::min(rows.size(), slice_) * layout_.record_bytes);
    for (std::size_t first = 0; first < rows.size(); first += slice_) {
      const std::size_t count = std::min(slice_, rows.size() - first);
      std::fill(records.begin(), records.end(), 0);
      for (std::size_t r = 0; r < count; ++r) Fill(rows[first + r], records.data() + r * layout_.record_bytes);
      VITRINE_RETURN_IF_ERROR(locked([&] {
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
        return H5TBappend_records(file_, "values", count, layout_.record_bytes, layout_.offsets.data(), sizes_.data(),
                                  records.data()) < 0
                   ? Failed("values")
                   : Status::Ok();
      }));
    }
    for (const TableRow& row : rows) statuses_.push_back(static_cast<std::int16_t>(row.status));
    return Status::Ok();
  }

  Status Finish() {
    const std::size_t n = statuses_.size();
    const char* status_name = "status";
    const std::size_t status_offset = 0;
    const hid_t status_type = H5T_NATIVE_INT16;
    if (H5TBmake_table("", file_, "status", 1, n, sizeof(std::int16_t), &status_name, &status_offset, &status_type,
                       std::max<hsize_t>(1, std::min<hsize_t>(n, 4096)), nullptr, 0,
                       n ? statuses_.data() : nullptr) < 0) {
      return Failed("status");
    }
    if (H5Fflush(file_, H5F_SCOPE_GLOBAL) < 0) return Failed("flush");
    return Status::Ok();
  }

 private:
  static hid_t FeatureType(const DescriptorInfo& info) {
    const hsize_t length = static_cast<hsize_t>(info.length);
    return H5Tarray_create2(info.integer_values ? H5T_NATIVE_INT32 : H5T_NATIVE_FLOAT, 1, &length);
  }
  static Status Failed(const char* what) {
    return Status::Internal(std::string("cannot write the HDF5 table: ") + what);
  }

  void Fill(const TableRow& row, std::uint8_t* record) const {
    PutName(record + layout_.offsets[0], row.image);
    PutName(record + layout_.offsets[1], row.mask);
    PutName(record + layout_.offsets[2], row.annotation);
    if (row.status != 200) return;
    std::uint8_t* feature = record + layout_.offsets[3];
    const std::size_t length = static_cast<std::size_t>(info_.length);
    for (std::size_t i = 0; i < row.row.values.size() && i < length; ++i) {
      if (info_.integer_values) {
        const std::int32_t v = static_cast<std::int32_t>(std::lround(row.row.values[i]));
        std::memcpy(feature + 4 * i, &v, 4);
      } else {
        std::memcpy(feature + 4 * i, &row.row.values[i], 4);
      }
    }
    for (std::size_t c = 0; c < info_.columns.size() && c < row.row.columns.size(); ++c) {
      std::uint8_t* at = record + layout_.offsets[4 + c];
      if (info_.columns[c].integer) {
        const std::int32_t v = static_cast<std::int32_t>(row.row.columns[c]);
        std::memcpy(at, &v, 4);
      } else {
        const float v = static_cast<float>(row.row.columns[c]);
        std::memcpy(at, &v, 4);
      }
    }
  }

  hid_t file_;
  const DescriptorInfo& info_;
  Handle name_type_;
  Handle feature_type_;
  ValuesLayout layout_;
  std::vector<std::size_t> sizes_;
  std::size_t slice_ = 1;
  std::vector<std::int16_t> statuses_;
};

// The whole table into an open file, Hdf5Lock held.
Status WriteTables(hid_t file, const Table& table) {
  Hdf5Tables tables(file, *table.info);
  VITRINE_RETURN_IF_ERROR(tables.Start());
  VITRINE_RETURN_IF_ERROR(tables.Append(table.rows, [](auto append) { return append(); }));
  return tables.Finish();
}

std::string CsvHeader(const DescriptorInfo& info) {
  std::string out = "index,image,mask,annotation,status,error";
  for (const auto& column : info.columns) out += "," + column.name;
  for (int i = 0; i < info.length; ++i) out += ",feature_" + std::to_string(i);
  return out + "\n";
}

// CSV lines of rows, numbered from `first_index`.
std::string CsvLines(const DescriptorInfo& info, const std::vector<TableRow>& rows, std::size_t first_index) {
  std::string out;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const TableRow& row = rows[r];
    out += std::to_string(first_index + r) + "," + CsvField(row.image) + "," + CsvField(row.mask) + "," +
           CsvField(row.annotation) + "," + std::to_string(row.status) + "," + CsvField(row.error);
    for (std::size_t c = 0; c < info.columns.size(); ++c) {
      out += ",";
      if (row.status == 200 && c < row.row.columns.size()) out += FormatNumber(row.row.columns[c]);
    }
    for (int i = 0; i < info.length; ++i) {
      out += ",";
      if (row.status == 200 && i < static_cast<int>(row.row.values.size())) out += FormatNumber(row.row.values[i]);
    }
    out += "\n";
  }
  return out;
}

nlohmann::json RowJson(const DescriptorInfo& info, const TableRow& row) {
  nlohmann::json out = {{"image", row.image}, {"mask", row.mask}, {"annotation", row.annotation}};
  if (row.status == 200) {
    for (std::size_t c = 0; c < info.columns.size() && c < row.row.columns.size(); ++c) {
      if (info.columns[c].integer) {
        out[info.columns[c].name] = static_cast<std::int64_t>(row.row.columns[c]);
      } else {
        out[info.columns[c].name] = row.row.columns[c];
      }
    }
    out["feature"] = row.row.values;
  }
  out["status"] = row.status;
  if (row.status != 200) out["error"] = row.error;
  return out;
}

// A table's JSON without its rows.
nlohmann::json TableHead(const DescriptorInfo& info) {
  nlohmann::json columns = nlohmann::json::array();
  for (const auto& column : info.columns) columns.push_back(column.name);
  return {{"feature", info.name}, {"length", info.length}, {"columns", std::move(columns)}};
}

std::string JsonText(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// HDF5's high-level table API is not thread-safe even in a thread-safe build, and its in-memory
// driver tells files apart by name: one file at a time in the process. Error stacks are per
// thread, so printing them is turned off for each.
std::mutex& Hdf5Lock() {
  static std::mutex one_at_a_time;
  return one_at_a_time;
}

}  // namespace

Result<std::string> EncodeHdf5(const Table& table) {
  std::lock_guard lock(Hdf5Lock());
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  auto failed = [](const char* what) { return Status::Internal(std::string("cannot write the HDF5 table: ") + what); };
  Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (!access.ok() || H5Pset_fapl_core(access.get(), 1 << 20, /*backing_store=*/0) < 0) return failed("core driver");
  Handle file(H5Fcreate("features.h5", H5F_ACC_TRUNC, H5P_DEFAULT, access.get()), H5Fclose);
  if (!file.ok()) return failed("file");
  VITRINE_RETURN_IF_ERROR(WriteTables(file.get(), table));
  const ssize_t size = H5Fget_file_image(file.get(), nullptr, 0);
  if (size < 0) return failed("image size");
  std::string bytes(static_cast<std::size_t>(size), '\0');
  if (H5Fget_file_image(file.get(), bytes.data(), bytes.size()) != size) return failed("image");
  return bytes;
}

std::string EncodeCsv(const Table& table) {
  TableTextEncoder encoder(*table.info, FeatureFormat::kCsv);
  return encoder.Begin() + encoder.Rows(table.rows) + encoder.End();
}

nlohmann::json TableJson(const Table& table) {
  nlohmann::json rows = nlohmann::json::array();
  for (const TableRow& row : table.rows) rows.push_back(RowJson(*table.info, row));
  nlohmann::json out = TableHead(*table.info);
  out["rows"] = std::move(rows);
  return out;
}

nlohmann::json DescribeJson(const DescriptorInfo& info) {
  nlohmann::json accepts = {"image", "region"};
  if (info.target == Target::kLabels) {
    accepts.push_back("mask");
    accepts.push_back("annotation");
  }
  if (info.target == Target::kKeypoints) accepts.push_back("point annotation");
  nlohmann::json columns = nlohmann::json::array();
  for (const auto& column : info.columns) {
    columns.push_back({{"name", column.name}, {"type", column.integer ? "int32" : "float32"}});
  }
  return {{"name", info.name},
          {"length", info.length},
          {"description", info.description},
          {"pixels", info.pixels == PixelKind::kGrey ? "grey" : "colour"},
          {"accepts", std::move(accepts)},
          {"value_type", info.integer_values ? "int32" : "float32"},
          {"rows", info.target == Target::kLabels      ? "one per mask label"
                   : info.target == Target::kKeypoints ? "one per keypoint"
                                                       : "one per resource"},
          {"columns", std::move(columns)},
          {"version", info.version},
          {"reference", info.reference}};
}

DescriptorInfo InfoOf(const FeatureDescriptor& descriptor) {
  DescriptorInfo info{.name = descriptor.name,
                      .length = descriptor.length,
                      .description = descriptor.description,
                      .integer_values = descriptor.value_type == "int32",
                      .version = descriptor.version,
                      .reference = descriptor.reference};
  for (const auto& c : descriptor.columns) info.columns.push_back({c.name, c.type == "int32"});
  return info;
}

TableRow RowOf(FeatureRow row) {
  return {.image = std::move(row.image),
          .mask = std::move(row.mask),
          .annotation = std::move(row.annotation),
          .status = row.status,
          .error = std::move(row.error),
          .row = {.values = std::move(row.values), .columns = std::move(row.columns)}};
}

Result<std::string> EncodeTable(const Table& table, FeatureFormat format) {
  switch (format) {
    case FeatureFormat::kHdf5:
      return EncodeHdf5(table);
    case FeatureFormat::kCsv:
      return EncodeCsv(table);
    case FeatureFormat::kJson:
      return JsonText(TableJson(table));
  }
  return Status::InvalidArgument("unknown feature table format");
}

std::string TableTextEncoder::Begin() const {
  if (format_ == FeatureFormat::kCsv) return CsvHeader(info_);
  const std::string head = JsonText(TableHead(info_));
  return head.substr(0, head.size() - 1) + ",\"rows\":[";  // the object left open for its rows
}

std::string TableTextEncoder::Rows(const std::vector<TableRow>& rows) {
  std::string out;
  if (format_ == FeatureFormat::kCsv) {
    out = CsvLines(info_, rows, rows_);
  } else {
    for (std::size_t r = 0; r < rows.size(); ++r) {
      if (rows_ + r > 0) out += ',';
      out += JsonText(RowJson(info_, rows[r]));
    }
  }
  rows_ += rows.size();
  return out;
}

std::string TableTextEncoder::End() const { return format_ == FeatureFormat::kCsv ? "" : "]}"; }

Status WriteTableFile(const Table& table, FeatureFormat format, const std::filesystem::path& destination) {
  VITRINE_ASSIGN_OR_RETURN(auto writer, TableFileWriter::Create(*table.info, format, destination));
  VITRINE_RETURN_IF_ERROR(writer->Append(table.rows));
  return writer->Finish();
}

// ---- TableFileWriter ----

struct TableFileWriter::Hdf5File {
  Handle file;
  Hdf5Tables tables;
};

TableFileWriter::TableFileWriter(const DescriptorInfo& info, FeatureFormat format, std::filesystem::path destination)
    : info_(info), format_(format), destination_(std::move(destination)) {}

TableFileWriter::~TableFileWriter() {
  if (hdf5_ == nullptr) return;
  std::lock_guard lock(Hdf5Lock());
  hdf5_.reset();
}

Result<std::unique_ptr<TableFileWriter>> TableFileWriter::Create(const DescriptorInfo& info, FeatureFormat format,
                                                                 const std::filesystem::path& destination) {
  std::unique_ptr<TableFileWriter> writer(new TableFileWriter(info, format, destination));
  if (format == FeatureFormat::kHdf5) {
    std::lock_guard lock(Hdf5Lock());
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    Handle file(H5Fcreate(destination.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    if (!file.ok()) return Status::Internal("cannot create the HDF5 file " + destination.string());
    const hid_t id = file.get();
    writer->hdf5_.reset(new Hdf5File{std::move(file), Hdf5Tables(id, writer->info_)});
    VITRINE_RETURN_IF_ERROR(writer->hdf5_->tables.Start());
    return writer;
  }
  writer->text_.open(destination, std::ios::binary | std::ios::trunc);
  writer->encoder_ = std::make_unique<TableTextEncoder>(writer->info_, format);
  writer->text_ << writer->encoder_->Begin();
  if (!writer->text_) return Status::Internal("cannot write " + destination.string());
  return writer;
}

Status TableFileWriter::Append(const std::vector<TableRow>& rows) {
  if (format_ == FeatureFormat::kHdf5) {
    VITRINE_RETURN_IF_ERROR(hdf5_->tables.Append(rows, [](auto append) {
      std::lock_guard lock(Hdf5Lock());
      return append();
    }));
  } else {
    text_ << encoder_->Rows(rows);
  }
  rows_ += rows.size();
  if (format_ != FeatureFormat::kHdf5 && !text_) return Status::Internal("cannot write " + destination_.string());
  return Status::Ok();
}

Status TableFileWriter::Finish() {
  if (format_ == FeatureFormat::kHdf5) {
    std::lock_guard lock(Hdf5Lock());
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    VITRINE_RETURN_IF_ERROR(hdf5_->tables.Finish());
    hdf5_.reset();  // closes the file
    return Status::Ok();
  }
  text_ << encoder_->End();
  text_.close();
  return text_ ? Status::Ok() : Status::Internal("cannot write " + destination_.string());
}

}  // namespace vitrine::features
