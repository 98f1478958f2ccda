#include "service/sign_in_limiter.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>

#include "core/ascii.h"

namespace vitrine::service {
namespace {

// Usernames match without regard to ASCII case (the catalog's NOCASE): "Admin" is "admin".
std::string AccountKey(std::string_view account) { return core::Lowercase(account); }

// One IPv6 subscriber holds a /64: its addresses count as one. IPv4 addresses as they are.
std::string AddressKey(std::string_view address) {
  in6_addr v6{};
  if (address.find(':') == std::string_view::npos || ::inet_pton(AF_INET6, std::string(address).c_str(), &v6) != 1) {
    return std::string(address);
  }
  char key[2 * 8 + 4];
  for (int i = 0; i < 8; ++i) std::snprintf(key + 2 * i, 3, "%02x", v6.s6_addr[i]);
  return std::string(key, 16) + "/64";
}

}  // namespace

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
  const std::string key = AccountKey(account);
  auto wait = KnownAddress(key, address) ? std::chrono::seconds(0)
                                         : WaitLeft(accounts_, key, limits_.free_failures_per_account);
  if (!address.empty()) {
    wait = std::max(wait, WaitLeft(addresses_, AddressKey(address), limits_.free_failures_per_address));
  }
  if (wait.count() == 0) return Status::Ok();
  return Status::TooManyRequests("too many failed sign-ins: try again in " + std::to_string(wait.count()) + " s",
                                 static_cast<int>(wait.count()));
}

void SignInLimiter::Count(Table& table, std::string_view key, int free_failures) {
  const Timestamp now = clock_.Now();
  if (table.size() >= limits_.max_tracked) {
    std::erase_if(table, [&](const auto& entry) { return now - entry.second.last > limits_.forget_after; });
    // Still full: a spray of names or addresses. Drop those still within their free failures
    // (the spray itself), never the ones made to wait, so the spray frees no one it targets.
    if (table.size() >= limits_.max_tracked) {
      std::erase_if(table, [&](const auto& entry) { return entry.second.count <= free_failures; });
    }
    if (table.size() >= limits_.max_tracked) table.clear();  // all waiting: nothing else bounds it
  }
  Failures& f = table[std::string(key)];
  if (f.count > 0 && now - f.last > limits_.forget_after) f.count = 0;
  ++f.count;
  f.last = now;
}

void SignInLimiter::RecordFailure(std::string_view account, std::string_view address) {
  std::lock_guard lock(mu_);
  Count(accounts_, AccountKey(account), limits_.free_failures_per_account);
  if (!address.empty()) Count(addresses_, AddressKey(address), limits_.free_failures_per_address);
}

void SignInLimiter::RecordSuccess(std::string_view account, std::string_view address) {
  std::lock_guard lock(mu_);
  const std::string key = AccountKey(account);
  accounts_.erase(key);
  if (address.empty()) return;
  if (known_.size() >= limits_.max_tracked && !known_.contains(key)) known_.clear();
  auto& addresses = known_[key];
  std::erase(addresses, AddressKey(address));
  addresses.push_back(AddressKey(address));
  if (addresses.size() > kKnownAddressesPerAccount) addresses.erase(addresses.begin());
}

bool SignInLimiter::KnownAddress(const std::string& account_key, std::string_view address) const {
  if (address.empty()) return false;
  auto it = known_.find(account_key);
  return it != known_.end() && std::ranges::find(it->second, AddressKey(address)) != it->second.end();
}

}  // namespace vitrine::service
