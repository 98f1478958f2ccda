#include "http/message.h"

namespace vitrine::http {

std::string_view HttpRequest::header(std::string_view lowercase_name) const {
  for (const auto& h : headers) {
    if (h.name == lowercase_name) return h.value;
  }
  return {};
}

}  // namespace vitrine::http
