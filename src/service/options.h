// Tunables of the service layer, with the defaults a fresh install runs with.
#pragma once

#include <chrono>

#include "auth/password.h"
#include "service/image_options.h"
#include "service/job_options.h"
#include "service/sign_in_limiter.h"

namespace vitrine::service {

struct ServiceOptions {
  std::chrono::seconds default_token_lifetime{std::chrono::hours(24)};
  std::chrono::seconds max_token_lifetime{std::chrono::hours(24 * 365)};
  // Signed requests whose `date` is further than this from the server clock are refused,
  // which bounds how long a captured request can be replayed.
  std::chrono::seconds max_signature_skew{std::chrono::minutes(15)};
  auth::PasswordHashParams password_hashing;
  SignInLimits sign_in_limits;
  ImageOptions images;
  JobOptions jobs;
};

}  // namespace vitrine::service
