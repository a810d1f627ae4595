// sagactl's output: aligned tables and key/value blocks for people (colour only on a terminal),
// and the time and duration formats; JSON for scripts is saga::JsonWriter's (saga/json_writer.h).
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "saga/clock.h"
#include "saga/phase.h"

namespace sagactl {

// Colour for people, when stdout is a terminal and NO_COLOR is unset.
struct Style {
  bool colour = false;
  std::string phase(saga::Phase phase) const;  // the phase name, coloured by outcome
  std::string bold(std::string_view text) const;
  std::string dim(std::string_view text) const;
  std::string bad(std::string_view text) const;  // red: needs an operator's attention
};

// Columns padded to their widest cell; the header is upper case. Cells may hold colour
// escapes: widths count only the visible characters.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  void row(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }
  void print(std::ostream& out, const Style& style) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// Milliseconds since the Unix epoch as "2026-11-22 03:04:05.678Z" (UTC).
std::string format_time(saga::Millis ms);
// "3d4h", "12m5s", "850ms": a short, rounded-down duration.
std::string format_duration(saga::Millis ms);
// "10m", "2h", "30s", "1d", "500ms", or a bare number of seconds. Nothing when malformed.
std::optional<saga::Millis> parse_duration(std::string_view text);
// The wall clock now, ms since the Unix epoch.
saga::Millis wall_now();

}  // namespace sagactl
