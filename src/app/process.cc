#include "app/process.h"

#include "imaging/init.h"

namespace vitrine::app {

Status StartProcessLibraries(const char* program) { return imaging::InitializeImaging(program); }

}  // namespace vitrine::app
