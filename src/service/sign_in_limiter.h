// Slows password guessing down: failed sign-ins are counted per account and per client address,
// and past a free allowance each further failure doubles how long that account or address must
// wait before its next attempt (capped). While it waits, an attempt is refused with
// kTooManyRequests and a retry-after hint before any password is hashed, so a flood of wrong
// passwords costs the server almost nothing. Safe for concurrent use.
//
// The per-account count would let an attacker keep a known username locked, one failure per
// `max_wait`: so an address from which the account has signed in before (its last
// kKnownAddressesPerAccount) is not held by the account's count, only by its own. Anywhere
// else, a correct password does not bypass the wait. A success clears the account's count, not
// the address's (one valid account must not reset an address that guesses at others). Counts are forgotten
// `forget_after` past their last failure; memory is bounded by `max_tracked` entries per kind.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "vitrine/status.h"
#include "vitrine/types.h"

namespace vitrine::service {

struct SignInLimits {
  int free_failures_per_account = 5;
  int free_failures_per_address = 20;  // higher: many people may share one address (NAT)
  std::chrono::seconds first_wait{1};
  std::chrono::seconds max_wait{std::chrono::minutes(15)};
  std::chrono::seconds forget_after{std::chrono::hours(1)};
  std::size_t max_tracked = 100'000;
};

class SignInLimiter {
 public:
  SignInLimiter(const core::Clock& clock, SignInLimits limits) : clock_(clock), limits_(limits) {}

  // OK, or kTooManyRequests naming how long to wait. An empty `address` (in-process callers)
  // is limited by account only.
  Status Admit(std::string_view account, std::string_view address) const;
  void RecordFailure(std::string_view account, std::string_view address);
  void RecordSuccess(std::string_view account, std::string_view address);

 private:
  struct Failures {
    int count = 0;
    Timestamp last;
  };
  using Table = std::unordered_map<std::string, Failures>;

  std::chrono::seconds WaitLeft(const Table& table, std::string_view key, int free_failures) const;
  void Count(Table& table, std::string_view key, int free_failures);
  bool KnownAddress(const std::string& account_key, std::string_view address) const;

  static constexpr std::size_t kKnownAddressesPerAccount = 8;

  const core::Clock& clock_;
  const SignInLimits limits_;
  mutable std::mutex mu_;
  Table accounts_;
  Table addresses_;
  std::unordered_map<std::string, std::vector<std::string>> known_;  // account → addresses that succeeded
};

}  // namespace vitrine::service
