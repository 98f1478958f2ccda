#include "geometry/simple_wkt.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace vitrine::geometry {
namespace {

static_assert(std::endian::native == std::endian::little, "WKB is written in the machine's byte order");

class Reader {
 public:
  explicit Reader(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  void SkipSpace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }
  bool At(char c) {
    SkipSpace();
    return p_ < end_ && *p_ == c;
  }
  bool Take(char c) {
    if (!At(c)) return false;
    ++p_;
    return true;
  }
  // The keyword, case-insensitive, followed by something that is not a letter.
  bool Keyword(std::string_view word) {
    SkipSpace();
    if (static_cast<std::size_t>(end_ - p_) < word.size()) return false;
    for (std::size_t i = 0; i < word.size(); ++i) {
      char c = p_[i];
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      if (c != word[i]) return false;
    }
    const char* after = p_ + word.size();
    if (after < end_ && ((*after >= 'a' && *after <= 'z') || (*after >= 'A' && *after <= 'Z'))) return false;
    p_ = after;
    return true;
  }
  // A finite decimal number ended by a space, ',' or ')': "1.5.5" is one bad token to GEOS, not
  // two numbers. from_chars takes no leading '+', which sends such text to GEOS.
  bool Number(double& out) {
    SkipSpace();
    auto [next, ec] = std::from_chars(p_, end_, out, std::chars_format::general);
    if (ec != std::errc() || !std::isfinite(out) || next == end_) return false;
    if (*next != ' ' && *next != '\t' && *next != '\n' && *next != '\r' && *next != ',' && *next != ')') return false;
    p_ = next;
    return true;
  }
  // "x y, x y, ..." up to (not including) the closing parenthesis.
  bool Coordinates(std::vector<double>& out) {
    do {
      double x = 0, y = 0;
      if (!Number(x) || !Number(y)) return false;
      out.push_back(x);
      out.push_back(y);
    } while (Take(','));
    return true;
  }
  bool Done() {
    SkipSpace();
    return p_ == end_;
  }

 private:
  const char* p_;
  const char* end_;
};

bool ClosedRing(const std::vector<double>& ring) {
  const std::size_t n = ring.size();
  return n >= 8 && ring[0] == ring[n - 2] && ring[1] == ring[n - 1];
}

void Append(std::string& out, const void* bytes, std::size_t size) { out.append(static_cast<const char*>(bytes), size); }
void AppendCount(std::string& out, std::size_t n) {
  const auto count = static_cast<std::uint32_t>(n);
  Append(out, &count, sizeof count);
}

}  // namespace

std::size_t SimpleGeometry::vertex_count() const {
  std::size_t n = 0;
  for (const auto& s : sequences) n += s.size() / 2;
  return n;
}

std::string SimpleGeometry::ToWkb() const {
  std::string out;
  out.reserve(9 + 4 * sequences.size() + 8 * 2 * vertex_count());
  out.push_back('\x01');  // little-endian
  AppendCount(out, static_cast<std::size_t>(kind));
  if (kind == Kind::kPolygon) AppendCount(out, sequences.size());
  for (const auto& s : sequences) {
    if (kind != Kind::kPoint) AppendCount(out, s.size() / 2);
    Append(out, s.data(), s.size() * sizeof(double));
  }
  return out;
}

std::optional<SimpleGeometry> ReadSimpleWkt(std::string_view text) {
  Reader in(text);
  SimpleGeometry g;
  if (in.Keyword("POINT")) {
    g.kind = SimpleGeometry::Kind::kPoint;
    g.sequences.emplace_back();
    double x = 0, y = 0;
    if (!in.Take('(') || !in.Number(x) || !in.Number(y) || !in.Take(')')) return std::nullopt;
    g.sequences.back() = {x, y};
  } else if (in.Keyword("LINESTRING")) {
    g.kind = SimpleGeometry::Kind::kLineString;
    g.sequences.emplace_back();
    if (!in.Take('(') || !in.Coordinates(g.sequences.back()) || !in.Take(')')) return std::nullopt;
    if (g.sequences.back().size() < 4) return std::nullopt;  // one point: GEOS says why not
  } else if (in.Keyword("POLYGON")) {
    g.kind = SimpleGeometry::Kind::kPolygon;
    if (!in.Take('(')) return std::nullopt;
    do {
      g.sequences.emplace_back();
      if (!in.Take('(') || !in.Coordinates(g.sequences.back()) || !in.Take(')')) return std::nullopt;
      if (!ClosedRing(g.sequences.back())) return std::nullopt;
    } while (in.Take(','));
    if (!in.Take(')')) return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (!in.Done()) return std::nullopt;
  return g;
}

}  // namespace vitrine::geometry
