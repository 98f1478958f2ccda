// Analytics, data files and jobs as JSON (docs/jobs.md has the shapes).
#pragma once

#include "vitrine/jobs.h"
#include "wire/json.h"

namespace vitrine::wire {

Json ToJson(const Analytic& analytic);
Json ToJson(const DataFile& data);
Json ToJson(const JobOutput& output);
// Listings leave the messages out (`with_messages` false); GET of one job has them.
Json ToJson(const Job& job, bool with_messages = true);

// The reverse, for the remote client: kInternal when the server sent another shape. An
// analytic's JSON has no document (`doc` stays empty); a job's without messages leaves them empty.
Result<Analytic> AnalyticFromJson(const Json& json);
Result<DataFile> DataFileFromJson(const Json& json);
Result<JobOutput> JobOutputFromJson(const Json& json);
Result<Job> JobFromJson(const Json& json);

}  // namespace vitrine::wire
