// `vitrine analytic`, `vitrine data` and `vitrine job`: analyses as jobs from the command line,
// on a server or a data folder alike (docs/cli.md). A job that ends FAILED makes `job wait` and
// `job create --wait` exit 1 with its failure type and reason.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/target.h"
#include "core/parse_integer.h"
#include "core/time_format.h"
#include "vitrine/collections.h"
#include "wire/job_json.h"

namespace vitrine::cli {
namespace {

struct JobFlags {
  TargetFlags target;
  bool json = false;
  std::int64_t id = 0;
  std::string path;    // a file to send (bundle, data), or the analytic's name for `job create`
  std::string output;  // -o PATH
  std::string output_name;
  std::int64_t project = 0;
  std::string name, version, state, analytic;
  std::vector<std::string> inputs, params;
  std::int64_t ttl = 0;
  std::int64_t timeout = 3600;
  bool start = false, wait = false, archived = false, all_versions = false, follow = false;
};

std::string Time(const std::optional<Timestamp>& t) { return t ? core::FormatIso8601(*t) : "-"; }

std::string Id(std::int64_t id) { return std::to_string(id); }

// ---- how things are shown ----

void PrintAnalytics(const std::vector<Analytic>& all, bool json) {
  if (json) {
    wire::Json items = wire::Json::array();
    for (const auto& a : all) items.push_back(wire::ToJson(a));
    return PrintJson(items);
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& a : all) {
    rows.push_back({Id(a.id.value()), a.name, a.version, a.builtin ? "built-in" : "bundle", a.description});
  }
  PrintTable({"ID", "NAME", "VERSION", "KIND", "DESCRIPTION"}, rows);
}

void PrintAnalytic(const Analytic& a, bool json) {
  wire::Json doc = wire::Json::parse(a.doc, nullptr, false);
  if (json) {
    wire::Json out = wire::ToJson(a);
    out["doc"] = doc.is_discarded() ? wire::Json(a.doc) : doc;
    return PrintJson(out);
  }
  PrintAnalytics({a}, false);
  if (!doc.is_discarded()) std::cout << doc.dump(2) << "\n";
}

void PrintData(const std::vector<DataFile>& all, bool json) {
  if (json) {
    wire::Json items = wire::Json::array();
    for (const auto& d : all) items.push_back(wire::ToJson(d));
    return PrintJson(items);
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : all) {
    rows.push_back(
        {Id(d.id.value()), Id(d.project_id.value()), d.name, Id(d.size_bytes), d.media_type, Time(d.expires_at)});
  }
  PrintTable({"ID", "PROJECT", "NAME", "BYTES", "TYPE", "EXPIRES"}, rows);
}

std::string StateText(const Job& j) {
  std::string text(JobStateName(j.state));
  if (j.state == JobState::kFailed) text += " (" + std::string(JobFailureName(j.failure_type)) + ")";
  if (j.state == JobState::kRunning) text += " " + std::to_string(j.progress) + "%";
  return text;
}

void PrintJobs(const std::vector<Job>& all) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& j : all) {
    rows.push_back({Id(j.id.value()), Id(j.project_id.value()), j.analytic + "@" + j.analytic_version, j.name,
                    StateText(j), core::FormatIso8601(j.created_at)});
  }
  PrintTable({"ID", "PROJECT", "ANALYTIC", "NAME", "STATE", "CREATED"}, rows);
}

void PrintJob(const Job& j, bool json) {
  if (json) return PrintJson(wire::ToJson(j));
  PrintJobs({j});
  if (!j.failure_reason.empty()) std::cout << "failure: " << j.failure_reason << "\n";
  std::cout << "inputs: " << j.inputs << "\nparameters: " << j.parameters << "\n";
  for (const auto& m : j.messages) std::cout << "  " << core::FormatIso8601(m.time) << "  " << m.message << "\n";
  for (const auto& o : j.outputs) {
    std::cout << "output " << o.name << ": " << o.filename << " (" << o.size_bytes << " bytes, " << o.type << ")\n";
  }
}

// A finished job as the command's outcome: FAILED is an error naming the failure type and reason.
Status Outcome(const Job& j) {
  if (j.state != JobState::kFailed) return Status::Ok();
  std::string reason = j.failure_reason.empty() ? "" : ": " + j.failure_reason;
  return Status::Internal("job " + Id(j.id.value()) + " FAILED (" + std::string(JobFailureName(j.failure_type)) + ")" +
                          reason);
}

// ---- the request of `job create` ----

// NAME=image:ID, NAME=images:ID,ID,..., NAME=data:ID or NAME=annotation-run:ID as the inputs
// object the server takes.
Result<wire::Json> ParseInputs(const std::vector<std::string>& given) {
  wire::Json inputs = wire::Json::object();
  for (const auto& text : given) {
    const auto eq = text.find('=');
    const auto colon = text.find(':', eq == std::string::npos ? 0 : eq);
    const std::string usage =
        "--input is NAME=image:ID, NAME=images:ID,ID,..., NAME=data:ID or NAME=annotation-run:ID, not '" + text + "'";
    if (eq == std::string::npos || eq == 0 || colon == std::string::npos) return Status::InvalidArgument(usage);
    const std::string name = text.substr(0, eq), kind = text.substr(eq + 1, colon - eq - 1);
    std::vector<std::int64_t> ids;
    std::string rest = text.substr(colon + 1);
    for (std::size_t start = 0; start <= rest.size();) {
      const auto comma = std::min(rest.find(',', start), rest.size());
      auto id = core::ParseInteger<std::int64_t>(std::string_view(rest).substr(start, comma - start));
      if (!id || *id <= 0) return Status::InvalidArgument(usage);
      ids.push_back(*id);
      start = comma + 1;
    }
    if (kind == "images") {
      inputs[name] = {{"image-ids", ids}};
    } else if (ids.size() != 1) {
      return Status::InvalidArgument(usage);
    } else if (kind == "image") {
      inputs[name] = {{"image-id", ids[0]}};
    } else if (kind == "data") {
      inputs[name] = {{"data-id", ids[0]}};
    } else if (kind == "annotation-run") {
      inputs[name] = {{"annotation-run-id", ids[0]}};
    } else {
      return Status::InvalidArgument(usage);
    }
  }
  return inputs;
}

// K=V: V as JSON when it parses (5, 2.5, true, "x", [1,2]), data:ID for a stored file, else the
// text itself.
Result<wire::Json> ParseParameters(const std::vector<std::string>& given) {
  wire::Json parameters = wire::Json::object();
  for (const auto& text : given) {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::InvalidArgument("--param is KEY=VALUE, not '" + text + "'");
    }
    const std::string key = text.substr(0, eq), value = text.substr(eq + 1);
    wire::Json parsed = wire::Json::parse(value, nullptr, false);
    if (auto id = value.starts_with("data:") ? core::ParseInteger<std::int64_t>(value.substr(5)) : std::nullopt) {
      parameters[key] = {{"data-id", *id}};
    } else if (!parsed.is_discarded() && !value.empty()) {
      parameters[key] = std::move(parsed);
    } else {
      parameters[key] = value;
    }
  }
  return parameters;
}

// ---- analytic ----

Status ListAnalytics(const JobFlags& f) {
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(f.target));
  VITRINE_ASSIGN_OR_RETURN(auto all, client->ListAnalytics(f.all_versions));
  PrintAnalytics(all, f.json);
  return Status::Ok();
}

Status ShowAnalytic(const JobFlags& f) {
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(f.target));
  VITRINE_ASSIGN_OR_RETURN(Analytic a, client->GetAnalytic(AnalyticId(f.id)));
  PrintAnalytic(a, f.json);
  return Status::Ok();
}

Status RegisterAnalytic(const JobFlags& f) {
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(f.target));
  VITRINE_ASSIGN_OR_RETURN(Analytic a, client->RegisterAnalytic(f.path));
  if (f.json) return PrintAnalytic(a, true), Status::Ok();
  std::cout << "registered analytic " << a.name << " " << a.version << " (id " << a.id.value() << ")\n";
  return Status::Ok();
}

Status RemoveAnalytic(const JobFlags& f) {
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(f.target));
  VITRINE_RETURN_IF_ERROR(client->DeleteAnalytic(AnalyticId(f.id)));
  std::cout << "removed analytic " << f.id << "\n";
  return Status::Ok();
}

// ---- data ----

Status UploadData(const JobFlags& f) {
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(f.target));
  NewDataFile data{.project = ProjectId(f.project), .name = f.name};
  if (f.ttl > 0) data.ttl = std::chrono::seconds(f.ttl);
  VITRINE_ASSIGN_OR_RETURN(DataFile d, client->UploadData(f.path, data));
  if (f.json) return PrintJson(wire::ToJson(d)), Status::Ok();
  std::cout << "uploaded " << f.path << " as data " << d.id.value() << " (" << d.size_bytes << " bytes)\n";
  return Status::Ok();
}

Status ListData(const JobFlags& f) {
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(f.target));
  DataFilter filter;
  if (f.project > 0) filter.project = ProjectId(f.project);
  Pager<DataFile> pager([&](const PageRequest& page) { return client->ListData(filter, page); },
                        PageRequest::kMaxLimit);
  VITRINE_ASSIGN_OR_RETURN(std::vector<DataFile> all, pager.All());
  PrintData(all, f.json);
  return Status::Ok();
}

Status DownloadData(const JobFlags& f) {
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(f.target));
  std::string target = f.output;
  if (target.empty()) {
    VITRINE_ASSIGN_OR_RETURN(DataFile d, client->GetData(DataId(f.id)));
    target = std::filesystem::path(d.name).filename().string();
  }
  VITRINE_RETURN_IF_ERROR(client->DownloadData(DataId(f.id), target));
  std::cout << "downloaded data " << f.id << " to " << target << "\n";
  return Status::Ok();
}

Status RemoveData(const JobFlags& f) {
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(f.target));
  VITRINE_RETURN_IF_ERROR(client->DeleteData(DataId(f.id)));
  std::cout << "removed data " << f.id << "\n";
  return Status::Ok();
}

// ---- job ----

// Follows a job to its end: a live bar on a terminal, a line per change otherwise.
Result<Job> Follow(Client& client, JobId id, std::chrono::seconds timeout, bool quiet) {
  const bool terminal = !quiet && ::isatty(STDERR_FILENO) == 1;
  auto shown = [&](const Job& j) {
    if (quiet) return;
    if (!terminal) {
      std::fprintf(stderr, "job %lld: %s\n", static_cast<long long>(id.value()), StateText(j).c_str());
      return;
    }
    constexpr int kWidth = 30;
    const int filled = IsFinished(j.state) ? kWidth : std::clamp(j.progress, 0, 100) * kWidth / 100;
    std::string bar(static_cast<std::size_t>(filled), '=');
    bar.resize(kWidth, ' ');
    std::fprintf(stderr, "\r\033[K[%s] %3d%%  job %lld %s", bar.c_str(), IsFinished(j.state) ? 100 : j.progress,
                 static_cast<long long>(id.value()), std::string(JobStateName(j.state)).c_str());
    std::fflush(stderr);
  };
  auto done = WaitUntilFinished(client, id, timeout, shown);
  if (terminal) std::fprintf(stderr, "\n");
  return done;
}

Status CreateJob(const JobFlags& f) {
  VITRINE_ASSIGN_OR_RETURN(wire::Json inputs, ParseInputs(f.inputs));
  VITRINE_ASSIGN_OR_RETURN(wire::Json parameters, ParseParameters(f.params));
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(f.target));
  NewJob request{.project = ProjectId(f.project),
                 .analytic = f.path,
                 .version = f.version,
                 .name = f.name,
                 .inputs = inputs.dump(),
                 .parameters = parameters.dump(),
                 .auto_start = f.start};
  if (f.ttl > 0) request.output_ttl = std::chrono::seconds(f.ttl);
  VITRINE_ASSIGN_OR_RETURN(Job job, client->CreateJob(request));
  if (!f.wait) return PrintJob(job, f.json), Status::Ok();
  if (!f.json) std::cerr << "created job " << job.id.value() << "\n";
  VITRINE_ASSIGN_OR_RETURN(job, Follow(*client, job.id, std::chrono::seconds(f.timeout), f.json));
  PrintJob(job, f.json);
  return Outcome(job);
}

Status ListJobs(const JobFlags& f) {
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(f.target));
  JobFilter filter;
  if (!f.state.empty()) {
    filter.state = JobStateFromName(f.state);
    if (!filter.state) {
      return Status::InvalidArgument("--state is READY, QUEUED, SCHEDULED, RUNNING, COMPLETE or FAILED, not '" +
                                     f.state + "'");
    }
  }
  if (f.project > 0) filter.project = ProjectId(f.project);
  if (!f.analytic.empty()) filter.analytic = f.analytic;
  filter.archived = f.archived;
  Pager<Job> pager([&](const PageRequest& page) { return client->ListJobs(filter, page); }, PageRequest::kMaxLimit);
  VITRINE_ASSIGN_OR_RETURN(std::vector<Job> all, pager.All());
  if (f.json) {
    wire::Json items = wire::Json::array();
    for (const auto& j : all) items.push_back(wire::ToJson(j, /*with_messages=*/false));
    return PrintJson(items), Status::Ok();
  }
  PrintJobs(all);
  return Status::Ok();
}

Status ShowJob(const JobFlags& f) {
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(f.target));
  VITRINE_ASSIGN_OR_RETURN(Job job, client->GetJob(JobId(f.id)));
  PrintJob(job, f.json);
  return Status::Ok();
}

// start, kill, archive and unarchive: one call, then the job as it is now.
template <Result<Job> (*Action)(Client&, JobId)>
Status ChangeJob(const JobFlags& f) {
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(f.target));
  VITRINE_ASSIGN_OR_RETURN(Job job, Action(*client, JobId(f.id)));
  PrintJob(job, f.json);
  return Status::Ok();
}
Result<Job> Start(Client& c, JobId id) { return c.StartJob(id); }
Result<Job> Kill(Client& c, JobId id) { return c.KillJob(id); }
Result<Job> Archive(Client& c, JobId id) { return c.ArchiveJob(id, true); }
Result<Job> Unarchive(Client& c, JobId id) { return c.ArchiveJob(id, false); }

Status RemoveJob(const JobFlags& f) {
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(f.target));
  VITRINE_RETURN_IF_ERROR(client->DeleteJob(JobId(f.id)));
  std::cout << "removed job " << f.id << "\n";
  return Status::Ok();
}

Status WaitJob(const JobFlags& f) {
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(f.target));
  VITRINE_ASSIGN_OR_RETURN(Job job, Follow(*client, JobId(f.id), std::chrono::seconds(f.timeout), f.json));
  PrintJob(job, f.json);
  return Outcome(job);
}

Status JobLogs(const JobFlags& f) {
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(f.target));
  const JobId id(f.id);
  std::int64_t seq = 0;
  auto read = [&]() -> Status {
    VITRINE_ASSIGN_OR_RETURN(JobLog log, client->ReadJobLog(id, seq));
    std::cout << log.text << std::flush;
    seq = log.next_seq;
    return Status::Ok();
  };
  VITRINE_RETURN_IF_ERROR(read());
  if (!f.follow) return Status::Ok();
  while (true) {
    // Log lines are no change to wait on: read again at least every two seconds.
    VITRINE_ASSIGN_OR_RETURN(Job job, client->WaitForJob(id, std::chrono::seconds(2)));
    VITRINE_RETURN_IF_ERROR(read());
    if (IsFinished(job.state)) return Status::Ok();
  }
}

Status DownloadOutput(const JobFlags& f) {
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(f.target));
  VITRINE_ASSIGN_OR_RETURN(Job job, client->GetJob(JobId(f.id)));
  std::string names;
  for (const auto& o : job.outputs) names += (names.empty() ? "" : ", ") + o.name;
  if (job.outputs.empty()) {
    return Status::NotFound("job " + Id(f.id) + " has no outputs (it is " + std::string(JobStateName(job.state)) + ")");
  }
  std::string wanted = f.output_name;
  if (wanted.empty()) {
    if (job.outputs.size() > 1) return Status::InvalidArgument("name the output to download: one of " + names);
    wanted = job.outputs.front().name;
  }
  auto it = std::find_if(job.outputs.begin(), job.outputs.end(), [&](const JobOutput& o) { return o.name == wanted; });
  if (it == job.outputs.end()) {
    return Status::NotFound("job " + Id(f.id) + " has no output '" + wanted + "' (it has " + names + ")");
  }
  std::string target = f.output.empty() ? std::filesystem::path(it->filename).filename().string() : f.output;
  if (target.empty()) target = it->name;
  VITRINE_RETURN_IF_ERROR(client->DownloadJobOutput(job.id, wanted, target));
  std::cout << "downloaded output " << wanted << " of job " << f.id << " to " << target << "\n";
  return Status::Ok();
}

// ---- registration ----

CLI::App* Command(CLI::App& parent, const char* name, const char* help, JobFlags& flags, const char* id_help) {
  CLI::App* cmd = parent.add_subcommand(name, help);
  if (id_help) cmd->add_option("id", flags.id, id_help)->required();
  cmd->add_flag("--json", flags.json, "Print JSON");
  AddTargetOptions(*cmd, flags.target);
  return cmd;
}

using Body = Status (*)(const JobFlags&);

CLI::App* Add(CommandContext& context, CLI::App& parent, const char* name, const char* help, Body body,
              const char* id_help = nullptr, std::shared_ptr<JobFlags>* out = nullptr) {
  auto flags = std::make_shared<JobFlags>();
  CLI::App* cmd = Command(parent, name, help, *flags, id_help);
  cmd->callback(Run(context, [body, flags] { return body(*flags); }));
  if (out) *out = flags;
  return cmd;
}

void AddAnalyticCommands(CLI::App& app, CommandContext& context) {
  CLI::App* group = app.add_subcommand("analytic", "List, show, register and remove analytics");
  group->require_subcommand(1);
  std::shared_ptr<JobFlags> f;
  Add(context, *group, "list", "List analytics (latest version of each)", ListAnalytics, nullptr, &f)
      ->add_flag("--all-versions", f->all_versions, "Every version");
  Add(context, *group, "show", "Show an analytic and its document", ShowAnalytic, "Analytic id");
  Add(context, *group, "register", "Register an analytic bundle (.tar.gz; administrators)", RegisterAnalytic, nullptr,
      &f)
      ->add_option("bundle", f->path, "The bundle: analytic.json and an entry point, gzipped")
      ->required();
  Add(context, *group, "remove", "Remove an analytic (administrators)", RemoveAnalytic, "Analytic id")->alias("delete");
}

void AddDataCommands(CLI::App& app, CommandContext& context) {
  CLI::App* group = app.add_subcommand("data", "Upload, list, download and remove data files");
  group->require_subcommand(1);
  std::shared_ptr<JobFlags> f;
  CLI::App* upload = Add(context, *group, "upload", "Upload a file into a project", UploadData, nullptr, &f);
  upload->add_option("file", f->path, "The file")->required();
  upload->add_option("--project,-p", f->project, "Project id")->required();
  upload->add_option("--name", f->name, "Name to store it under (default: the file's name)");
  upload->add_option("--ttl", f->ttl, "Delete it after this many seconds")->check(CLI::PositiveNumber);
  Add(context, *group, "list", "List data files", ListData, nullptr, &f)
      ->add_option("--project,-p", f->project, "Only this project");
  Add(context, *group, "download", "Download a data file", DownloadData, "Data id", &f)
      ->add_option("-o,--output", f->output, "Where to write it (default: its name, here)");
  Add(context, *group, "remove", "Remove a data file", RemoveData, "Data id")->alias("delete");
}

void AddJobCommandsOnly(CLI::App& app, CommandContext& context) {
  CLI::App* group = app.add_subcommand("job", "Create, follow and manage jobs");
  group->require_subcommand(1);
  std::shared_ptr<JobFlags> f;
  CLI::App* create =
      Add(context, *group, "create", "Create a job (and with --start, queue it)", CreateJob, nullptr, &f);
  create->add_option("analytic", f->path, "Analytic name, e.g. vitrine/dark-objects")->required();
  create->add_option("--project,-p", f->project, "Project id")->required();
  create->add_option("--version", f->version, "Analytic version (default: the latest)");
  create->add_option("--name", f->name, "A name for the job");
  create
      ->add_option("--input", f->inputs,
                   "NAME=image:ID, NAME=images:ID,ID,..., NAME=data:ID or NAME=annotation-run:ID (repeatable)")
      ->allow_extra_args(false);
  create->add_option("--param", f->params, "KEY=VALUE, VALUE as JSON when it parses, else text (repeatable)")
      ->allow_extra_args(false);
  CLI::Option* start = create->add_flag("--start", f->start, "Queue the job at once");
  create->add_flag("--wait", f->wait, "Wait for the job to finish (exit 1 if it fails)")->needs(start);
  create->add_option("--ttl", f->ttl, "Delete the job's outputs after this many seconds")->check(CLI::PositiveNumber);
  create->add_option("--timeout", f->timeout, "With --wait: give up after this many seconds")->capture_default_str();

  CLI::App* list = Add(context, *group, "list", "List jobs", ListJobs, nullptr, &f);
  list->add_option("--state", f->state, "READY, QUEUED, SCHEDULED, RUNNING, COMPLETE or FAILED");
  list->add_option("--project,-p", f->project, "Only this project");
  list->add_option("--analytic", f->analytic, "Only this analytic (name)");
  list->add_flag("--archived", f->archived, "Archived jobs instead");

  Add(context, *group, "show", "Show a job, its messages and outputs", ShowJob, "Job id");
  Add(context, *group, "start", "Queue a READY job", ChangeJob<Start>, "Job id");
  Add(context, *group, "kill", "Stop a queued or running job (it ends FAILED, USER)", ChangeJob<Kill>, "Job id");
  Add(context, *group, "archive", "Hide a job from the default listing", ChangeJob<Archive>, "Job id");
  Add(context, *group, "unarchive", "Bring an archived job back", ChangeJob<Unarchive>, "Job id");
  Add(context, *group, "remove", "Delete a READY or finished job", RemoveJob, "Job id")->alias("delete");
  Add(context, *group, "wait", "Wait for a job to finish (exit 1 if it fails)", WaitJob, "Job id", &f)
      ->add_option("--timeout", f->timeout, "Give up after this many seconds")
      ->capture_default_str();
  Add(context, *group, "logs", "Print a job's log", JobLogs, "Job id", &f)
      ->add_flag("--follow,-f", f->follow, "Keep printing until the job ends");
  CLI::App* download = Add(context, *group, "download", "Download a job's output", DownloadOutput, "Job id", &f);
  download->add_option("output_name", f->output_name, "Which output (needed when there are several)");
  download->add_option("-o,--output", f->output, "Where to write it (default: its file name, here)");
}

}  // namespace

void AddJobCommands(CLI::App& app, CommandContext& context) {
  AddAnalyticCommands(app, context);
  AddDataCommands(app, context);
  AddJobCommandsOnly(app, context);
}

}  // namespace vitrine::cli
