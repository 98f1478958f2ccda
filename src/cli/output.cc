#include "cli/output.h"

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace vitrine::cli {

int ReportError(const Status& status) {
  std::cerr << "vitrine: " << status.message() << "\n";
  return 1;
}

void PrintTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) widths[i] = header[i].size();
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    std::cout << line << '\n';
  };
  print_row(header);
  for (const auto& row : rows) print_row(row);
}

void PrintJson(const wire::Json& json) { std::cout << json.dump(2) << '\n'; }

}  // namespace vitrine::cli
