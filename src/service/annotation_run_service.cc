#include "service/annotation_run_service.h"

#include "service/pagination.h"
#include "service/properties.h"

namespace vitrine::service {
namespace {

Status ValidateName(const std::string& value, const char* what) {
  if (value.empty() || value.size() > kMaxAlgorithmName) {
    return Status::InvalidArgument(std::string(what) + " is required (1-" + std::to_string(kMaxAlgorithmName) +
                                   " bytes)");
  }
  return Status::Ok();
}

std::string RunNotFound(AnnotationRunId id) { return "annotation run " + std::to_string(id.value()) + " not found"; }

}  // namespace

Result<CreatedAnnotationRun> AnnotationRunService::Create(const Caller& caller, const NewAnnotationRun& in) {
  VITRINE_RETURN_IF_ERROR(ValidateName(in.algorithm, "algorithm"));
  VITRINE_RETURN_IF_ERROR(ValidateName(in.algorithm_version, "algorithm_version"));
  VITRINE_RETURN_IF_ERROR(ValidateProperties(in.metadata));
  VITRINE_ASSIGN_OR_RETURN(Image image, images_.ImageIfCallerHolds(caller, in.image_id, ProjectRole::kContributor));
  if (in.image_md5 && *in.image_md5 != image.md5) {
    return Status::InvalidArgument("image_md5 " + *in.image_md5 + " is not the MD5 of image " +
                                   std::to_string(image.id.value()) + ": the run was made on another file");
  }
  std::vector<NewAnnotation> annotations = in.annotations;
  for (std::size_t i = 0; i < annotations.size(); ++i) {
    NewAnnotation& a = annotations[i];
    if (a.image_id.valid() && a.image_id != in.image_id) {
      return Status::InvalidArgument("annotation " + std::to_string(i) + ": a run's annotations are on its image " +
                                     std::to_string(in.image_id.value()) + ", not " +
                                     std::to_string(a.image_id.value()));
    }
    a.image_id = in.image_id;
    a.algorithm = in.algorithm;
    a.algorithm_version = in.algorithm_version;
  }
  VITRINE_ASSIGN_OR_RETURN(std::vector<catalog::AnnotationRow> rows, annotations_.Prepare(caller, annotations));

  AnnotationRun run;
  run.project_id = image.project_id;
  run.image_id = image.id;
  run.algorithm = in.algorithm;
  run.algorithm_version = in.algorithm_version;
  run.metadata = in.metadata;
  run.created_by = caller.user_id();
  run.created_at = clock_.Now();
  // Replacing deletes someone's results: the same right as deleting the stored run (its author,
  // or a manager), checked by the catalog against the run it finds.
  using Replacement = catalog::Catalog::RunReplacement;
  Replacement replace = Replacement::kNever;
  if (in.replace) {
    replace =
        projects_.Require(caller, image.project_id, ProjectRole::kManager).ok() ? Replacement::kAny : Replacement::kOwn;
  }
  return catalog_.InsertAnnotationRun(run, replace, std::move(rows));
}

Result<AnnotationRun> AnnotationRunService::VisibleRun(const Caller& caller, AnnotationRunId id) const {
  VITRINE_ASSIGN_OR_RETURN(AnnotationRun run, catalog_.GetAnnotationRun(id));
  Status allowed = projects_.Require(caller, run.project_id, ProjectRole::kViewer);
  if (allowed.code() == ErrorCode::kNotFound) return Status::NotFound(RunNotFound(id));
  VITRINE_RETURN_IF_ERROR(allowed);
  return run;
}

Result<AnnotationRun> AnnotationRunService::Get(const Caller& caller, AnnotationRunId id) const {
  return VisibleRun(caller, id);
}

Result<Page<AnnotationRun>> AnnotationRunService::List(const Caller& caller, const AnnotationRunFilter& filter,
                                                       const PageRequest& page) const {
  VITRINE_RETURN_IF_ERROR(ValidatePage(page, {.max_limit = annotations_.limits().max_page, .count_only = true}));
  if (filter.project) VITRINE_RETURN_IF_ERROR(projects_.Require(caller, *filter.project, ProjectRole::kViewer));
  for (ImageId image : filter.images) {
    VITRINE_RETURN_IF_ERROR(images_.ImageIfCallerHolds(caller, image, ProjectRole::kViewer).status());
  }
  std::optional<UserId> member;
  if (caller.project_scope() && !filter.project && filter.images.empty()) {
    AnnotationRunFilter in_scope = filter;
    in_scope.project = caller.project_scope();
    return catalog_.ListAnnotationRuns(in_scope, std::nullopt, page);
  }
  if (!caller.is_admin() && !filter.project && filter.images.empty()) member = caller.user_id();
  return catalog_.ListAnnotationRuns(filter, member, page);
}

Status AnnotationRunService::Delete(const Caller& caller, AnnotationRunId id) {
  VITRINE_ASSIGN_OR_RETURN(AnnotationRun run, VisibleRun(caller, id));
  bool own = caller.user() && run.created_by == caller.user_id();
  VITRINE_RETURN_IF_ERROR(
      projects_.Require(caller, run.project_id, own ? ProjectRole::kContributor : ProjectRole::kManager));
  return catalog_.DeleteAnnotationRun(id);
}

Result<std::vector<Image>> AnnotationRunService::LeaseImages(const Caller& caller,
                                                             const AnnotationLeaseRequest& request) {
  VITRINE_RETURN_IF_ERROR(ValidateName(request.algorithm, "algorithm"));
  if (request.min_version.size() > kMaxAlgorithmName) {
    return Status::InvalidArgument("algorithm_version takes at most " + std::to_string(kMaxAlgorithmName) + " bytes");
  }
  if (request.device_like && request.device_like->size() > kMaxAlgorithmName) {
    return Status::InvalidArgument("device takes at most " + std::to_string(kMaxAlgorithmName) + " bytes");
  }
  if (request.limit < 1 || request.limit > kMaxLeased) {
    return Status::InvalidArgument("lease 1-" + std::to_string(kMaxLeased) + " images at once");
  }
  VITRINE_RETURN_IF_ERROR(projects_.Require(caller, request.project, ProjectRole::kContributor));
  const Timestamp now = clock_.Now();
  catalog::Catalog::AnnotationLeaseQuery query;
  query.project = request.project;
  query.device_like = request.device_like;
  query.from = request.from;
  query.to = request.to;
  query.algorithm = request.algorithm;
  query.min_version = request.min_version;
  query.limit = request.limit;
  query.leased_by = caller.user_id();
  query.now = now;
  query.expired_before = now - kLeaseLifetime;
  VITRINE_ASSIGN_OR_RETURN(std::vector<ImageId> leased, catalog_.LeaseImagesToAnnotate(query));
  std::vector<Image> images;
  for (ImageId id : leased) {
    auto image = images_.Get(caller, id);
    if (image.status().code() == ErrorCode::kNotFound) continue;  // deleted since
    VITRINE_RETURN_IF_ERROR(image.status());
    images.push_back(std::move(image).value());
  }
  return images;
}

}  // namespace vitrine::service
