// Analytics, data files and jobs (the queue) in the SQLite catalog. SQLite has one writer at a
// time: a claim is a write transaction, so two claimers never take the same job.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/sqlite/connection.h"

namespace vitrine::catalog::sqlite::jobs {

Result<Analytic> InsertAnalytic(ConnectionPool& pool, const Analytic& analytic);
Result<Analytic> GetAnalytic(ConnectionPool& pool, AnalyticId id);
Result<Analytic> FindAnalytic(ConnectionPool& pool, std::string_view name, std::string_view version);
Result<std::vector<Analytic>> ListAnalytics(ConnectionPool& pool, bool all_versions);
Status DeleteAnalytic(ConnectionPool& pool, AnalyticId id);

Result<DataFile> InsertDataFile(ConnectionPool& pool, const DataFile& file);
Result<DataFile> GetDataFile(ConnectionPool& pool, DataId id);
Result<Page<DataFile>> ListDataFiles(ConnectionPool& pool, const DataFilter& filter, std::optional<UserId> member,
                                     const PageRequest& page);
Result<DataFile> SetDataFileExpiry(ConnectionPool& pool, DataId id, std::optional<Timestamp> expires_at);
Status DeleteDataFile(ConnectionPool& pool, DataId id);
Result<std::vector<DataId>> ExpiredDataFiles(ConnectionPool& pool, Timestamp now, std::size_t limit);

Result<Job> InsertJob(ConnectionPool& pool, const Job& job);
Result<Job> GetJob(ConnectionPool& pool, JobId id);
Result<Page<Job>> ListJobs(ConnectionPool& pool, const JobFilter& filter, std::optional<UserId> member,
                           const PageRequest& page);
Status DeleteJob(ConnectionPool& pool, JobId id);
Result<Job> ModifyJob(ConnectionPool& pool, JobId id, const Catalog::JobEdit& edit);
Result<std::optional<Job>> ClaimJob(ConnectionPool& pool, const std::vector<std::string>& analytics,
                                    const Catalog::JobEdit& edit, const std::optional<Catalog::ClaimToken>& token);
Result<std::vector<JobId>> JobsWithExpiredLease(ConnectionPool& pool, Timestamp now, std::size_t limit);
Result<std::vector<JobId>> JobsWithExpiredOutputs(ConnectionPool& pool, Timestamp now, std::size_t limit);
Result<std::int64_t> AppendJobLog(ConnectionPool& pool, JobId id, int attempt, std::string_view text,
                                  std::int64_t max_bytes);
Result<std::vector<Catalog::LogChunk>> ReadJobLog(ConnectionPool& pool, JobId id, std::int64_t after_seq,
                                                  std::size_t max_bytes);

}  // namespace vitrine::catalog::sqlite::jobs
