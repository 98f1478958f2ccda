#include "catalog/job_rows.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace vitrine::catalog {

std::string JobMessagesToJson(const std::vector<JobMessage>& messages) {
  nlohmann::json array = nlohmann::json::array();
  for (const JobMessage& m : messages) {
    array.push_back({{"t", m.time.time_since_epoch().count()}, {"m", m.message}});
  }
  return array.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::vector<JobMessage>> JobMessagesFromJson(const std::string& json) {
  std::vector<JobMessage> messages;
  nlohmann::json array = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!array.is_array()) return Status::Internal("a job's stored messages are not a JSON array");
  for (const auto& item : array) {
    if (!item.is_object() || !item.contains("t") || !item.contains("m") || !item["t"].is_number_integer() ||
        !item["m"].is_string()) {
      return Status::Internal("a job's stored message is malformed");
    }
    messages.push_back(
        {Timestamp(std::chrono::microseconds(item["t"].get<std::int64_t>())), item["m"].get<std::string>()});
  }
  return messages;
}

bool SameOutputs(const std::vector<JobOutput>& a, const std::vector<JobOutput>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const JobOutput& x, const JobOutput& y) {
    return x.name == y.name && x.type == y.type && x.filename == y.filename && x.media_type == y.media_type &&
           x.size_bytes == y.size_bytes && x.sha256 == y.sha256;
  });
}

Status ApplyJobEdit(Job& job, const Catalog::JobEdit& edit) {
  const JobId id = job.id;
  const ProjectId project = job.project_id;
  const AnalyticId analytic = job.analytic_id;
  VITRINE_RETURN_IF_ERROR(edit(job));
  job.id = id;
  job.project_id = project;
  job.analytic_id = analytic;
  return Status::Ok();
}

LogAppend CutToLogCap(std::int64_t size, std::string_view text, std::int64_t max_bytes) {
  if (size >= max_bytes || text.empty()) return {"", size};
  LogAppend out{std::string(text.substr(0, static_cast<std::size_t>(max_bytes - size))), 0};
  out.new_size = size + static_cast<std::int64_t>(out.chunk.size());
  // Reaching the cap ends the log: the marker goes with the text that reaches it, so that a log
  // filled exactly by one append still says that what followed was dropped.
  if (size + static_cast<std::int64_t>(text.size()) >= max_bytes) {
    // Cut between characters, never inside one: a log is UTF-8 text.
    while (!out.chunk.empty() && (static_cast<unsigned char>(text[out.chunk.size()]) & 0xC0) == 0x80) {
      out.chunk.pop_back();
    }
    out.chunk += "\n[log truncated at " + std::to_string(max_bytes) + " bytes]\n";
    out.new_size = max_bytes;
  }
  return out;
}

}  // namespace vitrine::catalog
