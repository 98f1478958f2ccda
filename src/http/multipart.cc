#include "http/multipart.h"

#include <strings.h>

#include <algorithm>
#include <vector>

namespace vitrine::http {
namespace {

constexpr std::size_t kMaxPartHeaders = 16 * 1024;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// Splits `a=1; b="x;y"` into (name, value) pairs, unquoting values.
std::vector<std::pair<std::string, std::string>> HeaderParams(std::string_view value) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t i = 0;
  while (i < value.size()) {
    std::size_t semi = i;
    bool quoted = false;
    while (semi < value.size() && (quoted || value[semi] != ';')) {
      if (value[semi] == '"') quoted = !quoted;
      ++semi;
    }
    std::string_view item = Trim(value.substr(i, semi - i));
    auto eq = item.find('=');
    std::string name(Trim(item.substr(0, eq)));
    std::string val;
    if (eq != std::string_view::npos) {
      std::string_view v = Trim(item.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      val = std::string(v);
    }
    out.emplace_back(std::move(name), std::move(val));
    i = semi + 1;
  }
  return out;
}

}  // namespace

Result<std::string> MultipartParser::BoundaryOf(std::string_view content_type) {
  auto params = HeaderParams(content_type);
  if (params.empty() || !IEquals(params[0].first, "multipart/form-data")) {
    return Status::InvalidArgument("expected a multipart/form-data body");
  }
  for (const auto& [name, value] : params) {
    if (IEquals(name, "boundary") && !value.empty() && value.size() <= 70) return value;
  }
  return Status::InvalidArgument("multipart/form-data without a valid boundary");
}

Status MultipartParser::ParseHeaders(std::string_view block) {
  MultipartPart part;
  while (!block.empty()) {
    auto eol = block.find("\r\n");
    std::string_view line = block.substr(0, eol);
    block = eol == std::string_view::npos ? std::string_view() : block.substr(eol + 2);
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = Trim(line.substr(0, colon)), value = Trim(line.substr(colon + 1));
    if (IEquals(name, "content-type")) part.content_type = std::string(value);
    if (IEquals(name, "content-disposition")) {
      for (const auto& [key, val] : HeaderParams(value)) {
        if (IEquals(key, "name")) part.name = val;
        if (IEquals(key, "filename")) part.filename = val;
      }
    }
  }
  return handler_.OnPartBegin(part);
}

Status MultipartParser::Feed(std::string_view bytes) {
  pending_.append(bytes);
  while (true) {
    switch (state_) {
      case State::kStart: {
        // The first boundary may open the body without the CRLF the delimiter starts with, but
        // only there: "--boundary" inside the preamble is not one, however the bytes arrive.
        std::string_view first(delimiter_.data() + 2, delimiter_.size() - 2);
        if (pending_.size() < first.size() && first.starts_with(pending_)) return Status::Ok();
        if (pending_.starts_with(first)) {
          pending_.erase(0, first.size());
          state_ = State::kAfterDelimiter;
        } else {
          state_ = State::kPreamble;
        }
        break;
      }
      case State::kPreamble: {
        auto at = pending_.find(delimiter_);
        if (at == std::string::npos) {
          if (pending_.size() > delimiter_.size()) pending_.erase(0, pending_.size() - delimiter_.size());
          return Status::Ok();
        }
        pending_.erase(0, at + delimiter_.size());
        state_ = State::kAfterDelimiter;
        break;
      }
      case State::kAfterDelimiter: {
        if (pending_.size() < 2) return Status::Ok();
        if (pending_.starts_with("--")) {
          state_ = State::kDone;
          pending_.clear();
          return Status::Ok();
        }
        if (!pending_.starts_with("\r\n")) return Status::InvalidArgument("malformed multipart boundary line");
        pending_.erase(0, 2);
        state_ = State::kHeaders;
        break;
      }
      case State::kHeaders: {
        auto end = pending_.find("\r\n\r\n");
        if (end == std::string::npos) {
          if (pending_.size() > kMaxPartHeaders) return Status::InvalidArgument("multipart part headers too large");
          return Status::Ok();
        }
        VITRINE_RETURN_IF_ERROR(ParseHeaders(std::string_view(pending_).substr(0, end + 2)));
        pending_.erase(0, end + 4);
        state_ = State::kBody;
        break;
      }
      case State::kBody: {
        auto at = pending_.find(delimiter_);
        if (at == std::string::npos) {
          // Keep just enough to recognise a delimiter split across two chunks.
          std::size_t keep = std::min(pending_.size(), delimiter_.size() - 1);
          std::size_t emit = pending_.size() - keep;
          if (emit > 0) {
            VITRINE_RETURN_IF_ERROR(handler_.OnPartData(std::string_view(pending_).substr(0, emit)));
            pending_.erase(0, emit);
          }
          return Status::Ok();
        }
        if (at > 0) VITRINE_RETURN_IF_ERROR(handler_.OnPartData(std::string_view(pending_).substr(0, at)));
        VITRINE_RETURN_IF_ERROR(handler_.OnPartEnd());
        pending_.erase(0, at + delimiter_.size());
        state_ = State::kAfterDelimiter;
        break;
      }
      case State::kDone:
        pending_.clear();
        return Status::Ok();
    }
  }
}

Status MultipartParser::Finish() const {
  if (state_ != State::kDone) return Status::InvalidArgument("the multipart body ended before its closing boundary");
  return Status::Ok();
}

}  // namespace vitrine::http
