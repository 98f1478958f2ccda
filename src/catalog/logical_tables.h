// The catalog's tables as `vitrine migrate` copies them, the same on every backend: parents
// before children, so that rows are written after the rows they refer to. Identifiers in a
// row copier's SQL come from this list or from the database's own column lists, never from a
// caller as given.
#pragma once

#include <array>

namespace vitrine::catalog {

inline constexpr std::array<const char*, 29> kLogicalTables = {"users",
                                                               "api_keys",
                                                               "projects",
                                                               "project_members",
                                                               "project_properties",
                                                               "ontologies",
                                                               "terms",
                                                               "project_ontologies",
                                                               "images",
                                                               "image_properties",
                                                               "image_derivatives",
                                                               "annotation_runs",
                                                               "annotation_run_properties",
                                                               "annotations",
                                                               "annotation_properties",
                                                               "annotation_terms",
                                                               "annotation_leases",
                                                               "tuboid_series",
                                                               "tuboids",
                                                               "itc_labels",
                                                               "project_series_columns",
                                                               "project_series",
                                                               "project_series_values",
                                                               "analytics",
                                                               "data_files",
                                                               "jobs",
                                                               "job_outputs",
                                                               "job_logs",
                                                               "bearer_tokens"};

}  // namespace vitrine::catalog
