#include "features/feature_table.h"

#include <hdf5.h>
#include <hdf5_hl.h>

#include <charconv>
#include <cstring>
#include <fstream>
#include <mutex>

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

// Writes the two tables into an open file, /values in slices of about 4 MB so that a large table
// needs no second copy of itself as records.
Status WriteTables(hid_t file, const Table& table) {
  auto failed = [](const char* what) { return Status::Internal(std::string("cannot write the HDF5 table: ") + what); };
  // PyTables' marks on the root group: its title is the file's title, "HDF" as BisQue's.
  H5LTset_attribute_string(file, "/", "CLASS", "GROUP");
  H5LTset_attribute_string(file, "/", "VERSION", "1.0");
  H5LTset_attribute_string(file, "/", "TITLE", "HDF");
  H5LTset_attribute_string(file, "/", "PYTABLES_FORMAT_VERSION", "2.1");

  const DescriptorInfo& info = *table.info;
  Handle name_type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(name_type.get(), kNameBytes);
  H5Tset_strpad(name_type.get(), H5T_STR_NULLPAD);
  const hsize_t length = static_cast<hsize_t>(info.length);
  Handle feature_type(H5Tarray_create2(info.integer_values ? H5T_NATIVE_INT32 : H5T_NATIVE_FLOAT, 1, &length),
                      H5Tclose);
  ValuesLayout layout;
  AddField(layout, "image", name_type.get());
  AddField(layout, "mask", name_type.get());
  AddField(layout, "gobject", name_type.get());
  AddField(layout, "feature", feature_type.get());
  for (const auto& column : info.columns) {
    AddField(layout, column.name, column.integer ? H5T_NATIVE_INT32 : H5T_NATIVE_FLOAT);
  }

  const std::size_t n = table.rows.size();
  const std::size_t slice = std::max<std::size_t>(1, (4u << 20) / layout.record_bytes);
  std::vector<std::uint8_t> records(std::min(n, slice) * layout.record_bytes);
  std::vector<std::int16_t> statuses(n);
  // Records of rows [first, first + count) into `records`.
  auto fill = [&](std::size_t first, std::size_t count) {
    std::fill(records.begin(), records.end(), 0);
    for (std::size_t r = 0; r < count; ++r) {
      const TableRow& row = table.rows[first + r];
      std::uint8_t* record = records.data() + r * layout.record_bytes;
      PutName(record + layout.offsets[0], row.image);
      PutName(record + layout.offsets[1], row.mask);
      PutName(record + layout.offsets[2], row.annotation);
      if (row.status != 200) continue;
      std::uint8_t* feature = record + layout.offsets[3];
      for (std::size_t i = 0; i < row.row.values.size() && i < length; ++i) {
        if (info.integer_values) {
          const std::int32_t v = static_cast<std::int32_t>(std::lround(row.row.values[i]));
          std::memcpy(feature + 4 * i, &v, 4);
        } else {
          std::memcpy(feature + 4 * i, &row.row.values[i], 4);
        }
      }
      for (std::size_t c = 0; c < info.columns.size() && c < row.row.columns.size(); ++c) {
        std::uint8_t* at = record + layout.offsets[4 + c];
        if (info.columns[c].integer) {
          const std::int32_t v = static_cast<std::int32_t>(row.row.columns[c]);
          std::memcpy(at, &v, 4);
        } else {
          const float v = static_cast<float>(row.row.columns[c]);
          std::memcpy(at, &v, 4);
        }
      }
    }
  };
  for (std::size_t r = 0; r < n; ++r) statuses[r] = static_cast<std::int16_t>(table.rows[r].status);

  std::vector<const char*> names;
  for (const auto& name : layout.names) names.push_back(name.c_str());
  const hsize_t chunk =
      std::max<hsize_t>(1, std::min<hsize_t>(n, std::max<std::size_t>(1, (256 << 10) / layout.record_bytes)));
  const std::size_t first_count = std::min(n, slice);
  fill(0, first_count);
  if (H5TBmake_table("", file, "values", layout.names.size(), first_count, layout.record_bytes, names.data(),
                     layout.offsets.data(), layout.types.data(), chunk, nullptr, 0,
                     first_count ? records.data() : nullptr) < 0) {
    return failed("values");
  }
  std::vector<std::size_t> sizes;
  for (hid_t type : layout.types) sizes.push_back(H5Tget_size(type));
  for (std::size_t first = first_count; first < n; first += slice) {
    const std::size_t count = std::min(slice, n - first);
    fill(first, count);
    if (H5TBappend_records(file, "values", count, layout.record_bytes, layout.offsets.data(), sizes.data(),
                           records.data()) < 0) {
      return failed("values");
    }
  }
  const char* status_name = "status";
  const std::size_t status_offset = 0;
  const hid_t status_type = H5T_NATIVE_INT16;
  if (H5TBmake_table("", file, "status", 1, n, sizeof(std::int16_t), &status_name, &status_offset, &status_type,
                     std::max<hsize_t>(1, std::min<hsize_t>(n, 4096)), nullptr, 0, n ? statuses.data() : nullptr) < 0) {
    return failed("status");
  }
  if (H5Fflush(file, H5F_SCOPE_GLOBAL) < 0) return failed("flush");
  return Status::Ok();
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

Status WriteHdf5(const Table& table, const std::filesystem::path& destination) {
  std::lock_guard lock(Hdf5Lock());
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  Handle file(H5Fcreate(destination.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
  if (!file.ok()) return Status::Internal("cannot create the HDF5 file " + destination.string());
  return WriteTables(file.get(), table);  // flushed; closed by the handle
}

std::string EncodeCsv(const Table& table) {
  const DescriptorInfo& info = *table.info;
  std::string out = "index,image,mask,annotation,status,error";
  for (const auto& column : info.columns) out += "," + column.name;
  for (int i = 0; i < info.length; ++i) out += ",feature_" + std::to_string(i);
  out += "\n";
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const TableRow& row = table.rows[r];
    out += std::to_string(r) + "," + CsvField(row.image) + "," + CsvField(row.mask) + "," + CsvField(row.annotation) +
           "," + std::to_string(row.status) + "," + CsvField(row.error);
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

nlohmann::json TableJson(const Table& table) {
  const DescriptorInfo& info = *table.info;
  nlohmann::json rows = nlohmann::json::array();
  for (const TableRow& row : table.rows) {
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
    rows.push_back(std::move(out));
  }
  nlohmann::json columns = nlohmann::json::array();
  for (const auto& column : info.columns) columns.push_back(column.name);
  return {{"feature", info.name}, {"length", info.length}, {"columns", std::move(columns)}, {"rows", std::move(rows)}};
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
      return TableJson(table).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return Status::InvalidArgument("unknown feature table format");
}

Status WriteTableFile(const Table& table, FeatureFormat format, const std::filesystem::path& destination) {
  if (format == FeatureFormat::kHdf5) return WriteHdf5(table, destination);
  VITRINE_ASSIGN_OR_RETURN(std::string bytes, EncodeTable(table, format));
  std::ofstream out(destination, std::ios::binary | std::ios::trunc);
  out << bytes;
  out.close();
  return out ? Status::Ok() : Status::Internal("cannot write " + destination.string());
}

}  // namespace vitrine::features
