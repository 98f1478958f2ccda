// Who is asking. Every service call takes a Caller and checks it before doing anything.
#pragma once

#include <optional>

#include "vitrine/types.h"

namespace vitrine::service {

class Caller {
 public:
  // A signed-in, enabled user.
  static Caller ForUser(User user) { return Caller(std::move(user)); }
  // A job's token: the user's rights on one project only, none on accounts or credentials, and
  // no administrator rights beyond that project.
  static Caller ForJob(User user, ProjectId project) {
    Caller caller(std::move(user));
    caller.project_scope_ = project;
    return caller;
  }
  // Whoever holds the data folder itself (the CLI working on --data): full rights, no user.
  static Caller LocalOperator() { return Caller(std::nullopt); }

  bool is_admin() const { return !user_ || (user_->admin && !project_scope_); }
  // The one project a job's token may reach; nullopt for every other caller.
  const std::optional<ProjectId>& project_scope() const { return project_scope_; }
  // May claim and run jobs: administrators and users given the worker capability.
  bool is_worker() const { return is_admin() || (user_ && user_->worker && !project_scope_); }
  const std::optional<User>& user() const { return user_; }
  // The acting user's id; invalid (0) for the local operator.
  UserId user_id() const { return user_ ? user_->id : UserId(); }

 private:
  explicit Caller(std::optional<User> user) : user_(std::move(user)) {}
  std::optional<User> user_;
  std::optional<ProjectId> project_scope_;
};

}  // namespace vitrine::service
