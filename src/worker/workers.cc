#include "worker/workers.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <charconv>
#include <condition_variable>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>

#include "core/digest.h"
#include "features/feature_table.h"
#include "imaging/dark_objects.h"
#include "jobs/bundle.h"
#include "service/analytic_doc.h"
#include "service/builtin_analytics.h"

namespace vitrine::worker {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// Renews a job's lease from its own thread while the analytic works, so that one long step (a
// pyramid of a whole slide) never lets it lapse. A refused renewal (killed, or the lease taken
// over) raises `lost`: the analytic stops at its next check.
class LeaseKeeper {
 public:
  LeaseKeeper(JobSource& source, JobId job, int attempt, std::chrono::seconds lease)
      : source_(source),
        job_(job),
        attempt_(attempt),
        period_(std::max<std::chrono::milliseconds>(lease / 3, std::chrono::milliseconds(200))) {
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
  // Progress (and a message) go with a renewal now.
  void Report(int progress, std::optional<std::string> message = std::nullopt) {
    Renew(service::JobHeartbeat{attempt_, true, progress, std::move(message)});
  }

 private:
  void Renew(const service::JobHeartbeat& beat) {
    auto renewed = source_.Heartbeat(job_, beat);
    if (!renewed.ok() && renewed.status().code() == ErrorCode::kConflict) lost_ = true;
  }
  void Run() {
    std::unique_lock lock(mu_);
    while (!done_) {
      if (cv_.wait_for(lock, period_, [this] { return done_; })) break;
      lock.unlock();
      Renew({attempt_, true, std::nullopt, std::nullopt});
      lock.lock();
    }
  }

  JobSource& source_;
  const JobId job_;
  const int attempt_;
  const std::chrono::milliseconds period_;
  std::atomic<bool> lost_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

// Removes a folder and what it holds when the job is done with it.
struct ScratchFolder {
  fs::path path;
  ~ScratchFolder() {
    std::error_code ignored;
    if (!path.empty()) fs::remove_all(path, ignored);
  }
};

// What an analytic gets: the job, where it reports, and the project as the job sees it.
struct Run {
  JobSource& source;
  const service::JobLease& lease;
  LeaseKeeper& keeper;
  JobWorkspace& workspace;
  const WorkerOptions& options;
  fs::path scratch;
  json inputs;
  json parameters;
};

Status StopIfLost(const Run& run) {
  if (run.keeper.lost()) return Status::Conflict("the job was killed or its lease lost");
  return Status::Ok();
}

Status WriteFile(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  out.close();
  return out ? Status::Ok() : Status::Internal("cannot write " + path.string());
}

Status StoreOutput(Run& run, const std::string& name, const std::string& media_type, const std::string& bytes) {
  const fs::path file = run.scratch / ("output-" + name);
  VITRINE_RETURN_IF_ERROR(WriteFile(file, bytes));
  return run.source.PutOutput(run.lease.job.id, run.lease.job.attempt, name, "", media_type, file);
}

std::vector<ImageId> ImagesOf(const json& input) {
  std::vector<ImageId> ids;
  if (input.contains("image-id")) ids.emplace_back(input["image-id"].get<std::int64_t>());
  if (input.contains("image-ids")) {
    for (const auto& v : input["image-ids"]) ids.emplace_back(v.get<std::int64_t>());
  }
  return ids;
}

// ---- built-in analytics ----

Status RunNoop(Run& run) {
  const auto total = std::chrono::milliseconds(run.parameters.value("sleep_ms", 0));
  const auto end = std::chrono::steady_clock::now() + total;
  while (std::chrono::steady_clock::now() < end) {
    VITRINE_RETURN_IF_ERROR(StopIfLost(run));
    std::this_thread::sleep_for(
        std::min<std::chrono::nanoseconds>(std::chrono::milliseconds(20), end - std::chrono::steady_clock::now()));
  }
  if (run.parameters.value("fail", false)) return Status::Internal("asked to fail (parameter 'fail')");
  return Status::Ok();
}

Status RunPyramids(Run& run) {
  const std::vector<ImageId> images = ImagesOf(run.inputs["images"]);
  json summary = json::array();
  for (std::size_t i = 0; i < images.size(); ++i) {
    VITRINE_RETURN_IF_ERROR(StopIfLost(run));
    auto state = run.workspace.EnsurePyramid(images[i]);
    json entry = {{"image_id", images[i].value()}};
    if (state.ok()) {
      entry["pyramid"] = *state;
    } else {
      entry["error"] = state.status().message();
    }
    summary.push_back(std::move(entry));
    run.keeper.Report(static_cast<int>(100 * (i + 1) / images.size()));
  }
  return StoreOutput(run, "summary", "application/json", summary.dump(2));
}

std::string OutlineWkt(const imaging::DarkObject& object) {
  std::string wkt = "POLYGON((";
  wkt.reserve(16 + object.outline.size() * 16);
  char number[32];
  auto append = [&](double v) {
    auto end = std::to_chars(number, number + sizeof number, v).ptr;  // shortest exact form
    wkt.append(number, end);
  };
  for (std::size_t i = 0; i < object.outline.size(); ++i) {
    if (i) wkt += ',';
    append(object.outline[i].x);
    wkt += ' ';
    append(object.outline[i].y);
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
  const std::vector<ImageId> images = ImagesOf(run.inputs["images"]);
  // The next image downloads while this one is read: the server's time overlaps the worker's.
  using Fetched = std::pair<fs::path, Status>;
  auto fetch = [&run, &images](std::size_t i) {
    return std::async(std::launch::async, [&run, &images, i]() -> Fetched {
      const fs::path file = run.scratch / ("image-" + std::to_string(images[i].value()));
      return {file, run.workspace.DownloadImage(images[i], file)};
    });
  };
  std::future<Fetched> next;
  if (!images.empty()) next = fetch(0);
  json summary = json::array();
  for (std::size_t i = 0; i < images.size(); ++i) {
    VITRINE_RETURN_IF_ERROR(StopIfLost(run));
    auto [file, fetched] = next.get();
    if (i + 1 < images.size()) next = fetch(i + 1);
    VITRINE_RETURN_IF_ERROR(fetched);
    auto found = imaging::FindDarkObjects(file, options);
    std::error_code ignored;
    fs::remove(file, ignored);
    if (!found.ok()) {
      return Status(found.status().code(),
                    "image " + std::to_string(images[i].value()) + ": " + found.status().message());
    }
    NewAnnotationRun annotation_run;
    annotation_run.image_id = images[i];
    annotation_run.algorithm = service::kDarkObjectsAnalytic;
    annotation_run.algorithm_version = version;
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
    VITRINE_ASSIGN_OR_RETURN(CreatedAnnotationRun created, run.workspace.StoreAnnotationRun(annotation_run));
    summary.push_back({{"image_id", images[i].value()},
                       {"threshold", found->threshold_used},
                       {"objects", found->objects.size()},
                       {"annotation_run_id", created.run.id.value()}});
    run.keeper.Report(static_cast<int>(100 * (i + 1) / images.size()));
  }
  VITRINE_RETURN_IF_ERROR(StoreOutput(run, "annotations", "application/json", summary.dump(2)));
  return StoreOutput(run, "summary", "application/json", summary.dump(2));
}

// The rows a features job writes at most: an HDF5 row of BisQue's layout takes 6 KB on disk,
// so this bounds a job's file at about 1.2 GB (rows are written as they come, not held).
constexpr std::size_t kMaxFeatureJobRows = 200000;
// Resources per request to the feature service: progress moves, and rows are written, between them.
constexpr std::size_t kFeatureJobBatch = 32;

Status RunFeatures(Run& run) {
  const std::string name = run.parameters.value("descriptor", std::string());
  const std::string format_name = run.parameters.value("format", std::string("hdf5"));
  const FeatureFormat format = format_name == "csv"    ? FeatureFormat::kCsv
                               : format_name == "json" ? FeatureFormat::kJson
                                                       : FeatureFormat::kHdf5;
  FeatureOptions options;
  if (run.parameters.contains("max_size")) options.max_size = run.parameters["max_size"].get<int>();
  options.use_cache = run.parameters.value("cache", true);
  VITRINE_ASSIGN_OR_RETURN(FeatureDescriptor descriptor, run.workspace.GetFeatureDescriptor(name));
  const std::vector<ImageId> images = ImagesOf(run.inputs["images"]);

  const std::string extension = format == FeatureFormat::kCsv ? "csv" : format == FeatureFormat::kJson ? "json" : "h5";
  const std::string media = format == FeatureFormat::kCsv    ? "text/csv"
                            : format == FeatureFormat::kJson ? "application/json"
                                                             : "application/x-hdf5";
  const fs::path file = run.scratch / ("features." + extension);
  VITRINE_ASSIGN_OR_RETURN(auto writer, features::TableFileWriter::Create(features::InfoOf(descriptor), format, file));
  std::size_t failed = 0;
  std::string failures;  // the first few, for the log
  for (std::size_t start = 0; start < images.size(); start += kFeatureJobBatch) {
    VITRINE_RETURN_IF_ERROR(StopIfLost(run));
    std::vector<FeatureResource> batch;
    for (std::size_t i = start; i < std::min(images.size(), start + kFeatureJobBatch); ++i) {
      batch.push_back({.image = images[i]});
    }
    VITRINE_ASSIGN_OR_RETURN(FeatureTable table, run.workspace.ExtractFeatures(name, batch, options));
    if (writer->rows() + table.rows.size() > kMaxFeatureJobRows) {
      return Status::InvalidArgument("these images give more than " + std::to_string(kMaxFeatureJobRows) + " rows of " +
                                     name + ": run it over fewer images per job");
    }
    std::vector<features::TableRow> rows;
    for (FeatureRow& row : table.rows) {
      if (row.status != 200) {
        if (++failed <= 20) failures += row.image + ": " + std::to_string(row.status) + " " + row.error + "\n";
      }
      rows.push_back(features::RowOf(std::move(row)));
    }
    VITRINE_RETURN_IF_ERROR(writer->Append(rows));
    run.keeper.Report(static_cast<int>(100 * std::min(images.size(), start + kFeatureJobBatch) / images.size()));
  }
  VITRINE_RETURN_IF_ERROR(writer->Finish());
  if (failed > 0) {
    VITRINE_RETURN_IF_ERROR(run.source.AppendLog(
        run.lease.job.id, run.lease.job.attempt,
        std::to_string(failed) + " rows could not be described (their status and error are in the table):\n" +
            failures + (failed > 20 ? "...\n" : "")));
  }
  return run.source.PutOutput(run.lease.job.id, run.lease.job.attempt, "features", "features." + extension, media,
                              file);
}

// ---- external analytics ----

// Batches the child's output into log appends: one per 64 KiB, and what came in the last half
// second from a thread of its own, so that a quiet analytic's last line still shows.
class LogForwarder {
 public:
  LogForwarder(JobSource& source, JobId job, int attempt) : source_(source), job_(job), attempt_(attempt) {
    thread_ = std::thread([this] {
      std::unique_lock lock(mu_);
      while (!done_) {
        cv_.wait_for(lock, std::chrono::milliseconds(500), [this] { return done_; });
        SendLocked(lock);
      }
    });
  }
  ~LogForwarder() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
    std::unique_lock lock(mu_);
    SendLocked(lock);
  }
  void Add(std::string_view text) {
    std::unique_lock lock(mu_);
    pending_ += text;
    if (pending_.size() >= 64 * 1024) SendLocked(lock);
  }

 private:
  // Sends what is pending; appends stay in order because only one sends at a time.
  void SendLocked(std::unique_lock<std::mutex>& lock) {
    if (pending_.empty() || sending_) return;
    std::string batch;
    batch.swap(pending_);
    sending_ = true;
    lock.unlock();
    Status s = source_.AppendLog(job_, attempt_, batch);
    if (!s.ok()) spdlog::warn("job {}: log lost: {}", job_.value(), s.ToString());
    lock.lock();
    sending_ = false;
  }

  JobSource& source_;
  const JobId job_;
  const int attempt_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string pending_;
  bool sending_ = false;
  bool done_ = false;
  std::thread thread_;
};

Result<jobs::UnpackedBundle> BundleOf(Run& run) {
  const Analytic& analytic = run.lease.analytic;
  if (analytic.bundle_sha256.size() != 64) return Status::Internal(analytic.name + " has no bundle");
  const fs::path cache = run.options.scratch_dir / "bundles";
  fs::create_directories(cache);
  const fs::path file = cache / (analytic.bundle_sha256 + ".tar.gz");
  if (!fs::exists(file)) {
    const fs::path partial = cache / (analytic.bundle_sha256 + "." + core::RandomUrlToken(6) + ".part");
    Status fetched = run.source.FetchBundle(analytic, partial);
    std::error_code ec;
    if (fetched.ok()) fs::rename(partial, file, ec);
    fs::remove(partial, ec);
    VITRINE_RETURN_IF_ERROR(fetched);
  }
  return jobs::UnpackBundle(file, analytic.bundle_sha256, cache / "unpacked");
}

// Each input with the local files the analytic reads.
Result<json> FetchInputs(Run& run, const fs::path& folder) {
  json task_inputs = json::object();
  for (auto& [name, input] : run.inputs.items()) {
    json entry = input;
    const std::string type = input.value("type", "");
    const fs::path dir = folder / name;
    fs::create_directories(dir);
    if (type == "image" || type == "images") {
      json paths = json::array();
      for (ImageId id : ImagesOf(input)) {
        VITRINE_RETURN_IF_ERROR(StopIfLost(run));
        const fs::path file = dir / std::to_string(id.value());
        VITRINE_RETURN_IF_ERROR(run.workspace.DownloadImage(id, file));
        paths.push_back(file.string());
      }
      if (type == "image" && !paths.empty()) entry["path"] = paths[0];
      entry["paths"] = paths;
    } else if (type == "data") {
      const fs::path file = dir / std::to_string(input["data-id"].get<std::int64_t>());
      VITRINE_RETURN_IF_ERROR(run.workspace.DownloadData(DataId(input["data-id"].get<std::int64_t>()), file));
      entry["path"] = file.string();
    }
    task_inputs[name] = std::move(entry);
  }
  // Data parameters are files too.
  for (auto& [name, value] : run.parameters.items()) {
    if (value.is_object() && value.contains("data-id")) {
      const fs::path file = folder / ("parameter-" + name);
      VITRINE_RETURN_IF_ERROR(run.workspace.DownloadData(DataId(value["data-id"].get<std::int64_t>()), file));
      value["path"] = file.string();
    }
  }
  return task_inputs;
}

// An `annotations` output: a GeoJSON FeatureCollection, one annotation run per image.
Status ImportAnnotations(Run& run, const fs::path& file, const std::vector<ImageId>& job_images) {
  std::ifstream in(file, std::ios::binary);
  json collection = json::parse(in, nullptr, false);
  if (collection.is_discarded() || collection.value("type", "") != "FeatureCollection" ||
      !collection.contains("features") || !collection["features"].is_array()) {
    return Status::InvalidArgument(file.filename().string() + " is not a GeoJSON FeatureCollection");
  }
  std::map<std::int64_t, NewAnnotationRun> runs;
  for (const auto& feature : collection["features"]) {
    if (!feature.is_object() || !feature.contains("geometry")) continue;
    json properties = feature.value("properties", json::object());
    std::int64_t image = 0;
    if (properties.contains("image_id") && properties["image_id"].is_number_integer()) {
      image = properties["image_id"].get<std::int64_t>();
    } else if (job_images.size() == 1) {
      image = job_images[0].value();
    } else {
      return Status::InvalidArgument("a feature of " + file.filename().string() +
                                     " has no properties.image_id, and the job has several images");
    }
    if (std::find(job_images.begin(), job_images.end(), ImageId(image)) == job_images.end()) {
      return Status::InvalidArgument(file.filename().string() + " names image " + std::to_string(image) +
                                     ", which is not an input of the job");
    }
    NewAnnotationRun& r = runs[image];
    r.image_id = ImageId(image);
    r.algorithm = run.lease.analytic.name;
    r.algorithm_version = run.lease.analytic.version;
    r.replace = true;
    r.metadata = {{"job", std::to_string(run.lease.job.id.value())}};
    NewAnnotation a;
    a.image_id = ImageId(image);
    a.geojson = feature["geometry"].dump();
    for (const auto& [k, v] : properties.items()) {
      if (k != "image_id") a.properties[k] = v.is_string() ? v.get<std::string>() : v.dump();
    }
    r.annotations.push_back(std::move(a));
  }
  for (const auto& [image, r] : runs) VITRINE_RETURN_IF_ERROR(run.workspace.StoreAnnotationRun(r).status());
  return Status::Ok();
}

// A `properties` output: {"<image id>": {"key": "value"}}, or one flat object for one image.
Status SetProperties(Run& run, const fs::path& file, const std::vector<ImageId>& job_images) {
  std::ifstream in(file, std::ios::binary);
  json object = json::parse(in, nullptr, false);
  if (object.is_discarded() || !object.is_object()) {
    return Status::InvalidArgument(file.filename().string() + " is not a JSON object");
  }
  auto strings = [](const json& o) {
    std::map<std::string, std::string> out;
    for (const auto& [k, v] : o.items()) out[k] = v.is_string() ? v.get<std::string>() : v.dump();
    return out;
  };
  const bool per_image =
      !object.empty() && std::all_of(object.begin(), object.end(), [](const json& v) { return v.is_object(); });
  if (!per_image) {
    if (job_images.size() != 1) {
      return Status::InvalidArgument(file.filename().string() + " must map image ids to properties");
    }
    return run.workspace.SetImageProperties(job_images[0], strings(object));
  }
  for (const auto& [key, value] : object.items()) {
    std::int64_t id = 0;
    if (std::from_chars(key.data(), key.data() + key.size(), id).ec != std::errc() ||
        std::find(job_images.begin(), job_images.end(), ImageId(id)) == job_images.end()) {
      return Status::InvalidArgument(file.filename().string() + ": '" + key + "' is not an image of the job");
    }
    VITRINE_RETURN_IF_ERROR(run.workspace.SetImageProperties(ImageId(id), strings(value)));
  }
  return Status::Ok();
}

std::string Tail(const std::string& log, std::size_t bytes) {
  return log.size() <= bytes ? log : "..." + log.substr(log.size() - bytes);
}

Status RunExternal(Run& run) {
  VITRINE_ASSIGN_OR_RETURN(service::AnalyticDoc doc, service::ParseAnalyticDoc(run.lease.analytic.doc));
  VITRINE_ASSIGN_OR_RETURN(jobs::UnpackedBundle bundle, BundleOf(run));
  const fs::path input_dir = run.scratch / "input", output_dir = run.scratch / "output", home = run.scratch / "home";
  for (const auto& dir : {input_dir, output_dir, home}) fs::create_directories(dir);
  VITRINE_ASSIGN_OR_RETURN(json task_inputs, FetchInputs(run, input_dir));
  const Job& job = run.lease.job;
  json task{{"job_id", job.id.value()},     {"attempt", job.attempt},           {"project_id", job.project_id.value()},
            {"analytic", job.analytic},     {"version", job.analytic_version},  {"inputs", task_inputs},
            {"parameters", run.parameters}, {"output_dir", output_dir.string()}};
  const fs::path task_file = run.scratch / "task.json";
  VITRINE_RETURN_IF_ERROR(WriteFile(task_file, task.dump(2)));

  jobs::ChildSpec spec;
  spec.argv = {bundle.entry_point.string()};
  spec.working_dir = bundle.dir;
  spec.limits = run.options.limits;
  if (doc.wall_time_seconds) {
    spec.limits.wall_time = std::min(spec.limits.wall_time, std::chrono::seconds(*doc.wall_time_seconds));
  }
  spec.environment = {{"PATH", "/usr/local/bin:/usr/bin:/bin"},
                      {"HOME", home.string()},
                      {"LANG", "C.UTF-8"},
                      {"VITRINE_JOB_ID", std::to_string(job.id.value())},
                      {"VITRINE_ATTEMPT", std::to_string(job.attempt)},
                      {"VITRINE_TASK", task_file.string()},
                      {"VITRINE_OUTPUT_DIR", output_dir.string()},
                      {"VITRINE_URL", run.source.server_url()},
                      {"VITRINE_TOKEN", run.lease.token}};
  if (::getuid() == 0) {
    // Never as root: as nobody, who may write only the job's own folders.
    constexpr uid_t kNobody = 65534;
    spec.run_as = std::make_pair(kNobody, static_cast<gid_t>(kNobody));
    for (const auto& entry : fs::recursive_directory_iterator(run.scratch)) {
      if (::chown(entry.path().c_str(), kNobody, kNobody) != 0) {
        return Status::Internal("cannot hand " + entry.path().string() + " to nobody");
      }
    }
    if (::chown(run.scratch.c_str(), kNobody, kNobody) != 0) return Status::Internal("cannot hand the job folder over");
  }
  run.keeper.Report(0);  // prepared: RUNNING from here
  std::string tail;
  std::optional<LogForwarder> log;
  log.emplace(run.source, job.id, job.attempt);
  VITRINE_ASSIGN_OR_RETURN(jobs::ChildOutcome outcome,
                           jobs::RunChild(
                               spec,
                               [&](std::string_view text) {
                                 log->Add(text);
                                 tail = Tail(tail + std::string(text), 4096);
                               },
                               [&](int progress) { run.keeper.Report(progress); }, [&] { return run.keeper.lost(); }));
  log.reset();  // every line sent before the job's end is reported
  using End = jobs::ChildOutcome::End;
  const std::string last_lines = outcome.log_tail.empty() ? tail : outcome.log_tail;
  switch (outcome.end) {
    case End::kExited:
      if (outcome.exit_code == 0) break;
      return Status::Internal("the analytic exited with status " + std::to_string(outcome.exit_code) +
                              "; its log ends:\n" + Tail(last_lines, 2048));
    case End::kSignalled:
      return Status::Internal("the analytic was ended by signal " + std::to_string(outcome.signal) +
                              " (a crash, or the memory limit); its log ends:\n" + Tail(last_lines, 2048));
    case End::kTimedOut:
      return Status::Internal("the analytic ran past its wall time of " +
                              std::to_string(spec.limits.wall_time.count()) + " s and was stopped");
    case End::kKilled:
      return Status::Conflict("the job was killed");
    case End::kFailedToStart:
      return Status::Internal("the analytic could not start: " + outcome.start_error);
  }
  std::vector<ImageId> job_images;
  for (const auto& [name, input] : run.inputs.items()) {
    for (ImageId id : ImagesOf(input)) job_images.push_back(id);
  }
  for (const auto& output : doc.outputs) {
    const fs::path file = output_dir / output.filename;
    std::error_code ec;
    if (!fs::is_regular_file(fs::symlink_status(file, ec))) continue;  // a required one is reported by Finish
    if (output.type == "annotations") VITRINE_RETURN_IF_ERROR(ImportAnnotations(run, file, job_images));
    if (output.type == "properties") VITRINE_RETURN_IF_ERROR(SetProperties(run, file, job_images));
    const std::string media = output.type == "file" ? "application/octet-stream" : "application/json";
    VITRINE_RETURN_IF_ERROR(run.source.PutOutput(job.id, job.attempt, output.name, output.filename, media, file));
  }
  return Status::Ok();
}

Status RunAnalytic(Run& run) {
  const std::string& name = run.lease.job.analytic;
  if (name == service::kNoopAnalytic) return RunNoop(run);
  if (name == service::kPyramidsAnalytic) return RunPyramids(run);
  if (name == service::kDarkObjectsAnalytic) return RunDarkObjects(run);
  if (name == service::kFeaturesAnalytic) return RunFeatures(run);
  if (!run.lease.analytic.builtin) return RunExternal(run);
  return Status::Unsupported("this worker cannot run " + name);
}

}  // namespace

std::vector<std::string> BuiltinAnalyticNames() {
  return {service::kNoopAnalytic, service::kPyramidsAnalytic, service::kDarkObjectsAnalytic,
          service::kFeaturesAnalytic};
}

Workers::Workers(JobSource& source, WorkerOptions options) : source_(source), options_(std::move(options)) {
  for (unsigned i = 0; i < options_.concurrency; ++i) threads_.emplace_back([this, i] { Loop(i); });
}

Workers::~Workers() {
  Stop();
  for (auto& t : threads_) t.join();
}

void Workers::Loop(unsigned index) {
  const std::string name = options_.name + "#" + std::to_string(index + 1);
  // A built-in analytic's job is RUNNING from its claim; an external one's when its process starts.
  const service::ClaimRequest ask{name, options_.analytics, options_.claim_wait, /*start=*/true};
  // The last job's result, reported with the next claim: one round trip per job.
  std::optional<std::pair<JobId, service::JobResult>> unreported;
  auto report = [&](const Result<Job>& finished) {
    if (finished.ok()) {
      ++finished_;
    } else if (finished.status().code() == ErrorCode::kUnavailable) {
      return;  // not delivered: sent again with the next claim
    } else {
      spdlog::warn("worker {}: job {}: {}", name, unreported->first.value(), finished.status().ToString());
    }
    unreported.reset();
  };
  while (!stopping_) {
    Result<std::optional<service::JobLease>> claimed = std::optional<service::JobLease>();
    if (unreported) {
      auto both = source_.FinishAndClaim(unreported->first, unreported->second, ask);
      report(both.finished);
      claimed = std::move(both.next);
    } else {
      claimed = source_.Claim(ask);
    }
    if (!claimed.ok()) {
      spdlog::warn("worker {}: cannot claim: {}", name, claimed.status().ToString());
      std::this_thread::sleep_for(std::chrono::seconds(1));  // the server is away: ask again shortly
      continue;
    }
    if (!*claimed) continue;
    const service::JobLease& lease = **claimed;
    const Job& job = lease.job;
    Status outcome;
    bool lost = false;
    {
      LeaseKeeper keeper(source_, job.id, job.attempt, lease.lease);
      if (job.state == JobState::kScheduled && lease.analytic.builtin) keeper.Report(0);
      ScratchFolder scratch{
          options_.scratch_dir / "jobs" /
          (std::to_string(job.id.value()) + "-" + std::to_string(job.attempt) + "-" + core::RandomUrlToken(6))};
      std::error_code ec;
      fs::create_directories(scratch.path, ec);
      auto workspace = source_.Workspace(lease);
      if (ec) {
        outcome = Status::Internal("cannot create " + scratch.path.string() + ": " + ec.message());
      } else if (!workspace.ok()) {
        outcome = workspace.status();
      } else {
        Run run{source_,
                lease,
                keeper,
                **workspace,
                options_,
                scratch.path,
                json::parse(job.inputs, nullptr, false),
                json::parse(job.parameters, nullptr, false)};
        try {
          outcome = RunAnalytic(run);
        } catch (const std::exception& e) {
          outcome = Status::Internal(std::string("the analytic threw: ") + e.what());
        }
      }
      lost = keeper.lost();
    }
    if (lost) {
      spdlog::info("worker {}: job {} was killed or taken over; its result is dropped", name, job.id.value());
      continue;
    }
    service::JobResult result{job.attempt, outcome.ok(), JobFailure::kAnalytic, outcome.ok() ? "" : outcome.message()};
    if (outcome.code() == ErrorCode::kInvalidArgument || outcome.code() == ErrorCode::kNotFound ||
        outcome.code() == ErrorCode::kPermissionDenied) {
      result.failure = JobFailure::kUser;  // bad input found late
    }
    unreported.emplace(job.id, std::move(result));
  }
  // Stopping: the last result still goes out, on its own (retried while the server is away).
  if (unreported) report(source_.Finish(unreported->first, unreported->second));
}

InProcessWorkers::InProcessWorkers(service::Service& service, WorkerOptions options, std::string server_url)
    : source_(ServiceJobSource(service, std::move(server_url))) {
  workers_ = std::make_unique<Workers>(*source_, std::move(options));
}

InProcessWorkers::~InProcessWorkers() { workers_.reset(); }

JobSweeper::JobSweeper(service::Service& service, core::Executor& executor, std::chrono::milliseconds interval)
    : task_(executor, core::Lane::kMaintenance, interval, [&service] {
        auto swept = service.jobs().Sweep();
        if (!swept.ok()) spdlog::warn("job housekeeping: {}", swept.status().ToString());
      }) {}

}  // namespace vitrine::worker
