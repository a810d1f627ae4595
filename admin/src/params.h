// Request parameters, validated: only the names an endpoint allows, each at most once, each
// value checked. The first problem is kept as a message for a 400 response; nothing is acted on
// when there is one.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "saga/clock.h"
#include "saga/phase.h"

namespace saga::admin {

class Params {
 public:
  // Records an error for a name not in `allowed`, a name given twice, or a value over 1000
  // bytes.
  Params(const std::vector<std::pair<std::string, std::string>>& params,
         std::initializer_list<std::string_view> allowed);

  // The raw value; nothing when absent (then every getter below returns its fallback).
  std::optional<std::string> text(std::string_view name) const;
  // Printable text of at most `max` bytes; `required`: an error when absent or empty.
  std::string line(std::string_view name, std::size_t max, bool required);
  // A decimal number in [min, max].
  std::uint64_t number(std::string_view name, std::uint64_t fallback, std::uint64_t min,
                       std::uint64_t max);
  // "500ms", "30s", "10m", "2h", "7d" (a positive number and a unit).
  std::optional<Millis> duration(std::string_view name);
  // A phase name as to_string(Phase) spells it ("executing", "failed", ...).
  std::optional<Phase> phase(std::string_view name);

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  void fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }

 private:
  const std::vector<std::pair<std::string, std::string>>& params_;
  std::string error_;
};

// A saga id or lock key as the engine writes them: 1..200 printable ASCII characters without
// '/', '?' or '#'.
bool valid_id(std::string_view id);

}  // namespace saga::admin
