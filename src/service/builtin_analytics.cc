#include "service/builtin_analytics.h"

namespace vitrine::service {

const std::vector<std::string>& BuiltinAnalyticDocs() {
  static const std::vector<std::string> kDocs = {
      R"json({
  "info": {"name": "vitrine/noop", "version": "1.0", "supports_cpu": true, "supports_gpu": false,
           "description": "Does nothing but wait the time asked: a probe for the job queue and its workers."},
  "inputs": [],
  "parameters": [
    {"name": "sleep_ms", "type": "int", "default": 0, "min": 0, "max": 3600000,
     "description": "How long the job runs, in milliseconds."},
    {"name": "fail", "type": "bool", "default": false, "description": "End FAILED (ANALYTIC) instead of COMPLETE."}
  ],
  "outputs": []
})json",
      R"json({
  "info": {"name": "vitrine/pyramids", "version": "1.0", "supports_cpu": true, "supports_gpu": false,
           "description": "Builds the viewing pyramid of every large image of the inputs, so that their first views are fast."},
  "inputs": [
    {"name": "images", "type": "images", "required": true,
     "description": "The images: a list of ids, or a filter (device pattern, capture window) over the job's project."}
  ],
  "parameters": [],
  "outputs": [
    {"name": "summary", "type": "file", "filename": "pyramids.json", "required": true,
     "description": "Per image: whether a pyramid was built, was already there, or was not needed."}
  ]
})json",
      R"json({
  "info": {"name": "vitrine/dark-objects", "version": "1.0", "supports_cpu": true, "supports_gpu": false,
           "description": "Finds dark objects on a light background (insects on a sticky trap, cells in brightfield): grey, blur, threshold (Otsu by default), connected components over a minimum area; one polygon annotation per object with its area and mean intensity, stored as one annotation run per image. docs/analytics-dark-objects.md has the algorithm."},
  "inputs": [
    {"name": "images", "type": "images", "required": true,
     "description": "The images: a list of ids, or a filter (device pattern, capture window) over the job's project."}
  ],
  "parameters": [
    {"name": "blur_sigma", "type": "float", "default": 2.0, "min": 0.0, "max": 50.0,
     "description": "Gaussian blur before thresholding, in pixels (0: none)."},
    {"name": "threshold", "type": "int", "min": 0, "max": 255,
     "description": "Grey level below which a pixel is dark; Otsu's threshold when not given."},
    {"name": "min_area", "type": "int", "default": 50, "min": 1,
     "description": "Smallest object kept, in pixels."},
    {"name": "max_area", "type": "int", "min": 1,
     "description": "Largest object kept, in pixels (none when not given)."},
    {"name": "simplify", "type": "float", "default": 1.0, "min": 0.0, "max": 100.0,
     "description": "Outline simplification tolerance, in pixels."},
    {"name": "algorithm_version", "type": "string", "default": "1.0",
     "description": "The version under which the annotation runs are stored; a run of the same version is replaced."}
  ],
  "outputs": [
    {"name": "annotations", "type": "annotations", "required": true,
     "description": "One annotation run per image (algorithm vitrine/dark-objects)."},
    {"name": "summary", "type": "file", "filename": "dark-objects.json", "required": true,
     "description": "Per image: the threshold used, the object count and the run id."}
  ]
})json",
      R"json({
  "info": {"name": "vitrine/features", "version": "1.0", "supports_cpu": true, "supports_gpu": false,
           "description": "Computes a feature descriptor of the catalogue (HTD, HAR, SIFT, ...: GET /api/v1/features) over many images into one table, the way POST /api/v1/features/{name} does for a request, for up to 100,000 images (a request takes 10,000) with progress as it goes. docs/features.md defines the descriptors and the table."},
  "inputs": [
    {"name": "images", "type": "images", "required": true,
     "description": "The images: a list of ids, or a filter (device pattern, capture window) over the job's project."}
  ],
  "parameters": [
    {"name": "descriptor", "type": "string", "required": true,
     "description": "The descriptor's name, as the catalogue spells it (case-sensitive), e.g. HTD."},
    {"name": "format", "type": "enum", "choices": ["hdf5", "csv", "json"], "default": "hdf5",
     "description": "The table's format: BisQue's HDF5 layout (tables /values and /status), CSV or JSON."},
    {"name": "max_size", "type": "int", "default": 2048, "min": 16, "max": 8192,
     "description": "Images larger than this (either side, in pixels) are described at this size, read from their pyramid."},
    {"name": "cache", "type": "bool", "default": true,
     "description": "Rows already computed for the same pixels and parameters are taken from the server's cache; false computes afresh."}
  ],
  "outputs": [
    {"name": "features", "type": "file", "filename": "features.h5", "required": true,
     "description": "One row per image (per mask label or keypoint where the descriptor gives more), in the order of the inputs, each with its status; features.csv or features.json for those formats."}
  ]
})json",
  };
  return kDocs;
}

}  // namespace vitrine::service
