#include "vitrine/types.h"
#include "vitrine/jobs.h"

namespace vitrine {

std::string_view ProjectRoleName(ProjectRole role) {
  switch (role) {
    case ProjectRole::kViewer:
      return "viewer";
    case ProjectRole::kContributor:
      return "contributor";
    case ProjectRole::kManager:
      return "manager";
  }
  return "viewer";
}

std::optional<ProjectRole> ProjectRoleFromName(std::string_view name) {
  if (name == "viewer") return ProjectRole::kViewer;
  if (name == "contributor") return ProjectRole::kContributor;
  if (name == "manager") return ProjectRole::kManager;
  return std::nullopt;
}

namespace {
constexpr std::array<std::pair<JobState, std::string_view>, 6> kJobStates = {{{JobState::kReady, "READY"},
                                                                              {JobState::kQueued, "QUEUED"},
                                                                              {JobState::kScheduled, "SCHEDULED"},
                                                                              {JobState::kRunning, "RUNNING"},
                                                                              {JobState::kComplete, "COMPLETE"},
                                                                              {JobState::kFailed, "FAILED"}}};
constexpr std::array<std::pair<JobFailure, std::string_view>, 4> kJobFailures = {{{JobFailure::kNone, "NONE"},
                                                                                  {JobFailure::kUser, "USER"},
                                                                                  {JobFailure::kAnalytic, "ANALYTIC"},
                                                                                  {JobFailure::kPlatform, "PLATFORM"}}};
}  // namespace

std::string_view JobStateName(JobState state) {
  for (const auto& [s, name] : kJobStates) {
    if (s == state) return name;
  }
  return "READY";
}

std::optional<JobState> JobStateFromName(std::string_view name) {
  for (const auto& [s, n] : kJobStates) {
    if (n == name) return s;
  }
  return std::nullopt;
}

std::string_view JobFailureName(JobFailure failure) {
  for (const auto& [f, name] : kJobFailures) {
    if (f == failure) return name;
  }
  return "NONE";
}

std::optional<JobFailure> JobFailureFromName(std::string_view name) {
  for (const auto& [f, n] : kJobFailures) {
    if (n == name) return f;
  }
  return std::nullopt;
}

}  // namespace vitrine
