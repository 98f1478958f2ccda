#include "client/credentials.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "wire/json.h"

namespace vitrine::client {
namespace {

void FillFromEnv(std::string& field, const char* name) {
  if (!field.empty()) return;
  if (const char* v = std::getenv(name); v && *v) field = v;
}

void Fill(std::string& field, const std::string& value) {
  if (field.empty()) field = value;
}

}  // namespace

std::filesystem::path DefaultCredentialsPath() {
  if (const char* explicit_path = std::getenv("VITRINE_CREDENTIALS"); explicit_path && *explicit_path) {
    return explicit_path;
  }
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) {
    return std::filesystem::path(xdg) / "vitrine" / "credentials";
  }
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home ? home : ".") / ".config" / "vitrine" / "credentials";
}

Result<Credentials> ReadCredentialsFile(const std::filesystem::path& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return Status::NotFound("no credentials file at " + path.string());
  if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    return Status::PermissionDenied("credentials file " + path.string() + " is readable by others; run: chmod 600 " +
                                    path.string());
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  auto doc = wire::ParseObject(text.str());
  if (!doc.ok()) return Status::InvalidArgument("credentials file " + path.string() + ": " + doc.status().message());
  Credentials c;
  for (auto [field, key] : {std::pair{&c.url, "url"},
                            {&c.token, "token"},
                            {&c.username, "username"},
                            {&c.password, "password"},
                            {&c.public_key, "public_key"},
                            {&c.private_key, "private_key"}}) {
    VITRINE_ASSIGN_OR_RETURN(auto value, wire::OptionalString(*doc, key));
    if (value) *field = *value;
  }
  return c;
}

Result<Credentials> ResolveCredentials(Credentials c) {
  FillFromEnv(c.url, "VITRINE_URL");
  FillFromEnv(c.token, "VITRINE_TOKEN");
  FillFromEnv(c.username, "VITRINE_USERNAME");
  FillFromEnv(c.password, "VITRINE_PASSWORD");
  FillFromEnv(c.public_key, "VITRINE_PUBLIC_KEY");
  FillFromEnv(c.private_key, "VITRINE_PRIVATE_KEY");
  auto file = ReadCredentialsFile(DefaultCredentialsPath());
  if (file.ok()) {
    Fill(c.url, file->url);
    if (c.empty()) {  // never mix a password from one source with a username from another
      c.token = file->token;
      c.username = file->username;
      c.password = file->password;
      c.public_key = file->public_key;
      c.private_key = file->private_key;
    }
  } else if (file.status().code() != ErrorCode::kNotFound) {
    return file.status();
  }
  return c;
}

}  // namespace vitrine::client
