// `vitrine features`: the descriptor catalogue, and descriptors over a project's images (or their
// annotations) written to an HDF5 (BisQue's layout), CSV or JSON file (docs/features.md).
#include <unistd.h>

#include <memory>

#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/target.h"
#include "client/save_file.h"
#include "core/parse_integer.h"
#include "core/time_format.h"
#include "features/feature_table.h"
#include "vitrine/collections.h"

namespace vitrine::cli {
namespace {

namespace fs = std::filesystem;

// Resources per request: each request is computed in parallel on the server, and the bar moves
// between requests.
constexpr std::size_t kBatch = 16;

struct FeatureFlags {
  TargetFlags target;
  bool json = false;
  std::string name;
  std::int64_t project = 0;
  std::vector<std::int64_t> images;
  std::string device, captured_from, captured_to, filename;
  bool annotations = false;
  std::vector<std::int64_t> terms;
  std::string region;
  int max_size = 0;
  bool no_cache = false;
  std::string output;
};

wire::Json DescriptorJson(const FeatureDescriptor& d) {
  wire::Json columns = wire::Json::array();
  for (const auto& c : d.columns) columns.push_back({{"name", c.name}, {"type", c.type}});
  return {{"name", d.name},
          {"length", d.length},
          {"description", d.description},
          {"pixels", d.pixels},
          {"accepts", d.accepts},
          {"rows", d.rows},
          {"value_type", d.value_type},
          {"columns", std::move(columns)},
          {"version", d.version},
          {"reference", d.reference}};
}

Status List(const FeatureFlags& f) {
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(f.target));
  VITRINE_ASSIGN_OR_RETURN(auto all, client->ListFeatureDescriptors());
  if (f.json) {
    wire::Json items = wire::Json::array();
    for (const auto& d : all) items.push_back(DescriptorJson(d));
    PrintJson(items);
    return Status::Ok();
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : all) rows.push_back({d.name, std::to_string(d.length), d.pixels, d.rows, d.description});
  PrintTable({"NAME", "LENGTH", "PIXELS", "ROWS", "DESCRIPTION"}, rows);
  return Status::Ok();
}

Status Show(const FeatureFlags& f) {
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(f.target));
  VITRINE_ASSIGN_OR_RETURN(FeatureDescriptor d, client->GetFeatureDescriptor(f.name));
  if (f.json) {
    PrintJson(DescriptorJson(d));
    return Status::Ok();
  }
  std::string accepts, columns;
  for (const auto& a : d.accepts) accepts += (accepts.empty() ? "" : ", ") + a;
  for (const auto& c : d.columns) columns += (columns.empty() ? "" : ", ") + c.name + " (" + c.type + ")";
  PrintTable({"FIELD", "VALUE"}, {{"name", d.name},
                                  {"length", std::to_string(d.length) + " " + d.value_type},
                                  {"description", d.description},
                                  {"pixels", d.pixels},
                                  {"accepts", accepts},
                                  {"rows", d.rows},
                                  {"columns", columns.empty() ? "-" : columns},
                                  {"version", std::to_string(d.version)},
                                  {"reference", d.reference}});
  return Status::Ok();
}

Result<std::optional<std::array<std::int64_t, 4>>> ParseRegion(const std::string& text) {
  if (text.empty()) return std::optional<std::array<std::int64_t, 4>>();
  std::array<std::int64_t, 4> r{};
  std::string_view rest = text;
  for (int i = 0; i < 4; ++i) {
    const auto comma = rest.find(',');
    auto v = core::ParseInteger<std::int64_t>(rest.substr(0, comma));
    if (!v || (i >= 2 && *v <= 0) || *v < 0 || (i < 3 && comma == std::string_view::npos)) {
      return Status::InvalidArgument("--region must be x,y,w,h in whole pixels");
    }
    r[i] = *v;
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  if (!rest.empty()) return Status::InvalidArgument("--region must be x,y,w,h in whole pixels");
  return std::optional(r);
}

// The resources the flags select: images (named, or a project's through its filters), or the
// annotations on those.
Result<std::vector<FeatureResource>> SelectResources(Client& client, const FeatureFlags& f) {
  if (f.images.empty() == (f.project == 0)) return Status::InvalidArgument("give --project or --images");
  VITRINE_ASSIGN_OR_RETURN(auto region, ParseRegion(f.region));
  std::vector<ImageId> images;
  for (std::int64_t id : f.images) images.emplace_back(id);
  std::optional<Timestamp> from, to;
  if (!f.captured_from.empty()) {
    VITRINE_ASSIGN_OR_RETURN(from, core::ParseIso8601(f.captured_from));
  }
  if (!f.captured_to.empty()) {
    VITRINE_ASSIGN_OR_RETURN(to, core::ParseIso8601(f.captured_to));
  }
  if (f.project != 0 && !f.annotations) {
    ImageFilter filter;
    filter.sort = ImageSort::kId;
    if (!f.device.empty()) filter.device_like = f.device;
    if (!f.filename.empty()) filter.filename_like = f.filename;
    filter.captured_from = from;
    filter.captured_to = to;
    Pager<Image> pager([&](const PageRequest& page) { return client.ListImages(ProjectId(f.project), filter, page); },
                       PageRequest::kMaxLimit);
    VITRINE_ASSIGN_OR_RETURN(auto found, pager.All());
    for (const auto& image : found) images.push_back(image.id);
  }
  std::vector<FeatureResource> resources;
  if (!f.annotations) {
    for (ImageId id : images) resources.push_back({.image = id, .region = region});
    return resources;
  }
  if (region) return Status::InvalidArgument("--region describes images; an annotation is its own region");
  AnnotationFilter filter;
  if (f.project != 0) filter.project = ProjectId(f.project);
  filter.images = images;
  if (!f.device.empty()) filter.device_like = f.device;
  filter.captured_from = from;
  filter.captured_to = to;
  for (std::int64_t term : f.terms) filter.terms.emplace_back(term);
  AnnotationView view;
  view.wkt = false;
  view.properties = false;
  view.terms = false;
  Pager<Annotation> pager([&](const PageRequest& page) { return client.ListAnnotations(filter, page, view); },
                          PageRequest::kMaxLimit);
  VITRINE_ASSIGN_OR_RETURN(auto found, pager.All());
  for (const auto& a : found) resources.push_back({.image = a.image_id, .annotation = a.id});
  return resources;
}

Result<FeatureFormat> FormatOf(const std::string& output) {
  const std::string extension = fs::path(output).extension().string();
  if (extension == ".h5" || extension == ".hdf5" || extension == ".hdf") return FeatureFormat::kHdf5;
  if (extension == ".csv") return FeatureFormat::kCsv;
  if (extension == ".json") return FeatureFormat::kJson;
  return Status::InvalidArgument("-o names the format by its extension: .h5 (HDF5), .csv or .json");
}

// The table written as the server writes it, from the rows the client gathered batch by batch.
Result<std::string> Encode(const FeatureDescriptor& d, std::vector<FeatureRow> rows, FeatureFormat format) {
  const features::DescriptorInfo info = features::InfoOf(d);
  features::Table table{.info = &info};
  for (auto& r : rows) table.rows.push_back(features::RowOf(std::move(r)));
  return features::EncodeTable(table, format);
}

Status Extract(const FeatureFlags& f) {
  VITRINE_ASSIGN_OR_RETURN(FeatureFormat format, FormatOf(f.output));
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(f.target));
  VITRINE_ASSIGN_OR_RETURN(FeatureDescriptor descriptor, client->GetFeatureDescriptor(f.name));
  VITRINE_ASSIGN_OR_RETURN(std::vector<FeatureResource> resources, SelectResources(*client, f));
  if (resources.empty()) return Status::NotFound("nothing to describe: no image or annotation matches");
  FeatureOptions options;
  if (f.max_size > 0) options.max_size = f.max_size;
  options.use_cache = !f.no_cache;

  BatchProgress progress("described", static_cast<std::int64_t>(resources.size()), 0, ::isatty(2) != 0);
  std::vector<FeatureRow> rows;
  for (std::size_t start = 0; start < resources.size(); start += kBatch) {
    const std::vector<FeatureResource> batch(
        resources.begin() + static_cast<std::ptrdiff_t>(start),
        resources.begin() + static_cast<std::ptrdiff_t>(std::min(resources.size(), start + kBatch)));
    VITRINE_ASSIGN_OR_RETURN(FeatureTable table, client->ExtractFeatures(f.name, batch, options));
    // Each resource's rows are together and in request order; one status per resource.
    std::string last;
    for (auto& row : table.rows) {
      const std::string what = row.image + (row.annotation.empty() ? "" : " " + row.annotation);
      if (what != last) {
        if (row.status == 200) {
          progress.Done(what);
        } else {
          progress.Failed(what, std::to_string(row.status) + " " + row.error);
        }
        last = what;
      }
      rows.push_back(std::move(row));
    }
  }
  VITRINE_ASSIGN_OR_RETURN(std::string bytes, Encode(descriptor, rows, format));
  VITRINE_RETURN_IF_ERROR(client::SaveBytes(bytes, f.output));
  const int code = progress.Finish();
  std::fprintf(stderr, "%zu rows of %s written to %s\n", rows.size(), f.name.c_str(), f.output.c_str());
  return code == 0 ? Status::Ok()
                   : Status::InvalidArgument(std::to_string(progress.failed()) +
                                             " resources could not be described (their rows hold the reason)");
}

}  // namespace

void AddFeatureCommands(CLI::App& app, CommandContext& context) {
  CLI::App* features = app.add_subcommand("features", "Feature descriptors (HTD, HAR, SIFT, ...) of images");
  features->require_subcommand(1);

  auto list_flags = std::make_shared<FeatureFlags>();
  CLI::App* list = features->add_subcommand("list", "The descriptors the server computes");
  AddTargetOptions(*list, list_flags->target);
  list->add_flag("--json", list_flags->json, "JSON instead of a table");
  list->callback(Run(context, [list_flags] { return List(*list_flags); }));

  auto show_flags = std::make_shared<FeatureFlags>();
  CLI::App* show = features->add_subcommand("show", "One descriptor: length, inputs, columns, reference");
  show->add_option("name", show_flags->name, "Descriptor name (case-sensitive), e.g. HTD")->required();
  AddTargetOptions(*show, show_flags->target);
  show->add_flag("--json", show_flags->json, "JSON instead of a table");
  show->callback(Run(context, [show_flags] { return Show(*show_flags); }));

  auto f = std::make_shared<FeatureFlags>();
  CLI::App* extract = features->add_subcommand(
      "extract", "Compute a descriptor over images or their annotations into a .h5, .csv or .json file");
  extract->add_option("name", f->name, "Descriptor name, e.g. HTD")->required();
  extract->add_option("--project,-p", f->project, "Every image of this project (with the filters below)");
  extract->add_option("--images", f->images, "These image ids instead")->delimiter(',');
  extract->add_option("--device", f->device, "Only this device (SQL LIKE pattern, e.g. 5c17%)");
  extract->add_option("--captured-from", f->captured_from, "Only images captured at or after (ISO 8601)");
  extract->add_option("--captured-to", f->captured_to, "Only images captured before (ISO 8601)");
  extract->add_option("--filename", f->filename, "Only images whose filename is like this (SQL LIKE)");
  extract->add_flag("--annotations", f->annotations, "Describe the images' annotations (one resource each)");
  extract->add_option("--term", f->terms, "With --annotations: only those with this term id (repeatable)");
  extract->add_option("--region", f->region, "Only this region of each image: x,y,w,h in full-resolution pixels");
  extract->add_option("--max-size", f->max_size, "Describe larger regions at this size (default: the server's, 2048)");
  extract->add_flag("--no-cache", f->no_cache, "Compute afresh instead of reading the server's cache");
  extract->add_option("-o,--output", f->output, "The table: .h5 (BisQue's HDF5 layout), .csv or .json")->required();
  AddTargetOptions(*extract, f->target);
  extract->callback(Run(context, [f] { return Extract(*f); }));
}

}  // namespace vitrine::cli
