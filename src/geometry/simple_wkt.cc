#include "geometry/simple_wkt.h"

#include <algorithm>
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

void Append(std::string& out, const void* bytes, std::size_t size) {
  out.append(static_cast<const char*>(bytes), size);
}
void AppendCount(std::string& out, std::size_t n) {
  const auto count = static_cast<std::uint32_t>(n);
  Append(out, &count, sizeof count);
}

// GEOS's trimmed number format: the shortest decimal that reads back as `v`, in fixed
// notation; past 16 decimal places, those digits rounded half to even (as GEOS does: it rounds
// the shortest digits, not the exact binary value).
void AppendNumber(std::string& out, double v) {
  char buffer[400];  // room for any double below kLargestFixed, and one more leading digit
  auto [end, ec] = std::to_chars(buffer + 1, buffer + sizeof buffer, v, std::chars_format::fixed);
  if (ec != std::errc()) return out.push_back('0');  // unreachable: the buffer fits any double
  char* begin = buffer + 1;
  const bool negative = *begin == '-';
  char* digits = negative ? begin + 1 : begin;
  char* dot = std::find(digits, end, '.');
  constexpr std::ptrdiff_t kMaxDecimals = 16;
  if (end - dot - 1 > kMaxDecimals) {
    char* cut = dot + 1 + kMaxDecimals;
    const bool rest_nonzero = std::any_of(cut + 1, end, [](char c) { return c != '0'; });
    const bool odd = (cut[-1] - '0') % 2 == 1;
    const bool up = *cut > '5' || (*cut == '5' && (rest_nonzero || odd));
    end = cut;
    if (up) {
      char* p = end - 1;
      for (; p >= digits; --p) {
        if (*p == '.') continue;
        if (*p != '9') {
          ++*p;
          break;
        }
        *p = '0';
      }
      if (p < digits) {  // 9.99... became 10.00...: one more leading digit
        std::memmove(digits + 1, digits, static_cast<std::size_t>(end - digits));
        *digits = '1';
        ++end;
        ++dot;
      }
    }
    while (end > dot + 1 && end[-1] == '0') --end;
    if (end == dot + 1) end = dot;
  }
  if (std::all_of(digits, end, [](char c) { return c == '0' || c == '.'; })) return out.push_back('0');  // and -0
  out.append(begin, end);
}

// Reads WKB values in order; every read is bounds-checked.
class WkbReader {
 public:
  explicit WkbReader(std::string_view wkb) : p_(wkb.data()), end_(wkb.data() + wkb.size()) {}
  bool Count(std::uint32_t& n) { return Read(&n, sizeof n); }
  bool Double(double& v) { return Read(&v, sizeof v); }
  bool Byte(char& c) { return Read(&c, 1); }
  bool Done() const { return p_ == end_; }
  std::size_t left() const { return static_cast<std::size_t>(end_ - p_); }

 private:
  bool Read(void* out, std::size_t size) {
    if (static_cast<std::size_t>(end_ - p_) < size) return false;
    std::memcpy(out, p_, size);
    p_ += size;
    return true;
  }
  const char* p_;
  const char* end_;
};

// Below this, a double's integer part is exact, so the shortest digits padded with zeros (what
// GEOS prints) and the exact value (what to_chars prints) agree. Pixel coordinates stay far
// below it; larger values go to GEOS.
constexpr double kLargestFixed = 1e15;

// "x y, x y, ..." of `n` points.
bool AppendPoints(WkbReader& in, std::uint32_t n, std::string& out) {
  if (n == 0 || in.left() / 16 < n) return false;
  for (std::uint32_t i = 0; i < n; ++i) {
    double x = 0, y = 0;
    if (!in.Double(x) || !in.Double(y) || !(std::abs(x) < kLargestFixed) || !(std::abs(y) < kLargestFixed))
      return false;
    if (i) out += ", ";
    AppendNumber(out, x);
    out += ' ';
    AppendNumber(out, y);
  }
  return true;
}

}  // namespace

std::optional<std::string> SimpleWkbToWkt(std::string_view wkb) {
  WkbReader in(wkb);
  char order = 0;
  std::uint32_t type = 0;
  if (!in.Byte(order) || order != '\x01' || !in.Count(type)) return std::nullopt;
  std::string out;
  out.reserve(wkb.size() * 2);
  std::uint32_t n = 0;
  switch (type) {
    case 1:
      out = "POINT (";
      if (!AppendPoints(in, 1, out)) return std::nullopt;
      out += ')';
      break;
    case 2:
      out = "LINESTRING (";
      if (!in.Count(n) || !AppendPoints(in, n, out)) return std::nullopt;
      out += ')';
      break;
    case 3: {
      std::uint32_t rings = 0;
      if (!in.Count(rings) || rings == 0 || rings > in.left() / 4) return std::nullopt;
      out = "POLYGON (";
      for (std::uint32_t r = 0; r < rings; ++r) {
        out += r ? ", (" : "(";
        if (!in.Count(n) || !AppendPoints(in, n, out)) return std::nullopt;
        out += ')';
      }
      out += ')';
      break;
    }
    default:
      return std::nullopt;
  }
  if (!in.Done()) return std::nullopt;
  return out;
}

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
