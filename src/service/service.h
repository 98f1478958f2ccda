// The whole behaviour of Vitrine behind one object: what the HTTP routes, the in-process client
// and the CLI call. Owns no storage and no threads; borrows the catalog, blob store, clock and
// executor given to it, which must outlive it. Safe for concurrent use.
#pragma once

#include "blob/blob_store.h"
#include "catalog/catalog.h"
#include "core/clock.h"
#include "core/executor.h"
#include "service/annotation_run_service.h"
#include "service/annotation_service.h"
#include "service/authenticator.h"
#include "service/feature_service.h"
#include "service/image_service.h"
#include "service/job_service.h"
#include "service/ontology_service.h"
#include "service/options.h"
#include "service/project_series_service.h"
#include "service/project_service.h"
#include "service/tuboid_service.h"
#include "service/user_service.h"

namespace vitrine::service {

class Service {
 public:
  Service(catalog::Catalog& catalog, blob::BlobStore& blobs, const core::Clock& clock, core::Executor& executor,
          ServiceOptions options = {})
      : options_(std::move(options)),
        catalog_(catalog),
        blobs_(blobs),
        clock_(clock),
        auth_(catalog, clock, options_),
        users_(catalog, auth_, clock, options_),
        projects_(catalog, clock),
        images_(catalog, blobs, projects_, clock, executor, options_.images),
        ontologies_(catalog, projects_, clock),
        annotations_(catalog, projects_, images_, clock, executor),
        annotation_runs_(catalog, projects_, images_, annotations_, clock),
        jobs_(catalog, blobs, projects_, images_, clock, options_.jobs),
        features_(images_, annotations_, executor),
        tuboids_(catalog, projects_, images_, clock),
        project_series_(catalog, projects_) {}

  const Authenticator& auth() const { return auth_; }
  UserService& users() { return users_; }
  ProjectService& projects() { return projects_; }
  ImageService& images() { return images_; }
  OntologyService& ontologies() { return ontologies_; }
  AnnotationService& annotations() { return annotations_; }
  AnnotationRunService& annotation_runs() { return annotation_runs_; }
  JobService& jobs() { return jobs_; }
  FeatureService& features() { return features_; }
  TuboidService& tuboids() { return tuboids_; }
  ProjectSeriesService& project_series() { return project_series_; }
  const core::Clock& clock() const { return clock_; }
  const ServiceOptions& options() const { return options_; }

 private:
  const ServiceOptions options_;
  catalog::Catalog& catalog_;
  blob::BlobStore& blobs_;
  const core::Clock& clock_;
  Authenticator auth_;
  UserService users_;
  ProjectService projects_;
  ImageService images_;
  OntologyService ontologies_;
  AnnotationService annotations_;
  AnnotationRunService annotation_runs_;
  JobService jobs_;
  FeatureService features_;
  TuboidService tuboids_;
  ProjectSeriesService project_series_;
};

}  // namespace vitrine::service
