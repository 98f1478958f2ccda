#include "core/time_format.h"

#include <array>
#include <cctype>
#include <cstdio>

#include "core/parse_integer.h"

namespace vitrine::core {
namespace {

using std::chrono::days;
using std::chrono::microseconds;

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<std::string_view, 7> kWeekdays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

// A tiny cursor over text; every Read* returns false instead of running past the end.
class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}
  bool done() const { return pos_ == s_.size(); }
  char peek() const { return done() ? '\0' : s_[pos_]; }
  bool Consume(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  bool ReadDigits(std::size_t count, int& out) {
    if (s_.size() - pos_ < count) return false;
    out = 0;
    for (std::size_t i = 0; i < count; ++i) {
      char c = s_[pos_ + i];
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
      out = out * 10 + (c - '0');
    }
    pos_ += count;
    return true;
  }
  std::string_view ReadWhile(bool (*pred)(char)) {
    std::size_t start = pos_;
    while (!done() && pred(s_[pos_])) ++pos_;
    return s_.substr(start, pos_ - start);
  }
  void SkipSpaces() {
    ReadWhile([](char c) { return c == ' '; });
  }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

Result<Timestamp> FromCivil(int y, int mo, int d, int h, int mi, int s, std::int64_t frac_us) {
  std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(mo), std::chrono::day(d)};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 60) return Status::InvalidArgument("date or time out of range");
  auto t = std::chrono::sys_days(ymd) + std::chrono::hours(h) + std::chrono::minutes(mi) + std::chrono::seconds(s) +
           microseconds(frac_us);
  return Timestamp(std::chrono::duration_cast<microseconds>(t.time_since_epoch()));
}

}  // namespace

std::string FormatIso8601(Timestamp t) {
  auto day = std::chrono::floor<days>(t);
  std::chrono::year_month_day ymd(day);
  std::chrono::hh_mm_ss<microseconds> hms(t - day);
  char buf[40];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(ymd.year()),
                        static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                        static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                        static_cast<int>(hms.seconds().count()));
  std::string out(buf, static_cast<std::size_t>(n));
  if (auto us = hms.subseconds().count(); us != 0) {
    std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(us));
    out += buf;
  }
  out += 'Z';
  return out;
}

Result<Timestamp> ParseIso8601(std::string_view text) {
  Scanner in(text);
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  std::int64_t frac_us = 0;
  auto bad = [&] { return Status::InvalidArgument("'" + std::string(text) + "' is not an ISO 8601 timestamp"); };
  if (!in.ReadDigits(4, y) || !in.Consume('-') || !in.ReadDigits(2, mo) || !in.Consume('-') || !in.ReadDigits(2, d)) {
    return bad();
  }
  std::int64_t offset_minutes = 0;
  if (!in.done()) {
    if (!in.Consume('T') && !in.Consume('t') && !in.Consume(' ')) return bad();
    if (!in.ReadDigits(2, h) || !in.Consume(':') || !in.ReadDigits(2, mi)) return bad();
    if (in.Consume(':') && !in.ReadDigits(2, s)) return bad();
    if (in.Consume('.') || in.Consume(',')) {
      auto digits = in.ReadWhile([](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
      if (digits.empty()) return bad();
      std::int64_t scale = 100000;
      for (char c : digits) {
        frac_us += (c - '0') * scale;
        scale /= 10;
      }
    }
    if (in.Consume('Z') || in.Consume('z')) {
    } else if (in.peek() == '+' || in.peek() == '-') {
      int sign = in.peek() == '-' ? -1 : 1;
      in.Consume(in.peek());
      int oh = 0, om = 0;
      if (!in.ReadDigits(2, oh)) return bad();
      in.Consume(':');
      if (!in.ReadDigits(2, om)) return bad();
      offset_minutes = sign * (oh * 60 + om);
    } else if (!in.done()) {
      return bad();
    }
    if (!in.done()) return bad();
  }
  VITRINE_ASSIGN_OR_RETURN(Timestamp t, FromCivil(y, mo, d, h, mi, s, frac_us));
  return t - std::chrono::minutes(offset_minutes);
}

Result<Timestamp> ParseHttpDate(std::string_view text) {
  Scanner in(text);
  auto bad = [&] { return Status::InvalidArgument("'" + std::string(text) + "' is not an HTTP date"); };
  auto alpha = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; };
  in.SkipSpaces();
  if (auto weekday = in.ReadWhile(alpha); !weekday.empty() && !in.Consume(',')) return bad();
  in.SkipSpaces();
  int d = 0, y = 0, h = 0, mi = 0, s = 0;
  auto digits = in.ReadWhile([](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
  if (digits.empty() || digits.size() > 2) return bad();
  d = *ParseInteger<int>(digits);  // one or two digits: always a number
  in.SkipSpaces();
  auto month_name = in.ReadWhile(alpha);
  int mo = 0;
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (month_name == kMonths[i]) mo = static_cast<int>(i) + 1;
  }
  if (mo == 0) return bad();
  in.SkipSpaces();
  if (!in.ReadDigits(4, y)) return bad();
  in.SkipSpaces();
  if (!in.ReadDigits(2, h) || !in.Consume(':') || !in.ReadDigits(2, mi) || !in.Consume(':') || !in.ReadDigits(2, s)) {
    return bad();
  }
  in.SkipSpaces();
  int offset_minutes = 0;
  auto zone = in.ReadWhile([](char c) { return c != ' '; });
  if (zone == "GMT" || zone == "UTC" || zone == "Z") {
  } else if (zone.size() == 5 && (zone[0] == '+' || zone[0] == '-')) {
    Scanner z(zone.substr(1));
    int oh = 0, om = 0;
    if (!z.ReadDigits(2, oh) || !z.ReadDigits(2, om)) return bad();
    offset_minutes = (zone[0] == '-' ? -1 : 1) * (oh * 60 + om);
  } else {
    return bad();
  }
  in.SkipSpaces();
  if (!in.done()) return bad();
  VITRINE_ASSIGN_OR_RETURN(Timestamp t, FromCivil(y, mo, d, h, mi, s, 0));
  return t - std::chrono::minutes(offset_minutes);
}

std::string FormatHttpDate(Timestamp t) {
  auto day = std::chrono::floor<days>(t);
  std::chrono::year_month_day ymd(day);
  std::chrono::weekday wd(day);
  std::chrono::hh_mm_ss<microseconds> hms(t - day);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d GMT", kWeekdays[wd.c_encoding()].data(),
                static_cast<unsigned>(ymd.day()), kMonths[static_cast<unsigned>(ymd.month()) - 1].data(),
                static_cast<int>(ymd.year()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
  return buf;
}

}  // namespace vitrine::core
