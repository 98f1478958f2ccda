// Which interface a program was compiled against.
//
// The records of include/vitrine/ (types.h, requests.h, ...) are the domain's own records,
// shared on purpose by the client library and the server's modules: what a user's program sees
// is what is stored. So a field added to one changes the library's binary interface, and
// VITRINE_ABI_VERSION (the shared library's SONAME number) must then go up. `make test` holds
// the fingerprint of these headers (include/vitrine/ABI, tools/check_public_abi.py) and fails
// until a change to them is acknowledged there.
#pragma once

#define VITRINE_ABI_VERSION 6
