// How commands talk to a person: plain aligned tables on stdout, errors on stderr, and a JSON
// form of every result for scripts (--json).
#pragma once

#include <string>
#include <vector>

#include "vitrine/status.h"
#include "wire/json.h"

namespace vitrine::cli {

// Prints "vitrine: <message>" on stderr and returns the exit code for it (1).
int ReportError(const Status& status);

// Prints rows as columns under a header row.
void PrintTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);
void PrintJson(const wire::Json& json);

}  // namespace vitrine::cli
