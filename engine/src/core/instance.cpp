// Names of the enums in saga/instance.h.
#include "saga/instance.h"

#include <array>
#include <charconv>

namespace saga {

std::string_view to_string(FailureCause cause) {
  static constexpr std::array<std::string_view, 11> kNames = {"none",
                                                              "business_failure",
                                                              "timeout",
                                                              "command_build_failed",
                                                              "local_step_failed",
                                                              "lock_refused",
                                                              "deadlock",
                                                              "operator",
                                                              "cancelled",
                                                              "saga_deadline",
                                                              "parent_compensated"};
  const auto i = static_cast<std::size_t>(cause);
  return i < kNames.size() ? kNames[i] : "unknown";
}

std::string_view to_string(BranchState state) {
  static constexpr std::array<std::string_view, 8> kNames = {"unknown",   "in_flight", "retry_due",
                                                             "succeeded", "rejected",  "refused",
                                                             "unknown",   "exhausted"};
  const auto i = static_cast<std::size_t>(state);
  return i < kNames.size() ? kNames[i] : "unknown";
}

bool awaits(const SagaInstance& instance, std::string_view message_id) {
  if (message_id.empty()) return false;
  if (instance.last_request_id == message_id) return true;
  for (const Branch& b : instance.branches) {
    if (b.open() && b.message_id == message_id) return true;
  }
  return false;
}

std::string encode_branches(const std::vector<Branch>& branches) {
  std::string out;
  for (const Branch& b : branches) {
    out += std::to_string(b.step) + ',' + std::to_string(static_cast<int>(b.state)) + ',' +
           std::to_string(b.attempt) + ',' + std::to_string(b.delivery) + ',' +
           std::to_string(b.due.count()) + ',' + std::to_string(b.message_id.size()) + ':' +
           b.message_id + ';';
  }
  return out;
}

namespace {

// Reads an integer followed by `end` from the front of `text`.
template <typename T>
bool take(std::string_view& text, T& value, char end) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr == text.data() + text.size() || *ptr != end) return false;
  text.remove_prefix(static_cast<std::size_t>(ptr - text.data()) + 1);
  return true;
}

}  // namespace

std::optional<std::vector<Branch>> decode_branches(std::string_view text) {
  std::vector<Branch> out;
  while (!text.empty()) {
    Branch b;
    int state = 0;
    std::int64_t due = 0;
    std::size_t length = 0;
    if (!take(text, b.step, ',') || !take(text, state, ',') || !take(text, b.attempt, ',') ||
        !take(text, b.delivery, ',') || !take(text, due, ',') || !take(text, length, ':') ||
        state < 1 || state > 7 || text.size() < length + 1 || text[length] != ';') {
      return std::nullopt;
    }
    b.state = static_cast<BranchState>(state);
    b.due = Millis{due};
    b.message_id = std::string(text.substr(0, length));
    text.remove_prefix(length + 1);
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace saga
