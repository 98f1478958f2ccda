#include "service/sign_in_limiter.h"

#include <algorithm>

namespace vitrine::service {

std::chrono::seconds SignInLimiter::WaitLeft(const Table& table, std::string_view key, int free_failures) const {
  auto it = table.find(std::string(key));
  if (it == table.end() || it->second.count <= free_failures) return std::chrono::seconds(0);
  int doublings = std::min(it->second.count - free_failures - 1, 30);
  auto wait = std::min<std::chrono::seconds>(limits_.first_wait * (std::int64_t{1} << doublings), limits_.max_wait);
  auto left = std::chrono::ceil<std::chrono::seconds>(it->second.last + wait - clock_.Now());
  return std::max(left, std::chrono::seconds(0));
}

Status SignInLimiter::Admit(std::string_view account, std::string_view address) const {
  std::lock_guard lock(mu_);
  auto wait = WaitLeft(accounts_, account, limits_.free_failures_per_account);
  if (!address.empty()) wait = std::max(wait, WaitLeft(addresses_, address, limits_.free_failures_per_address));
  if (wait.count() == 0) return Status::Ok();
  return Status::TooManyRequests("too many failed sign-ins: try again in " + std::to_string(wait.count()) + " s",
                                 static_cast<int>(wait.count()));
}

void SignInLimiter::Count(Table& table, std::string_view key) {
  const Timestamp now = clock_.Now();
  if (table.size() >= limits_.max_tracked) {
    std::erase_if(table, [&](const auto& entry) { return now - entry.second.last > limits_.forget_after; });
    // Still full of live entries: a spray of names or addresses. Start over rather than grow;
    // the other table keeps limiting meanwhile.
    if (table.size() >= limits_.max_tracked) table.clear();
  }
  Failures& f = table[std::string(key)];
  if (f.count > 0 && now - f.last > limits_.forget_after) f.count = 0;
  ++f.count;
  f.last = now;
}

void SignInLimiter::RecordFailure(std::string_view account, std::string_view address) {
  std::lock_guard lock(mu_);
  Count(accounts_, account);
  if (!address.empty()) Count(addresses_, address);
}

void SignInLimiter::RecordSuccess(std::string_view account) {
  std::lock_guard lock(mu_);
  accounts_.erase(std::string(account));
}

}  // namespace vitrine::service
