#include "common/time/rfc3339.h"

#include <cstdint>
#include <cstdio>

namespace paymesh::time {
namespace {

using std::chrono::days;
using std::chrono::floor;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using std::chrono::system_clock;

constexpr seconds kChinaOffset = hours(8);

// The wall-clock fields of `whole` shifted by `offset`, then `suffix` ("Z", ".123Z", "+08:00").
std::string FormatFields(std::chrono::sys_seconds whole, seconds offset, const char* suffix) {
  const auto local = whole + offset;
  const auto day = floor<days>(local);
  const std::chrono::year_month_day ymd(day);
  const std::chrono::hh_mm_ss hms(local - day);
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02d%s", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()), suffix);
  return buf;
}

// Reads exactly `width` digits at `pos`.
bool Digits(std::string_view s, size_t pos, size_t width, int* out) {
  if (pos + width > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + width; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// Whole seconds strictly inside system_clock's range, so that adding a fraction stays inside.
bool Representable(std::chrono::sys_seconds t) {
  return t > floor<seconds>(system_clock::time_point::min()) &&
         t < floor<seconds>(system_clock::time_point::max());
}

}  // namespace

std::string FormatUtc(system_clock::time_point t, Precision precision) {
  const auto whole = floor<seconds>(t);
  if (precision == Precision::kSeconds) return FormatFields(whole, seconds(0), "Z");
  char suffix[8];
  std::snprintf(suffix, sizeof(suffix), ".%03dZ",
                static_cast<int>(floor<std::chrono::milliseconds>(t - whole).count()));
  return FormatFields(whole, seconds(0), suffix);
}

std::string FormatChina(system_clock::time_point t) {
  return FormatFields(floor<seconds>(t), kChinaOffset, "+08:00");
}

absl::StatusOr<system_clock::time_point> Parse(std::string_view s) {
  const absl::Status bad = absl::InvalidArgumentError("not an RFC 3339 time");
  int year, month, day, hour, minute, second;
  if (s.size() < 20 || !Digits(s, 0, 4, &year) || s[4] != '-' || !Digits(s, 5, 2, &month) ||
      s[7] != '-' || !Digits(s, 8, 2, &day) || (s[10] != 'T' && s[10] != 't') ||
      !Digits(s, 11, 2, &hour) || s[13] != ':' || !Digits(s, 14, 2, &minute) || s[16] != ':' ||
      !Digits(s, 17, 2, &second)) {
    return bad;
  }
  const std::chrono::year_month_day ymd{std::chrono::year(year),
                                        std::chrono::month(static_cast<unsigned>(month)),
                                        std::chrono::day(static_cast<unsigned>(day))};
  // A leap second (:60) has no system_clock time; WeChat does not send one.
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 59) return bad;

  size_t pos = 19;
  nanoseconds fraction(0);
  if (s[pos] == '.') {
    const size_t start = ++pos;
    int64_t scale = 100'000'000;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9' && pos - start < 9) {
      fraction += nanoseconds((s[pos] - '0') * scale);
      scale /= 10;
      ++pos;
    }
    if (pos == start || (pos < s.size() && s[pos] >= '0' && s[pos] <= '9')) return bad;
  }
  seconds offset(0);
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!Digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !Digits(s, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return bad;
    }
    offset = hours(oh) + minutes(om);
    if (s[pos] == '-') offset = -offset;
    pos += 6;
  } else {
    return bad;
  }
  if (pos != s.size()) return bad;

  const std::chrono::sys_seconds whole =
      std::chrono::sys_days(ymd) + hours(hour) + minutes(minute) + seconds(second) - offset;
  if (!Representable(whole)) return bad;
  return floor<system_clock::duration>(whole + fraction);
}

}  // namespace paymesh::time
