#include "params.h"

#include <algorithm>
#include <charconv>

namespace saga::admin {

namespace {

constexpr std::size_t kMaxValue = 1000;

bool printable(std::string_view text) {
  // Printable ASCII and UTF-8 bytes; no control characters (they would end up in logs).
  return std::all_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u != 0x7f;
  });
}

std::optional<std::uint64_t> decimal(std::string_view text) {
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return n;
}

}  // namespace

Params::Params(const std::vector<std::pair<std::string, std::string>>& params,
               std::initializer_list<std::string_view> allowed)
    : params_(params) {
  for (std::size_t k = 0; k < params.size(); ++k) {
    const std::string& name = params[k].first;
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string names;
      for (std::string_view a : allowed) names += (names.empty() ? "" : ", ") + std::string(a);
      fail("unknown parameter '" + name.substr(0, 40) +
           "' (allowed: " + (names.empty() ? "none" : names) + ")");
      continue;
    }
    for (std::size_t j = 0; j < k; ++j) {
      if (params[j].first == name) fail("parameter '" + name + "' given more than once");
    }
    if (params[k].second.size() > kMaxValue) fail("parameter '" + name + "' is too long");
  }
}

std::optional<std::string> Params::text(std::string_view name) const {
  for (const auto& [n, v] : params_) {
    if (n == name) return v;
  }
  return std::nullopt;
}

std::string Params::line(std::string_view name, std::size_t max, bool required) {
  std::optional<std::string> v = text(name);
  if (!v || v->empty()) {
    if (required) fail("parameter '" + std::string(name) + "' is required");
    return {};
  }
  if (v->size() > max || !printable(*v)) {
    fail("parameter '" + std::string(name) + "': at most " + std::to_string(max) +
         " printable characters");
    return {};
  }
  return *v;
}

std::uint64_t Params::number(std::string_view name, std::uint64_t fallback, std::uint64_t min,
                             std::uint64_t max) {
  std::optional<std::string> v = text(name);
  if (!v) return fallback;
  std::optional<std::uint64_t> n = decimal(*v);
  if (!n || *n < min || *n > max) {
    fail("parameter '" + std::string(name) + "': a whole number from " + std::to_string(min) +
         " to " + std::to_string(max) + " expected");
    return fallback;
  }
  return *n;
}

std::optional<Millis> Params::duration(std::string_view name) {
  std::optional<std::string> v = text(name);
  if (!v) return std::nullopt;
  struct Unit {
    std::string_view suffix;
    std::int64_t ms;
  };
  // "ms" before "s", so that "500ms" is not read as "500m" + "s".
  static constexpr Unit kUnits[] = {
      {"ms", 1}, {"s", 1'000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};
  for (const Unit& u : kUnits) {
    if (!v->ends_with(u.suffix)) continue;
    std::optional<std::uint64_t> n =
        decimal(std::string_view(*v).substr(0, v->size() - u.suffix.size()));
    // At most ten years: no overflow, and anything longer is a typo.
    if (n && *n > 0 && *n <= 3'650ULL * 86'400'000 / static_cast<std::uint64_t>(u.ms)) {
      return Millis{static_cast<std::int64_t>(*n) * u.ms};
    }
    break;
  }
  fail("parameter '" + std::string(name) + "': a duration like 500ms, 30s, 10m, 2h or 7d expected");
  return std::nullopt;
}

std::optional<Phase> Params::phase(std::string_view name) {
  std::optional<std::string> v = text(name);
  if (!v) return std::nullopt;
  for (Phase p : {Phase::kExecuting, Phase::kCompensating, Phase::kCompleted, Phase::kCompensated,
                  Phase::kFailed, Phase::kScheduled}) {
    if (*v == to_string(p)) return p;
  }
  fail("parameter '" + std::string(name) +
       "': one of executing, compensating, completed, compensated, failed, scheduled expected");
  return std::nullopt;
}

bool valid_id(std::string_view id) {
  return !id.empty() && id.size() <= 200 && std::all_of(id.begin(), id.end(), [](char c) {
    return c > 0x20 && c < 0x7f && c != '/' && c != '?' && c != '#';
  });
}

}  // namespace saga::admin
