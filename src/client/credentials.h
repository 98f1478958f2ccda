// Where a remote client's server address and credentials come from, so scripts never need
// keys on the command line: explicit values > environment > credentials file.
//
//   environment: VITRINE_URL, VITRINE_TOKEN, VITRINE_USERNAME + VITRINE_PASSWORD,
//                VITRINE_PUBLIC_KEY + VITRINE_PRIVATE_KEY
//   file:        $VITRINE_CREDENTIALS or ~/.config/vitrine/credentials, a JSON object with the
//                same keys in lowercase ({"url": ..., "token": ...}); refused when group- or
//                world-readable, as ssh refuses a private key.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "vitrine/credentials.h"
#include "vitrine/status.h"

namespace vitrine::client {

using vitrine::Credentials;

// Fills what `given` leaves empty from the environment, then from the credentials file.
// A file with loose permissions or bad JSON is an error (kPermissionDenied / kInvalidArgument);
// a missing file is not.
Result<Credentials> ResolveCredentials(Credentials given);

// The credentials file's default place.
std::filesystem::path DefaultCredentialsPath();

// Reads one credentials file (for tests and explicit paths).
Result<Credentials> ReadCredentialsFile(const std::filesystem::path& path);

}  // namespace vitrine::client
