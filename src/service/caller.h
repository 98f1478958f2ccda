// Who is asking. Every service call takes a Caller and checks it before doing anything.
#pragma once

#include <optional>

#include "vitrine/types.h"

namespace vitrine::service {

class Caller {
 public:
  // A signed-in, enabled user.
  static Caller ForUser(User user) { return Caller(std::move(user)); }
  // Whoever holds the data folder itself (the CLI working on --data): full rights, no user.
  static Caller LocalOperator() { return Caller(std::nullopt); }

  bool is_admin() const { return !user_ || user_->admin; }
  const std::optional<User>& user() const { return user_; }
  // The acting user's id; invalid (0) for the local operator.
  UserId user_id() const { return user_ ? user_->id : UserId(); }

 private:
  explicit Caller(std::optional<User> user) : user_(std::move(user)) {}
  std::optional<User> user_;
};

}  // namespace vitrine::service
