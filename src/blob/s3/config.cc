#include "blob/s3/config.h"

#include <cstdlib>
#include <fstream>

#include "core/parse_integer.h"
#include "core/percent_encoding.h"

namespace vitrine::blob::s3 {
namespace fs = std::filesystem;
namespace {

constexpr std::int64_t kMinPartBytes = std::int64_t{5} << 20;  // S3 refuses smaller parts but the last

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::string Trimmed(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return std::string(text);
}

fs::path AwsFile(const char* variable, const char* name) {
  std::string set = Env(variable);
  if (!set.empty()) return set;
  std::string home = Env("HOME");
  return home.empty() ? fs::path() : fs::path(home) / ".aws" / name;
}

std::string Profile() {
  std::string profile = Env("AWS_PROFILE");
  return profile.empty() ? "default" : profile;
}

std::string DefaultRegion() {
  for (const char* variable : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    std::string region = Env(variable);
    if (!region.empty()) return region;
  }
  // ~/.aws/config names sections "profile NAME", except "default".
  std::string profile = Profile();
  std::string section = profile == "default" ? profile : "profile " + profile;
  std::string region = ReadIniValue(AwsFile("AWS_CONFIG_FILE", "config"), section, "region");
  return region.empty() ? "us-east-1" : region;
}

Result<Credentials> FindCredentials() {
  Credentials found{Env("AWS_ACCESS_KEY_ID"), Env("AWS_SECRET_ACCESS_KEY"), Env("AWS_SESSION_TOKEN")};
  if (!found.access_key_id.empty() && !found.secret_access_key.empty()) return found;
  fs::path file = AwsFile("AWS_SHARED_CREDENTIALS_FILE", "credentials");
  std::string profile = Profile();
  found = {ReadIniValue(file, profile, "aws_access_key_id"), ReadIniValue(file, profile, "aws_secret_access_key"),
           ReadIniValue(file, profile, "aws_session_token")};
  if (!found.access_key_id.empty() && !found.secret_access_key.empty()) return found;
  return Status::InvalidArgument(
      "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or give profile '" + profile + "' keys in " +
      (file.empty() ? std::string("~/.aws/credentials") : file.string()));
}

Result<std::int64_t> PositiveParameter(std::string_view name, std::string_view value) {
  auto parsed = core::ParseInteger<std::int64_t>(value);
  if (!parsed || *parsed <= 0) {
    return Status::InvalidArgument("S3 URL parameter " + std::string(name) + " must be a positive integer");
  }
  return *parsed;
}

// Applies one `name=value` of the URL's query to `config`.
Status ApplyParameter(std::string_view name, const std::string& value, S3Config& config, bool& addressing_given) {
  if (name == "endpoint") {
    if (!value.starts_with("http://") && !value.starts_with("https://")) {
      return Status::InvalidArgument("S3 endpoint must start with http:// or https://");
    }
    config.endpoint = value;
    while (config.endpoint.ends_with('/')) config.endpoint.pop_back();
  } else if (name == "region") {
    config.region = value;
  } else if (name == "addressing") {
    if (value != "path" && value != "virtual") return Status::InvalidArgument("S3 addressing must be path or virtual");
    config.virtual_host = value == "virtual";
    addressing_given = true;
  } else if (name == "cache") {
    config.cache_dir = value;
  } else if (name == "cache_bytes") {
    VITRINE_ASSIGN_OR_RETURN(config.cache_bytes, PositiveParameter(name, value));
  } else if (name == "part_bytes") {
    VITRINE_ASSIGN_OR_RETURN(config.part_bytes, PositiveParameter(name, value));
  } else if (name == "create_bucket") {
    config.create_bucket = value == "1" || value == "true";
  } else {
    return Status::InvalidArgument("unknown S3 URL parameter '" + std::string(name) + "'");
  }
  return Status::Ok();
}

}  // namespace

std::string ReadIniValue(const fs::path& file, std::string_view section, std::string_view key) {
  if (file.empty()) return "";
  std::ifstream in(file);
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    std::string text = Trimmed(line);
    if (text.empty() || text[0] == '#' || text[0] == ';') continue;
    if (text.front() == '[' && text.back() == ']') {
      inside = Trimmed(std::string_view(text).substr(1, text.size() - 2)) == section;
      continue;
    }
    auto equals = text.find('=');
    if (inside && equals != std::string::npos && Trimmed(std::string_view(text).substr(0, equals)) == key) {
      return Trimmed(std::string_view(text).substr(equals + 1));
    }
  }
  return "";
}

Result<S3Config> ParseS3Url(std::string_view url, const fs::path& default_cache_dir) {
  constexpr std::string_view kScheme = "s3://";
  if (!url.starts_with(kScheme)) return Status::InvalidArgument("not an s3:// URL");
  std::string_view rest = url.substr(kScheme.size());
  std::string_view query;
  if (auto mark = rest.find('?'); mark != std::string_view::npos) {
    query = rest.substr(mark + 1);
    rest = rest.substr(0, mark);
  }
  S3Config config;
  auto slash = rest.find('/');
  config.bucket = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) {
    std::string_view prefix = rest.substr(slash + 1);
    while (prefix.ends_with('/')) prefix.remove_suffix(1);
    if (!prefix.empty()) config.prefix = std::string(prefix) + "/";
  }
  if (config.bucket.empty()) return Status::InvalidArgument("S3 URL names no bucket");
  bool addressing_given = false;
  while (!query.empty()) {
    std::string_view pair = query.substr(0, query.find('&'));
    query.remove_prefix(std::min(query.size(), pair.size() + 1));
    if (pair.empty()) continue;
    auto equals = pair.find('=');
    std::string_view name = pair.substr(0, equals);
    VITRINE_ASSIGN_OR_RETURN(
        std::string value,
        core::PercentDecode(equals == std::string_view::npos ? "" : pair.substr(equals + 1), /*plus_is_space=*/false));
    VITRINE_RETURN_IF_ERROR(ApplyParameter(name, value, config, addressing_given));
  }
  const bool custom_endpoint = !config.endpoint.empty();
  if (config.region.empty()) config.region = DefaultRegion();
  if (!custom_endpoint) config.endpoint = "https://s3." + config.region + ".amazonaws.com";
  // A bucket name with dots does not match AWS's wildcard certificate as a host name.
  if (!addressing_given) config.virtual_host = !custom_endpoint && config.bucket.find('.') == std::string::npos;
  if (!custom_endpoint && config.part_bytes < kMinPartBytes) {
    return Status::InvalidArgument("S3 part_bytes must be at least 5 MiB");
  }
  if (config.cache_dir.empty()) config.cache_dir = default_cache_dir;
  if (config.cache_dir.empty()) {
    return Status::InvalidArgument("the S3 blob store needs a local cache folder: add cache=/dir to its URL");
  }
  VITRINE_ASSIGN_OR_RETURN(config.credentials, FindCredentials());
  return config;
}

}  // namespace vitrine::blob::s3
