// Rows in the text format of COPY ... FROM STDIN, for bulk inserts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace vitrine::catalog::postgres {

class CopyText {
 public:
  CopyText& Int(std::int64_t v);
  CopyText& Real(double v);
  CopyText& Text(std::string_view v);
  CopyText& Bytea(std::string_view bytes);
  CopyText& Null();
  template <class T>
  CopyText& Optional(const std::optional<T>& v) {
    if (!v) return Null();
    if constexpr (std::is_same_v<T, std::string>)
      return Text(*v);
    else
      return Int(*v);
  }
  // Ends the current row.
  void EndRow();
  const std::string& data() const { return data_; }
  bool empty() const { return data_.empty(); }
  void Reserve(std::size_t bytes) { data_.reserve(bytes); }

 private:
  void Separate();
  std::string data_;
  bool row_started_ = false;
};

}  // namespace vitrine::catalog::postgres
