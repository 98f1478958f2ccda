// What callers send to create or change things: shared by the public client API and the
// service layer, so both sides speak one vocabulary.
#pragma once

#include <map>
#include <optional>
#include <string>

namespace vitrine {

struct NewUser {
  std::string username{};
  std::string password{};
  std::string name{};
  std::string email{};
  bool admin = false;
};

struct UserUpdate {
  std::optional<std::string> name{};
  std::optional<std::string> email{};
  std::optional<std::string> password{};
  std::optional<std::string> current_password{};  // needed to change one's own password
  std::optional<bool> admin{};
  std::optional<bool> enabled{};
};

struct ProjectUpdate {
  std::optional<std::string> name{};
  std::optional<std::string> description{};
};

struct ImageUpdate {
  std::optional<std::string> filename{};
  std::map<std::string, std::optional<std::string>> properties{};  // nullopt removes the key
};

}  // namespace vitrine
