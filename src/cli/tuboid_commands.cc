// `vitrine tuboid list|show|label|delete-series`: Sticky Pi's tracked insects and their ITC
// labels (docs/api.md, Tuboids), on a server or a data folder alike. Tuboids arrive by upload
// (POST /api/v1/tuboids or a Sticky Pi client).
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/target.h"
#include "core/time_format.h"
#include "vitrine/collections.h"
#include "wire/tuboid_json.h"

namespace vitrine::cli {
namespace {

struct TuboidFlags {
  TargetFlags target;
  bool json = false;
  std::int64_t id = 0;
  std::int64_t project = 0, series = 0;
  std::string device, from, to, algorithm, algorithm_version;
  ItcLabel label;
  std::string order, family, genus, species;
};

std::string Labels(const Tuboid& t) {
  std::string out;
  for (const ItcLabel& l : t.labels) {
    const std::string& taxon = l.species  ? *l.species
                               : l.genus  ? *l.genus
                               : l.family ? *l.family
                               : l.order  ? *l.order
                                          : l.type;
    out += (out.empty() ? "" : ", ") + taxon + " (" + l.algorithm_version + ")";
  }
  return out.empty() ? "-" : out;
}

Status List(const TuboidFlags& f) {
  TuboidFilter filter;
  if (f.project > 0) filter.project = ProjectId(f.project);
  if (f.series > 0) filter.series = TuboidSeriesId(f.series);
  if (!f.device.empty()) filter.device_like = f.device;
  if (!f.from.empty()) {
    VITRINE_ASSIGN_OR_RETURN(filter.contained_from, core::ParseIso8601(f.from));
  }
  if (!f.to.empty()) {
    VITRINE_ASSIGN_OR_RETURN(filter.contained_to, core::ParseIso8601(f.to));
  }
  if (!f.algorithm.empty()) filter.algorithm = f.algorithm;
  if (!f.algorithm_version.empty()) filter.algorithm_version = f.algorithm_version;
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(f.target));
  Pager<Tuboid> pager([&](const PageRequest& page) { return client->ListTuboids(filter, page); },
                      PageRequest::kMaxLimit);
  VITRINE_ASSIGN_OR_RETURN(std::vector<Tuboid> all, pager.All());
  if (f.json) {
    wire::Json items = wire::Json::array();
    for (const Tuboid& t : all) items.push_back(wire::ToJson(t));
    return PrintJson(items), Status::Ok();
  }
  std::vector<std::vector<std::string>> rows;
  for (const Tuboid& t : all) {
    rows.push_back({std::to_string(t.id.value()), std::to_string(t.series.id.value()), t.series.device,
                    core::FormatIso8601(t.start), std::to_string(t.n_shots), std::to_string(t.tiles_image_id.value()),
                    Labels(t)});
  }
  PrintTable({"ID", "SERIES", "DEVICE", "FIRST SHOT", "SHOTS", "TILES IMAGE", "LABELS"}, rows);
  return Status::Ok();
}

Status Show(const TuboidFlags& f) {
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(f.target));
  VITRINE_ASSIGN_OR_RETURN(Tuboid t, client->GetTuboid(TuboidId(f.id)));
  if (f.json) return PrintJson(wire::ToJson(t)), Status::Ok();
  std::cout << "tuboid " << t.id.value() << ": " << t.name << "\n"
            << "  project " << t.series.project_id.value() << ", series " << t.series.id.value() << " ("
            << t.series.device << ", " << core::FormatIso8601(t.series.start) << " to "
            << core::FormatIso8601(t.series.end) << ", " << t.series.algorithm << " " << t.series.algorithm_version
            << ", index " << t.index_in_series << " of " << t.series.n_tuboids << ")\n"
            << "  " << t.n_shots << " shots from " << core::FormatIso8601(t.start) << " to "
            << core::FormatIso8601(t.end) << "\n"
            << "  tiles image " << t.tiles_image_id.value() << ", context image "
            << (t.context_image_id ? std::to_string(t.context_image_id->value()) : "-") << "\n"
            << "  labels: " << Labels(t) << "\n";
  return Status::Ok();
}

Status Label(const TuboidFlags& f) {
  ItcLabel label = f.label;
  auto optional = [](const std::string& v) { return v.empty() ? std::nullopt : std::optional(v); };
  label.order = optional(f.order);
  label.family = optional(f.family);
  label.genus = optional(f.genus);
  label.species = optional(f.species);
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(f.target));
  VITRINE_ASSIGN_OR_RETURN(ItcLabel stored, client->LabelTuboid(TuboidId(f.id), label));
  if (f.json) return PrintJson(wire::ToJson(stored)), Status::Ok();
  std::cout << "labelled tuboid " << f.id << " (label " << stored.id.value() << ")\n";
  return Status::Ok();
}

Status DeleteSeries(const TuboidFlags& f) {
  VITRINE_ASSIGN_OR_RETURN(auto client, OpenTarget(f.target));
  VITRINE_RETURN_IF_ERROR(client->DeleteTuboidSeries(TuboidSeriesId(f.id)));
  std::cout << "deleted tuboid series " << f.id << " with its tuboids, labels and images\n";
  return Status::Ok();
}

}  // namespace

void AddTuboidCommands(CLI::App& app, CommandContext& context) {
  CLI::App* group = app.add_subcommand("tuboid", "List, show, label and delete Sticky Pi's tuboids");
  group->require_subcommand(1);
  auto add = [&](const char* name, const char* help, Status (*body)(const TuboidFlags&), const char* id_help) {
    auto flags = std::make_shared<TuboidFlags>();
    CLI::App* cmd = group->add_subcommand(name, help);
    if (id_help) cmd->add_option("id", flags->id, id_help)->required();
    cmd->add_flag("--json", flags->json, "Print JSON");
    AddTargetOptions(*cmd, flags->target);
    cmd->callback(Run(context, [body, flags] { return body(*flags); }));
    return std::pair{cmd, flags};
  };
  auto [list, l] = add("list", "List tuboids by series start, then index", List, nullptr);
  list->add_option("--project,-p", l->project, "Only this project");
  list->add_option("--series", l->series, "Only this series");
  list->add_option("--device", l->device, "Device (SQL LIKE: 0803%)");
  list->add_option("--from", l->from, "Series wholly inside [from, to] (ISO 8601)");
  list->add_option("--to", l->to, "See --from");
  list->add_option("--algorithm", l->algorithm, "The matcher's name");
  list->add_option("--algorithm-version", l->algorithm_version, "The matcher's version");
  add("show", "Show a tuboid with its shots' range and labels", Show, "Tuboid id");
  auto [label, b] = add("label", "Give a tuboid a classifier's label (contributors)", Label, "Tuboid id");
  label->add_option("--algorithm", b->label.algorithm, "The classifier's name")->required();
  label->add_option("--algorithm-version", b->label.algorithm_version, "The classifier's version")->required();
  label->add_option("--label", b->label.label, "The predicted class (an integer)")->required();
  label->add_option("--pattern", b->label.pattern, "The class's pattern over the taxonomy")->required();
  label->add_option("--type", b->label.type, "The class's type (Insecta, Background, ...)")->required();
  label->add_option("--order", b->order, "Taxonomic order");
  label->add_option("--family", b->family, "Family");
  label->add_option("--genus", b->genus, "Genus");
  label->add_option("--species", b->species, "Species");
  add("delete-series", "Delete a tuboid series with its tuboids, labels and images (managers)", DeleteSeries,
      "Series id");
}

}  // namespace vitrine::cli
