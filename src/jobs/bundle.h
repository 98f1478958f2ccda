// Analytic bundles: a .tar.gz holding analytic.json and an executable entry point, at its top or in
// a single top folder. A worker unpacks each bundle once into a cache folder named by its SHA-256.
// Safe for concurrent use, from threads and from processes sharing the cache.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "vitrine/status.h"

namespace vitrine::jobs {

struct UnpackedBundle {
  std::filesystem::path dir;          // the folder holding analytic.json (the bundle's top)
  std::string analytic_json;          // as written in the bundle; the caller validates it
  std::filesystem::path entry_point;  // an executable regular file inside `dir`
};

// Unpacks `bundle_file` into `cache_root`/<sha256> once; later calls with the same hash reuse it.
// Unpacks into a temporary folder beside it and renames that into place, so a reader sees a whole
// bundle or none, and of two racers (threads or processes) the loser discards its copy.
// The entry point is analytic.json's `info.entrypoint` or `entry_point` when it has one, else a
// file `run`, `run.sh` or `run.py` at the top; it must be a regular file, and is made executable.
// Errors: kInvalidArgument, naming the member, for a bundle that is not a .tar.gz, holds absolute
// paths, '..' components, links leading outside it, device files or fifos, more than 10,000
// members, or lacks analytic.json or the entry point; kTooLarge past 2 GiB unpacked;
// kInvalidArgument when `sha256` is not 64 lowercase hex digits or not the file's SHA-256;
// kNotFound when `bundle_file` is missing; kInsufficientStorage when the disk is full;
// kUnavailable when the cache cannot be written.
Result<UnpackedBundle> UnpackBundle(const std::filesystem::path& bundle_file, std::string_view sha256,
                                    const std::filesystem::path& cache_root);

// analytic.json, read from the bundle without unpacking it (for an administrator registering it).
// Errors: kNotFound when the file is missing; kInvalidArgument when the bundle is unreadable, has a
// member with an absolute or '..' path, or no analytic.json at its top or in a single top folder;
// kTooLarge for an analytic.json over 1 MiB.
Result<std::string> ReadBundleAnalyticJson(const std::filesystem::path& bundle_file);

}  // namespace vitrine::jobs
