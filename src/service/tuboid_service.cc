#include "service/tuboid_service.h"

#include <charconv>
#include <cmath>
#include <map>

#include "core/time_format.h"
#include "service/pagination.h"

namespace vitrine::service {
namespace {

constexpr std::size_t kMaxAlgorithmText = 64;
constexpr std::int64_t kMaxLookups = 10'000;

std::string TuboidNotFound(TuboidId id) { return "tuboid " + std::to_string(id.value()) + " not found"; }

Status CheckSeries(const TuboidSeries& s) {
  if (!core::IsStickyPiDevice(s.device))
    return Status::InvalidArgument("device '" + s.device + "' is not 8 hexadecimal digits");
  if (!(s.start < s.end)) return Status::InvalidArgument("a tuboid series ends after it starts");
  for (const std::string* text : {&s.algorithm, &s.algorithm_version}) {
    if (text->empty() || text->size() > kMaxAlgorithmText) {
      return Status::InvalidArgument("a tuboid series needs an algorithm and its version (1-64 bytes)");
    }
  }
  if (s.n_tuboids < 1 || s.n_images < 0) {
    return Status::InvalidArgument("a tuboid series expects at least one tuboid (n_tuboids) from n_images >= 0");
  }
  return Status::Ok();
}

// The name's five fields must be the series' own, then the index.
Result<std::int64_t> IndexFromName(const std::string& name, const TuboidSeries& s) {
  const auto fields = core::SplitOn(name, '.');
  const std::string expected = "<device>.<series start>.<series end>.<algorithm version>.<index>";
  if (fields.size() != 5) return Status::InvalidArgument("tuboid name '" + name + "' is not " + expected);
  const auto start = core::StickyPiNameTime(fields[1]), end = core::StickyPiNameTime(fields[2]);
  if (fields[0] != s.device || !start || *start != s.start || !end || *end != s.end ||
      fields[3] != s.algorithm_version) {
    return Status::InvalidArgument("tuboid name '" + name + "' does not match its series (" + expected + ")");
  }
  std::int64_t index = -1;
  auto [at, error] = std::from_chars(fields[4].data(), fields[4].data() + fields[4].size(), index);
  if (error != std::errc() || at != fields[4].data() + fields[4].size() || index < 0) {
    return Status::InvalidArgument("tuboid name '" + name + "' does not end with its index in the series");
  }
  return index;
}

}  // namespace

Result<Tuboid> TuboidService::Create(const Caller& caller, const NewTuboid& in) {
  VITRINE_RETURN_IF_ERROR(projects_.Require(caller, in.series.project_id, ProjectRole::kContributor));
  VITRINE_RETURN_IF_ERROR(CheckSeries(in.series));
  VITRINE_ASSIGN_OR_RETURN(std::int64_t index, IndexFromName(in.name, in.series));
  if (in.shots.size() > kMaxShotsBytes) return Status::TooLarge("a tuboid's shots take at most 256 KiB");
  VITRINE_ASSIGN_OR_RETURN(std::vector<core::TuboidShot> shots, core::ParseTuboidShots(in.shots));
  if (shots.empty()) return Status::InvalidArgument("a tuboid has at least one shot");
  for (ImageId id : {in.tiles_image_id, in.context_image_id}) {
    VITRINE_ASSIGN_OR_RETURN(Image image, images_.Get(caller, id));
    if (image.project_id != in.series.project_id) {
      return Status::InvalidArgument("image " + std::to_string(id.value()) + " is not in the tuboid's project");
    }
  }
  Tuboid t;
  t.series = in.series;
  t.series.created_by = caller.user_id();
  t.series.created_at = clock_.Now();
  t.name = in.name;
  t.index_in_series = index;
  t.start = shots.front().captured_at;
  t.end = shots.front().captured_at;
  for (const core::TuboidShot& shot : shots) {
    t.start = std::min(t.start, shot.captured_at);
    t.end = std::max(t.end, shot.captured_at);
  }
  t.n_shots = static_cast<std::int64_t>(shots.size());
  t.shots = in.shots;
  t.tiles_image_id = in.tiles_image_id;
  t.context_image_id = in.context_image_id;
  t.created_by = caller.user_id();
  t.created_at = t.series.created_at;
  return catalog_.InsertTuboid(t);
}

Result<Page<Tuboid>> TuboidService::List(const Caller& caller, const TuboidFilter& filter,
                                         const PageRequest& page) const {
  VITRINE_RETURN_IF_ERROR(ValidatePage(page));
  if (filter.names.size() > kMaxLookups || filter.ids.size() > kMaxLookups) {
    return Status::TooLarge("ask for at most " + std::to_string(kMaxLookups) + " tuboids by name or id");
  }
  if (filter.project) VITRINE_RETURN_IF_ERROR(projects_.Require(caller, *filter.project, ProjectRole::kViewer));
  if (caller.project_scope() && !filter.project) {
    TuboidFilter in_scope = filter;
    in_scope.project = caller.project_scope();
    VITRINE_ASSIGN_OR_RETURN(Page<Tuboid> found, catalog_.ListTuboids(in_scope, std::nullopt, page));
    return WithLabels(std::move(found));
  }
  std::optional<UserId> member;
  if (!caller.is_admin() && !filter.project) member = caller.user_id();
  VITRINE_ASSIGN_OR_RETURN(Page<Tuboid> found, catalog_.ListTuboids(filter, member, page));
  return WithLabels(std::move(found));
}

Result<Page<Tuboid>> TuboidService::WithLabels(Page<Tuboid> page) const {
  std::vector<TuboidId> ids;
  for (const Tuboid& t : page.items) ids.push_back(t.id);
  VITRINE_ASSIGN_OR_RETURN(std::vector<ItcLabel> labels, catalog_.ListItcLabels(ids));
  std::map<TuboidId, std::vector<ItcLabel>> by_tuboid;
  for (ItcLabel& l : labels) by_tuboid[l.tuboid_id].push_back(std::move(l));
  for (Tuboid& t : page.items) {
    if (auto found = by_tuboid.find(t.id); found != by_tuboid.end()) t.labels = std::move(found->second);
  }
  return page;
}

Result<std::unique_ptr<ImageUpload>> TuboidService::BeginImage(const Caller& caller, ProjectId project, bool tiles) {
  return images_.BeginUpload(caller, UploadRequest{project,
                                                   tiles ? "tuboid.jpg" : "context.jpg",
                                                   {{"sticky_pi", tiles ? "tuboid-tiles" : "tuboid-context"}}});
}

Result<ImageId> TuboidService::FinishImage(ImageUpload& upload, bool tiles, std::vector<ImageId>& ingested) {
  VITRINE_ASSIGN_OR_RETURN(IngestOutcome outcome, upload.Finish());
  if (!outcome.created) {
    return Status::Conflict(std::string("the '") + (tiles ? "tuboid" : "context") + "' part holds the bytes of image " +
                            std::to_string(outcome.image.id.value()) + " already: a tuboid's images are its own");
  }
  ingested.push_back(outcome.image.id);
  return outcome.image.id;
}

void TuboidService::Discard(const std::vector<ImageId>& ingested) {
  for (ImageId image : ingested) (void)images_.Delete(Caller::LocalOperator(), image);
}

Result<Tuboid> TuboidService::Get(const Caller& caller, TuboidId id) const {
  TuboidFilter filter;
  filter.ids = {id};
  VITRINE_ASSIGN_OR_RETURN(Page<Tuboid> found, List(caller, filter, PageRequest{1, 0}));
  if (found.items.empty()) return Status::NotFound(TuboidNotFound(id));
  Tuboid tuboid = std::move(found.items.front());
  VITRINE_ASSIGN_OR_RETURN(tuboid.shots, catalog_.TuboidShots(id));
  return tuboid;
}

Status TuboidService::DeleteSeries(const Caller& caller, TuboidSeriesId id) {
  TuboidFilter filter;
  filter.series = id;
  std::vector<Tuboid> tuboids;
  for (std::int64_t offset = 0;;) {
    VITRINE_ASSIGN_OR_RETURN(Page<Tuboid> page,
                             catalog_.ListTuboids(filter, std::nullopt, PageRequest{PageRequest::kMaxLimit, offset}));
    for (Tuboid& t : page.items) tuboids.push_back(std::move(t));
    offset += static_cast<std::int64_t>(page.items.size());
    if (static_cast<std::int64_t>(page.items.size()) < PageRequest::kMaxLimit) break;
  }
  const std::string missing = "tuboid series " + std::to_string(id.value()) + " not found";
  if (tuboids.empty()) return Status::NotFound(missing);  // a series exists only with its tuboids
  Status allowed = projects_.Require(caller, tuboids.front().series.project_id, ProjectRole::kManager);
  if (allowed.code() == ErrorCode::kNotFound) return Status::NotFound(missing);
  VITRINE_RETURN_IF_ERROR(allowed);
  VITRINE_RETURN_IF_ERROR(catalog_.DeleteTuboidSeries(id));
  // The rows are gone; their images follow. One that cannot be deleted now stays an image of the
  // project, visible and deletable like any.
  for (const Tuboid& t : tuboids) {
    for (std::optional<ImageId> image : {std::optional(t.tiles_image_id), t.context_image_id}) {
      if (!image) continue;
      Status deleted = images_.Delete(caller, *image);
      if (!deleted.ok() && deleted.code() != ErrorCode::kNotFound) return deleted;
    }
  }
  return Status::Ok();
}

Result<ItcLabel> TuboidService::CreateLabel(const Caller& caller, const ItcLabel& label) {
  VITRINE_ASSIGN_OR_RETURN(Tuboid tuboid, Get(caller, label.tuboid_id));
  VITRINE_RETURN_IF_ERROR(projects_.Require(caller, tuboid.series.project_id, ProjectRole::kContributor));
  for (const std::string* text : {&label.algorithm, &label.algorithm_version, &label.type}) {
    if (text->empty() || text->size() > kMaxAlgorithmText) {
      return Status::InvalidArgument("a label needs algorithm, algorithm_version and type (1-64 bytes)");
    }
  }
  if (label.pattern.empty() || label.pattern.size() > 256) {
    return Status::InvalidArgument("a label needs its pattern (1-256 bytes)");
  }
  for (const auto* rank : {&label.order, &label.family, &label.genus, &label.species}) {
    if (*rank && rank->value().size() > kMaxAlgorithmText) {
      return Status::InvalidArgument("order, family, genus and species take at most 64 bytes");
    }
  }
  // Labels are unique per classifier version; versions are not bounded, so tuboids' labels are.
  VITRINE_ASSIGN_OR_RETURN(std::vector<ItcLabel> held, catalog_.ListItcLabels({label.tuboid_id}));
  if (held.size() >= kMaxLabelsPerTuboid) {
    return Status::TooLarge("tuboid " + std::to_string(label.tuboid_id.value()) + " has " +
                            std::to_string(kMaxLabelsPerTuboid) + " labels already");
  }
  ItcLabel stored = label;
  stored.created_by = caller.user_id();
  stored.created_at = clock_.Now();
  return catalog_.InsertItcLabel(stored);
}

Result<std::vector<ItcLabel>> TuboidService::Labels(const Caller& caller, const std::vector<TuboidId>& tuboids) const {
  if (tuboids.empty()) return std::vector<ItcLabel>();
  const auto wanted = static_cast<std::int64_t>(tuboids.size());
  if (wanted > PageRequest::kMaxLimit) {
    return Status::TooLarge("ask for the labels of at most " + std::to_string(PageRequest::kMaxLimit) +
                            " tuboids at once");
  }
  TuboidFilter filter;
  filter.ids = tuboids;
  VITRINE_ASSIGN_OR_RETURN(Page<Tuboid> visible, List(caller, filter, PageRequest{wanted, 0}));
  std::vector<TuboidId> ids;
  for (const Tuboid& t : visible.items) ids.push_back(t.id);
  return catalog_.ListItcLabels(ids);
}

}  // namespace vitrine::service
