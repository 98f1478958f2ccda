#include "imaging/vips_handles.h"

#include <string>

namespace vitrine::imaging {

Status VipsError(std::string_view what, ErrorCode code) {
  std::unique_ptr<char, GFree> detail(vips_error_buffer_copy());
  std::string message(what);
  if (detail && *detail) {
    std::string text(detail.get());
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    // libvips prefixes lines with the operation name; keep the first line, it names the cause.
    if (auto nl = text.find('\n'); nl != std::string::npos) text.resize(nl);
    message += " (" + text + ")";
  }
  return Status(code, message);
}

}  // namespace vitrine::imaging
