#include "catalog/job_messages.h"

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

}  // namespace vitrine::catalog
