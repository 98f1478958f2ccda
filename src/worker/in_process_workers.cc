#include "worker/in_process_workers.h"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <nlohmann/json.hpp>

#include "core/byte_stream.h"
#include "imaging/dark_objects.h"
#include "service/builtin_analytics.h"

namespace vitrine::worker {
namespace {

using nlohmann::json;
using service::Caller;

// Renews a job's lease from its own thread while the analytic works, so that one long step (a
// pyramid of a whole slide) never lets it lapse. A refused renewal (killed, or the lease taken
// over) raises `lost`: the analytic stops at its next check.
class LeaseKeeper {
 public:
  LeaseKeeper(service::JobService& jobs, const Caller& caller, JobId job, int attempt, std::chrono::seconds lease)
      : jobs_(jobs), caller_(caller), job_(job), attempt_(attempt), period_(std::max<std::chrono::milliseconds>(
                                                                         lease / 3, std::chrono::milliseconds(200))) {
    thread_ = std::thread([this] { Run(); });
  }
  ~LeaseKeeper() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  bool lost() const { return lost_; }
  // Progress and a message ride on the next renewal, or go now when asked.
  void Report(int progress, std::optional<std::string> message = std::nullopt) {
    service::JobHeartbeat beat{attempt_, true, progress, std::move(message)};
    if (!jobs_.Heartbeat(caller_, job_, beat).ok()) lost_ = true;
  }

 private:
  void Run() {
    std::unique_lock lock(mu_);
    while (!done_) {
      if (cv_.wait_for(lock, period_, [this] { return done_; })) break;
      lock.unlock();
      auto renewed = jobs_.Heartbeat(caller_, job_, {attempt_, true, std::nullopt, std::nullopt});
      if (!renewed.ok() && renewed.status().code() == ErrorCode::kConflict) lost_ = true;
      lock.lock();
    }
  }

  service::JobService& jobs_;
  const Caller& caller_;
  const JobId job_;
  const int attempt_;
  const std::chrono::milliseconds period_;
  std::atomic<bool> lost_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

// What a built-in analytic gets: the job, the caller it acts as, and the worker's services.
struct Run {
  service::Service& service;
  const Caller& worker;  // claims and reports
  const Caller& as_job;  // reads and writes project content
  const service::JobLease& lease;
  LeaseKeeper& keeper;
  json inputs;
  json parameters;
};

Status StopIfLost(const Run& run) {
  if (run.keeper.lost()) return Status::Conflict("the job was killed or its lease lost");
  return Status::Ok();
}

Status StoreOutput(Run& run, const std::string& name, const std::string& media_type, const std::string& bytes) {
  VITRINE_ASSIGN_OR_RETURN(auto pending, run.service.jobs().BeginOutput(run.worker, run.lease.job.id,
                                                                        run.lease.job.attempt, name, "", media_type));
  VITRINE_RETURN_IF_ERROR(pending->Write(bytes));
  return pending->Finish().status();
}

std::vector<ImageId> ImagesOf(const json& inputs, const char* name) {
  std::vector<ImageId> ids;
  if (!inputs.contains(name)) return ids;
  for (const auto& v : inputs[name]["image-ids"]) ids.emplace_back(v.get<std::int64_t>());
  return ids;
}

Status RunNoop(Run& run) {
  const auto total = std::chrono::milliseconds(run.parameters.value("sleep_ms", 0));
  const auto end = std::chrono::steady_clock::now() + total;
  while (std::chrono::steady_clock::now() < end) {
    VITRINE_RETURN_IF_ERROR(StopIfLost(run));
    std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(std::chrono::milliseconds(20),
                                                                   end - std::chrono::steady_clock::now()));
  }
  if (run.parameters.value("fail", false)) return Status::Internal("asked to fail (parameter 'fail')");
  return Status::Ok();
}

Status RunPyramids(Run& run) {
  const std::vector<ImageId> images = ImagesOf(run.inputs, "images");
  json summary = json::array();
  for (std::size_t i = 0; i < images.size(); ++i) {
    VITRINE_RETURN_IF_ERROR(StopIfLost(run));
    auto state = run.service.images().EnsurePyramid(run.as_job, images[i]);
    json entry = {{"image_id", images[i].value()}};
    if (state.ok()) {
      entry["pyramid"] = state->status;
    } else {
      entry["error"] = state.status().message();
    }
    summary.push_back(std::move(entry));
    run.keeper.Report(static_cast<int>(100 * (i + 1) / images.size()));
  }
  return StoreOutput(run, "summary", "application/json", summary.dump(2));
}

Result<std::string> ReadWhole(core::ByteSource& source) {
  std::string bytes;
  std::array<char, 1 << 16> buffer;
  while (true) {
    VITRINE_ASSIGN_OR_RETURN(std::size_t n, source.Read(buffer));
    if (n == 0) return bytes;
    bytes.append(buffer.data(), n);
  }
}

std::string OutlineWkt(const imaging::DarkObject& object) {
  std::string wkt = "POLYGON((";
  for (std::size_t i = 0; i < object.outline.size(); ++i) {
    if (i) wkt += ",";
    wkt += json(object.outline[i].x).dump() + " " + json(object.outline[i].y).dump();
  }
  return wkt + "))";
}

Status RunDarkObjects(Run& run) {
  imaging::DarkObjectOptions options;
  options.blur_sigma = run.parameters.value("blur_sigma", 2.0);
  if (run.parameters.contains("threshold")) options.threshold = run.parameters["threshold"].get<int>();
  options.min_area_px = run.parameters.value("min_area", std::int64_t{50});
  if (run.parameters.contains("max_area")) options.max_area_px = run.parameters["max_area"].get<std::int64_t>();
  options.simplify_tolerance_px = run.parameters.value("simplify", 1.0);
  const std::string version = run.parameters.value("algorithm_version", std::string("1.0"));
  const std::vector<ImageId> images = ImagesOf(run.inputs, "images");
  json summary = json::array();
  for (std::size_t i = 0; i < images.size(); ++i) {
    VITRINE_RETURN_IF_ERROR(StopIfLost(run));
    VITRINE_ASSIGN_OR_RETURN(service::ImageFile file, run.service.images().OpenFile(run.as_job, images[i], {}));
    VITRINE_ASSIGN_OR_RETURN(std::string encoded, ReadWhole(*file.body));
    auto found = imaging::FindDarkObjectsInBuffer(encoded, options);
    if (!found.ok()) {
      return Status(found.status().code(),
                    "image " + std::to_string(images[i].value()) + ": " + found.status().message());
    }
    NewAnnotationRun annotation_run;
    annotation_run.image_id = images[i];
    annotation_run.algorithm = service::kDarkObjectsAnalytic;
    annotation_run.algorithm_version = version;
    annotation_run.image_md5 = file.image.md5;
    annotation_run.replace = true;
    annotation_run.metadata = {{"job", std::to_string(run.lease.job.id.value())},
                               {"threshold", std::to_string(found->threshold_used)}};
    for (const auto& object : found->objects) {
      NewAnnotation a;
      a.image_id = images[i];
      a.wkt = OutlineWkt(object);
      a.properties = {{"area", std::to_string(object.area_px)},
                      {"mean_intensity", json(std::round(object.mean_intensity * 100) / 100).dump()}};
      annotation_run.annotations.push_back(std::move(a));
    }
    VITRINE_ASSIGN_OR_RETURN(CreatedAnnotationRun created,
                             run.service.annotation_runs().Create(run.as_job, annotation_run));
    summary.push_back({{"image_id", images[i].value()},
                       {"threshold", found->threshold_used},
                       {"objects", found->objects.size()},
                       {"annotation_run_id", created.run.id.value()}});
    run.keeper.Report(static_cast<int>(100 * (i + 1) / images.size()));
  }
  VITRINE_RETURN_IF_ERROR(StoreOutput(run, "annotations", "application/json", summary.dump(2)));
  return StoreOutput(run, "summary", "application/json", summary.dump(2));
}

Status RunBuiltin(Run& run) {
  const std::string& name = run.lease.job.analytic;
  if (name == service::kNoopAnalytic) return RunNoop(run);
  if (name == service::kPyramidsAnalytic) return RunPyramids(run);
  if (name == service::kDarkObjectsAnalytic) return RunDarkObjects(run);
  return Status::Unsupported("this worker cannot run " + name);
}

}  // namespace

std::vector<std::string> BuiltinAnalyticNames() {
  return {service::kNoopAnalytic, service::kPyramidsAnalytic, service::kDarkObjectsAnalytic};
}

InProcessWorkers::InProcessWorkers(service::Service& service, core::Executor& executor, WorkerOptions options)
    : service_(service), options_(std::move(options)) {
  sweeper_ = std::make_unique<core::PeriodicTask>(executor, core::Lane::kMaintenance, options_.sweep_interval, [this] {
    auto swept = service_.jobs().Sweep();
    if (!swept.ok()) spdlog::warn("job housekeeping: {}", swept.status().ToString());
  });
  for (unsigned i = 0; i < options_.concurrency; ++i) threads_.emplace_back([this, i] { Loop(i); });
}

InProcessWorkers::~InProcessWorkers() {
  stopping_ = true;
  for (auto& t : threads_) t.join();
  sweeper_.reset();
}

void InProcessWorkers::Loop(unsigned index) {
  const Caller worker = Caller::LocalOperator();
  const std::string name = options_.name + "#" + std::to_string(index + 1);
  const std::vector<std::string> analytics = options_.analytics.empty() ? BuiltinAnalyticNames() : options_.analytics;
  service::JobService& jobs = service_.jobs();
  while (!stopping_) {
    auto claimed = jobs.Claim(worker, name, analytics);
    if (!claimed.ok()) {
      spdlog::warn("worker {}: cannot claim: {}", name, claimed.status().ToString());
      jobs.WaitForQueued(std::chrono::seconds(1));
      continue;
    }
    if (!*claimed) {
      // Woken by a job queued here; other servers' jobs are seen at the next look.
      jobs.WaitForQueued(std::chrono::milliseconds(500));
      continue;
    }
    const service::JobLease& lease = **claimed;
    const Job& job = lease.job;
    auto creator = job.created_by.valid() ? service_.users().Get(worker, job.created_by) : Result<User>(Status::NotFound(""));
    Status outcome;
    {
      LeaseKeeper keeper(jobs, worker, job.id, job.attempt, lease.lease);
      keeper.Report(0);
      if (!creator.ok()) {
        outcome = Status::PermissionDenied("the job's creator no longer exists");
      } else {
        const Caller as_job = Caller::ForJob(*creator, job.project_id);
        Run run{service_, worker, as_job, lease, keeper, json::parse(job.inputs, nullptr, false),
                json::parse(job.parameters, nullptr, false)};
        try {
          outcome = RunBuiltin(run);
        } catch (const std::exception& e) {
          outcome = Status::Internal(std::string("the analytic threw: ") + e.what());
        }
      }
      if (keeper.lost()) {
        spdlog::info("worker {}: job {} was killed or taken over; its result is dropped", name, job.id.value());
        continue;
      }
    }
    service::JobResult result{job.attempt, outcome.ok(), JobFailure::kAnalytic, outcome.ok() ? "" : outcome.message()};
    if (outcome.code() == ErrorCode::kInvalidArgument || outcome.code() == ErrorCode::kNotFound ||
        outcome.code() == ErrorCode::kPermissionDenied) {
      result.failure = JobFailure::kUser;  // bad input found late
    }
    auto finished = jobs.Finish(worker, job.id, result);
    if (!finished.ok()) spdlog::warn("worker {}: job {}: {}", name, job.id.value(), finished.status().ToString());
  }
}

}  // namespace vitrine::worker
