#include "catalog/postgres/copy_text.h"

#include <charconv>

namespace vitrine::catalog::postgres {

void CopyText::Separate() {
  if (row_started_) data_ += '\t';
  row_started_ = true;
}

CopyText& CopyText::Int(std::int64_t v) {
  Separate();
  data_ += std::to_string(v);
  return *this;
}

CopyText& CopyText::Real(double v) {
  Separate();
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  data_.append(buffer, ec == std::errc() ? end : buffer);
  return *this;
}

CopyText& CopyText::Text(std::string_view v) {
  Separate();
  for (char c : v) {
    switch (c) {
      case '\\':
        data_ += "\\\\";
        break;
      case '\t':
        data_ += "\\t";
        break;
      case '\n':
        data_ += "\\n";
        break;
      case '\r':
        data_ += "\\r";
        break;
      default:
        data_ += c;
    }
  }
  return *this;
}

CopyText& CopyText::Bytea(std::string_view bytes) {
  Separate();
  static constexpr char kHex[] = "0123456789abcdef";
  data_ += "\\\\x";  // bytea's hex input "\x...", its backslash escaped for COPY
  for (unsigned char c : bytes) {
    data_ += kHex[c >> 4];
    data_ += kHex[c & 15];
  }
  return *this;
}

CopyText& CopyText::Null() {
  Separate();
  data_ += "\\N";
  return *this;
}

void CopyText::EndRow() {
  data_ += '\n';
  row_started_ = false;
}

}  // namespace vitrine::catalog::postgres
