// The multipart form a tuboid is uploaded with (POST /api/v1/tuboids, Sticky Pi's own): its
// shots, its tiles and context JPEGs, its name and its series.
#pragma once

#include <string>

namespace vitrine::testing {

inline constexpr const char* kTuboidFormBoundary = "tuboid-boundary";

struct TuboidForm {
  std::string name;
  std::string shots;
  std::string tiles_jpeg;
  std::string context_jpeg;
  std::string series_json;
};

// The body, to send with "Content-Type: multipart/form-data; boundary=" kTuboidFormBoundary.
inline std::string TuboidFormBody(const TuboidForm& form) {
  const std::string boundary = kTuboidFormBoundary;
  std::string body;
  auto part = [&](const std::string& field, const std::string& filename, const std::string& bytes) {
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field + "\"";
    if (!filename.empty()) body += "; filename=\"" + filename + "\"";
    body += "\r\n\r\n" + bytes + "\r\n";
  };
  part("metadata", "metadata.txt", form.shots);
  part("tuboid", "tuboid.jpg", form.tiles_jpeg);
  part("context", "context.jpg", form.context_jpeg);
  part("tuboid_id", "", form.name);
  part("series_info", "", form.series_json);
  return body + "--" + boundary + "--\r\n";
}

}  // namespace vitrine::testing
