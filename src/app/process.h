// Process-wide libraries, started once by the program's entry point before any other call:
// `main` for the vitrine command, LocalClient's factory for a program embedding a store.
#pragma once

#include "vitrine/status.h"

namespace vitrine::app {

// Starts libvips (blocking the loaders it marks untrusted). Idempotent and thread-safe.
Status StartProcessLibraries(const char* program);

}  // namespace vitrine::app
