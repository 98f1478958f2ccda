// WaitUntilFinished: a job followed to its end by repeated long-polls, on any Client.
#include <string>

#include "vitrine/client.h"

namespace vitrine {

Result<Job> WaitUntilFinished(Client& client, JobId id, std::chrono::seconds timeout,
                              std::function<void(const Job&)> progress) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  VITRINE_ASSIGN_OR_RETURN(Job job, client.GetJob(id));
  if (progress) progress(job);
  while (!IsFinished(job.state)) {
    const auto left = std::chrono::ceil<std::chrono::seconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      return Status::Unavailable("job " + std::to_string(id.value()) + " is still " +
                                 std::string(JobStateName(job.state)) + " after " + std::to_string(timeout.count()) +
                                 " s");
    }
    VITRINE_ASSIGN_OR_RETURN(Job now, client.WaitForJob(id, left));
    const bool changed =
        now.state != job.state || now.progress != job.progress || now.messages.size() != job.messages.size();
    job = std::move(now);
    if (changed && progress) progress(job);
  }
  return job;
}

}  // namespace vitrine
