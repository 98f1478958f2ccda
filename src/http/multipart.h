// A streaming multipart/form-data parser (RFC 7578): bytes are pushed in as they arrive and
// each part's data is handed on as it is found, so a multi-gigabyte file part never sits in
// memory. Only the current part's headers and a boundary's worth of bytes are buffered.
#pragma once

#include <string>
#include <string_view>

#include "vitrine/status.h"

namespace vitrine::http {

struct MultipartPart {
  std::string name;      // from Content-Disposition
  std::string filename;  // from Content-Disposition, may be empty
  std::string content_type;
};

class MultipartHandler {
 public:
  virtual ~MultipartHandler() = default;
  virtual Status OnPartBegin(const MultipartPart& part) = 0;
  virtual Status OnPartData(std::string_view bytes) = 0;
  virtual Status OnPartEnd() = 0;
};

class MultipartParser {
 public:
  // kInvalidArgument unless `content_type` is multipart/form-data with a boundary.
  static Result<std::string> BoundaryOf(std::string_view content_type);

  MultipartParser(std::string boundary, MultipartHandler& handler)
      : delimiter_("\r\n--" + boundary), handler_(handler) {}

  Status Feed(std::string_view bytes);
  // kInvalidArgument if the body ended before the closing boundary.
  Status Finish() const;

 private:
  // kStart: nothing but a prefix of the first boundary seen yet; kPreamble: before the first
  // boundary, which from there on needs the CRLF in front.
  enum class State { kStart, kPreamble, kHeaders, kBody, kAfterDelimiter, kDone };
  Status ParseHeaders(std::string_view block);

  const std::string delimiter_;  // CRLF "--" boundary
  MultipartHandler& handler_;
  State state_ = State::kStart;
  std::string pending_;
};

}  // namespace vitrine::http
