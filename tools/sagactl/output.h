// sagactl's output: aligned tables and key/value blocks for people (colour only on a terminal),
// JSON for scripts, and the time and duration formats both use.
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

// Writes JSON with correct string escaping. Keys and values are written in call order; the
// caller keeps objects and arrays balanced.
class Json {
 public:
  Json& begin_object();
  Json& end_object();
  Json& begin_array();
  Json& end_array();
  Json& key(std::string_view k);
  Json& value(std::string_view v);
  Json& value(const char* v) { return value(std::string_view(v)); }
  Json& value(const std::string& v) { return value(std::string_view(v)); }
  Json& value(std::int64_t v);
  Json& value(std::uint64_t v);
  Json& value(std::uint32_t v) { return value(static_cast<std::uint64_t>(v)); }
  Json& value(std::int32_t v) { return value(static_cast<std::int64_t>(v)); }
  Json& value(bool v);
  Json& null();
  Json& raw(std::string_view json);  // an already-encoded JSON value
  template <typename T>
  Json& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }
  std::string str() const { return out_ + "\n"; }

 private:
  void separate();
  std::string out_;
  std::vector<bool> first_;  // per open container: nothing written in it yet
  bool after_key_ = false;
};

std::string json_escape(std::string_view text);  // with the quotes

// Milliseconds since the Unix epoch as "2026-11-22 03:04:05.678Z" (UTC).
std::string format_time(saga::Millis ms);
// "3d4h", "12m5s", "850ms": a short, rounded-down duration.
std::string format_duration(saga::Millis ms);
// "10m", "2h", "30s", "1d", "500ms", or a bare number of seconds. Nothing when malformed.
std::optional<saga::Millis> parse_duration(std::string_view text);
// The wall clock now, ms since the Unix epoch.
saga::Millis wall_now();

}  // namespace sagactl
