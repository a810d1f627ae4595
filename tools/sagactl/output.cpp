#include "output.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <ctime>

namespace sagactl {
namespace {

constexpr std::string_view kReset = "\033[0m";

std::string paint(bool on, std::string_view code, std::string_view text) {
  if (!on) return std::string(text);
  std::string s = "\033[";
  s += code;
  s += 'm';
  s += text;
  s += kReset;
  return s;
}

// Visible width: bytes outside escape sequences, UTF-8 continuation bytes not counted.
std::size_t width(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\033') {
      while (i < s.size() && s[i] != 'm') ++i;
      continue;
    }
    if ((static_cast<unsigned char>(s[i]) & 0xc0) != 0x80) ++n;
  }
  return n;
}

}  // namespace

std::string Style::phase(saga::Phase p) const {
  std::string_view name = saga::to_string(p);
  switch (p) {
    case saga::Phase::kCompleted:
      return paint(colour, "32", name);
    case saga::Phase::kCompensated:
      return paint(colour, "33", name);
    case saga::Phase::kFailed:
      return paint(colour, "1;31", name);
    case saga::Phase::kCompensating:
      return paint(colour, "35", name);
    default:
      return paint(colour, "36", name);
  }
}
std::string Style::bold(std::string_view text) const { return paint(colour, "1", text); }
std::string Style::bad(std::string_view text) const { return paint(colour, "1;31", text); }
std::string Style::dim(std::string_view text) const { return paint(colour, "2", text); }

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::row(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

void Table::print(std::ostream& out, const Style& style) const {
  std::vector<std::size_t> widths(headers_.size());
  for (std::size_t c = 0; c < headers_.size(); ++c) widths[c] = width(headers_[c]);
  for (const auto& r : rows_) {
    for (std::size_t c = 0; c < r.size(); ++c) widths[c] = std::max(widths[c], width(r[c]));
  }
  auto line = [&](const std::vector<std::string>& cells, bool header) {
    std::string text;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      std::string cell = cells[c];
      if (header) {
        std::transform(cell.begin(), cell.end(), cell.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
      }
      const bool last = c + 1 == cells.size();
      std::string padded = cell;
      if (!last) padded += std::string(widths[c] - width(cell) + 2, ' ');
      text += header ? style.bold(padded) : padded;
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out << text << '\n';
  };
  line(headers_, true);
  for (const auto& r : rows_) line(r, false);
}

std::string format_time(saga::Millis ms) {
  const std::int64_t total = ms.count();
  std::int64_t seconds = total / 1000;
  std::int64_t millis = total % 1000;
  if (millis < 0) {
    millis += 1000;
    --seconds;
  }
  const auto t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(millis));
  return out;
}

std::string format_duration(saga::Millis ms) {
  std::int64_t v = ms.count();
  if (v < 0) return "-" + format_duration(saga::Millis{-v});
  if (v < 1000) return std::to_string(v) + "ms";
  v /= 1000;
  const std::int64_t days = v / 86400, hours = v / 3600 % 24, minutes = v / 60 % 60, sec = v % 60;
  if (days > 0) return std::to_string(days) + "d" + std::to_string(hours) + "h";
  if (hours > 0) return std::to_string(hours) + "h" + std::to_string(minutes) + "m";
  if (minutes > 0) return std::to_string(minutes) + "m" + std::to_string(sec) + "s";
  return std::to_string(sec) + "s";
}

std::optional<saga::Millis> parse_duration(std::string_view text) {
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || n < 0 || end == text.data()) return std::nullopt;
  const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  std::int64_t scale = 0;
  if (unit == "ms") scale = 1;
  if (unit.empty() || unit == "s") scale = 1000;
  if (unit == "m") scale = 60'000;
  if (unit == "h") scale = 3'600'000;
  if (unit == "d") scale = 86'400'000;
  if (scale == 0 || n > INT64_MAX / scale) return std::nullopt;
  return saga::Millis{n * scale};
}

saga::Millis wall_now() {
  return std::chrono::duration_cast<saga::Millis>(
      std::chrono::system_clock::now().time_since_epoch());
}

}  // namespace sagactl
