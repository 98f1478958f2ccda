// Image uploads: multipart/form-data (http/multipart). The first line of the input is the
// Content-Type header, the rest the body. The body is parsed twice, in one piece and in small
// chunks as it arrives from the network, and both must find the same parts with the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "http/multipart.h"

namespace {

using vitrine::Status;
using vitrine::http::MultipartHandler;
using vitrine::http::MultipartParser;
using vitrine::http::MultipartPart;

void Check(bool condition) {
  if (!condition) std::abort();
}

struct Part {
  std::string name, filename, content_type, data;
  bool ended = false;
  bool operator==(const Part&) const = default;
};

// Records the parts; the parser must open a part before its data and close it after.
class Recorder final : public MultipartHandler {
 public:
  Status OnPartBegin(const MultipartPart& part) override {
    Check(parts_.empty() || parts_.back().ended);
    parts_.push_back({part.name, part.filename, part.content_type, {}, false});
    return Status::Ok();
  }
  Status OnPartData(std::string_view bytes) override {
    Check(!parts_.empty() && !parts_.back().ended && !bytes.empty());
    parts_.back().data.append(bytes);
    return Status::Ok();
  }
  Status OnPartEnd() override {
    Check(!parts_.empty() && !parts_.back().ended);
    parts_.back().ended = true;
    return Status::Ok();
  }
  const std::vector<Part>& parts() const { return parts_; }

 private:
  std::vector<Part> parts_;
};

struct Outcome {
  bool fed = false;
  bool finished = false;
  std::vector<Part> parts;
};

Outcome Parse(const std::string& boundary, std::string_view body, std::size_t chunk) {
  Recorder recorder;
  MultipartParser parser(boundary, recorder);
  Outcome out;
  out.fed = true;
  for (std::size_t at = 0; at < body.size() && out.fed; at += chunk) out.fed = parser.Feed(body.substr(at, chunk)).ok();
  if (body.empty()) out.fed = parser.Feed(body).ok();
  out.finished = out.fed && parser.Finish().ok();
  out.parts = recorder.parts();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto newline = input.find('\n');
  if (newline == std::string_view::npos) return 0;
  const std::string_view content_type = input.substr(0, newline);
  const std::string_view body = input.substr(newline + 1);
  auto boundary = MultipartParser::BoundaryOf(content_type);
  if (!boundary.ok()) return 0;
  Check(!boundary->empty() && boundary->size() <= 70);

  const Outcome whole = Parse(*boundary, body, body.size() + 1);
  const Outcome chunked = Parse(*boundary, body, 1 + size % 7);
  Check(whole.fed == chunked.fed);
  if (!whole.fed) return 0;
  Check(whole.finished == chunked.finished);
  Check(whole.parts == chunked.parts);
  return 0;
}
