// Where an S3 blob store lives and how to reach it: the s3:// URL parsed, with the region and
// credentials found the way AWS's own tools find them.
//
//   s3://bucket[/prefix]?endpoint=http://127.0.0.1:9000&region=us-east-1&addressing=path|virtual
//        &cache=/local/dir&cache_bytes=N&part_bytes=N&create_bucket=1
//
// Defaults: AWS's endpoint https://s3.<region>.amazonaws.com with virtual-host addressing
// (path-style for a bucket name with dots, or a custom endpoint); the region from AWS_REGION, AWS_DEFAULT_REGION, the
// profile's `region` in ~/.aws/config (AWS_CONFIG_FILE, AWS_PROFILE), else us-east-1; part
// size 16 MiB (at least 5 MiB, S3's minimum, unless `endpoint` is given: test servers accept
// less); local cache 10 GiB in `cache`, else in the folder the caller names.
// Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, else the
// profile's keys in ~/.aws/credentials (AWS_SHARED_CREDENTIALS_FILE, AWS_PROFILE).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "blob/s3/sigv4.h"
#include "vitrine/status.h"

namespace vitrine::blob::s3 {

struct S3Config {
  std::string bucket;
  std::string prefix;    // "" or ending in '/'
  std::string endpoint;  // scheme://host[:port], no trailing '/'
  std::string region;
  bool virtual_host = false;  // bucket.host/key rather than host/bucket/key
  std::filesystem::path cache_dir;
  std::int64_t cache_bytes = std::int64_t{10} << 30;
  std::int64_t part_bytes = std::int64_t{16} << 20;
  bool create_bucket = false;
  Credentials credentials;
};

// kInvalidArgument for a malformed URL, an unknown parameter, no cache folder, or no credentials.
Result<S3Config> ParseS3Url(std::string_view url, const std::filesystem::path& default_cache_dir);

// Reads `key` from section `section` of an INI file as ~/.aws/ writes them; empty if absent.
std::string ReadIniValue(const std::filesystem::path& file, std::string_view section, std::string_view key);

}  // namespace vitrine::blob::s3
