// Names of the operator request columns (saga/store_records.h), the same in every backend.
#include "saga/store_records.h"

#include <optional>
#include <string_view>

namespace saga {

std::string_view to_string(OperatorAction action) {
  switch (action) {
    case OperatorAction::kRetry:
      return "retry";
    case OperatorAction::kCompensate:
      return "compensate";
    case OperatorAction::kSkip:
      return "skip";
    case OperatorAction::kReleaseLock:
      return "release_lock";
  }
  return "unknown";
}

std::string_view to_string(RequestState state) {
  switch (state) {
    case RequestState::kPending:
      return "pending";
    case RequestState::kApplied:
      return "applied";
    case RequestState::kRejected:
      return "rejected";
  }
  return "unknown";
}

std::optional<OperatorAction> parse_operator_action(std::string_view text) {
  for (OperatorAction a : {OperatorAction::kRetry, OperatorAction::kCompensate,
                           OperatorAction::kSkip, OperatorAction::kReleaseLock}) {
    if (text == to_string(a)) return a;
  }
  return std::nullopt;
}

std::optional<RequestState> parse_request_state(std::string_view text) {
  for (RequestState st :
       {RequestState::kPending, RequestState::kApplied, RequestState::kRejected}) {
    if (text == to_string(st)) return st;
  }
  return std::nullopt;
}

}  // namespace saga
