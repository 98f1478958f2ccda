// What both catalogs do alike with a job's rows, written once: the status messages (one JSON
// array in the job's row, so that a state change and its message are one UPDATE), the rules a
// stored change follows, and the log's cap.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "vitrine/jobs.h"
#include "vitrine/status.h"

namespace vitrine::catalog {

std::string JobMessagesToJson(const std::vector<JobMessage>& messages);
Result<std::vector<JobMessage>> JobMessagesFromJson(const std::string& json);

bool SameOutputs(const std::vector<JobOutput>& a, const std::vector<JobOutput>& b);

// True while a worker's lease covers the job: leaving these states revokes the job's tokens.
inline bool HoldsLease(JobState s) { return s == JobState::kScheduled || s == JobState::kRunning; }

// When a change happened: the time of the message every transition adds (the service owns the
// clock; the catalog never reads one).
inline Timestamp ChangedAt(const Job& j) { return j.messages.empty() ? j.created_at : j.messages.back().time; }

// Runs `edit` on `job`; what a job is (its id, project and analytic) stays as it was.
Status ApplyJobEdit(Job& job, const Catalog::JobEdit& edit);

// What an append of `text` to a log of `size` bytes stores under a cap of `max_bytes`: the text,
// or the part of it that fits (cut between UTF-8 characters) and one truncation line when it
// reaches the cap; nothing once the cap was reached.
struct LogAppend {
  std::string chunk;  // empty: store nothing
  std::int64_t new_size = 0;
};
LogAppend CutToLogCap(std::int64_t size, std::string_view text, std::int64_t max_bytes);

}  // namespace vitrine::catalog
