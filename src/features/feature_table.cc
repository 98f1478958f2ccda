#include "features/feature_table.h"

#include <hdf5.h>
#include <hdf5_hl.h>

#include <charconv>
#include <cstring>
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

}  // namespace

Result<std::string> EncodeHdf5(const Table& table) {
  // HDF5's high-level table API is not thread-safe even in a thread-safe build, and its in-memory
  // driver tells files apart by name: one file at a time in the process. Error stacks are per
  // thread, so printing them is turned off for each.
  static std::mutex one_at_a_time;
  std::lock_guard lock(one_at_a_time);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const DescriptorInfo& info = *table.info;
  auto failed = [](const char* what) { return Status::Internal(std::string("cannot write the HDF5 table: ") + what); };

  Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (!access.ok() || H5Pset_fapl_core(access.get(), 1 << 20, /*backing_store=*/0) < 0) return failed("core driver");
  Handle file(H5Fcreate("features.h5", H5F_ACC_TRUNC, H5P_DEFAULT, access.get()), H5Fclose);
  if (!file.ok()) return failed("file");
  // PyTables' marks on the root group: its title is the file's title, "HDF" as BisQue's.
  H5LTset_attribute_string(file.get(), "/", "CLASS", "GROUP");
  H5LTset_attribute_string(file.get(), "/", "VERSION", "1.0");
  H5LTset_attribute_string(file.get(), "/", "TITLE", "HDF");
  H5LTset_attribute_string(file.get(), "/", "PYTABLES_FORMAT_VERSION", "2.1");

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
  std::vector<std::uint8_t> records(n * layout.record_bytes, 0);
  std::vector<std::int16_t> statuses(n);
  for (std::size_t r = 0; r < n; ++r) {
    const TableRow& row = table.rows[r];
    std::uint8_t* record = records.data() + r * layout.record_bytes;
    PutName(record + layout.offsets[0], row.image);
    PutName(record + layout.offsets[1], row.mask);
    PutName(record + layout.offsets[2], row.annotation);
    statuses[r] = static_cast<std::int16_t>(row.status);
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
  std::vector<const char*> names;
  for (const auto& name : layout.names) names.push_back(name.c_str());
  const hsize_t chunk =
      std::max<hsize_t>(1, std::min<hsize_t>(n, std::max<std::size_t>(1, (256 << 10) / layout.record_bytes)));
  if (H5TBmake_table("", file.get(), "values", layout.names.size(), n, layout.record_bytes, names.data(),
                     layout.offsets.data(), layout.types.data(), chunk, nullptr, 0, n ? records.data() : nullptr) < 0) {
    return failed("values");
  }
  const char* status_name = "status";
  const std::size_t status_offset = 0;
  const hid_t status_type = H5T_NATIVE_INT16;
  if (H5TBmake_table("", file.get(), "status", 1, n, sizeof(std::int16_t), &status_name, &status_offset, &status_type,
                     std::max<hsize_t>(1, std::min<hsize_t>(n, 4096)), nullptr, 0, n ? statuses.data() : nullptr) < 0) {
    return failed("status");
  }
  if (H5Fflush(file.get(), H5F_SCOPE_GLOBAL) < 0) return failed("flush");
  const ssize_t size = H5Fget_file_image(file.get(), nullptr, 0);
  if (size < 0) return failed("image size");
  std::string bytes(static_cast<std::size_t>(size), '\0');
  if (H5Fget_file_image(file.get(), bytes.data(), bytes.size()) != size) return failed("image");
  return bytes;
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

}  // namespace vitrine::features
