// A job's status messages as both catalogs store them: one JSON array in the job's row, so that
// a state change and its message are written by the same UPDATE.
#pragma once

#include <string>
#include <vector>

#include "vitrine/jobs.h"
#include "vitrine/status.h"

namespace vitrine::catalog {

std::string JobMessagesToJson(const std::vector<JobMessage>& messages);
Result<std::vector<JobMessage>> JobMessagesFromJson(const std::string& json);

}  // namespace vitrine::catalog
