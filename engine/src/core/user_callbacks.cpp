#include "core/user_callbacks.h"

#include <exception>

namespace saga::user_callbacks {

DataUpdate apply_reply(const StepDefinition& step, const std::string& data, const ReplyView& view) {
  if (!step.on_reply) return DataUpdate{false, {}, data};
  try {
    return step.on_reply(data, view);
  } catch (const std::exception& e) {
    return DataUpdate{true, std::string("reply handler threw: ") + e.what(), {}};
  }
}

DataUpdate call_local(const StepDefinition& step, const std::string& data) {
  try {
    return step.local(data);
  } catch (const std::exception& e) {
    return DataUpdate{true, std::string("local step threw: ") + e.what(), {}};
  }
}

bool call_predicate(const StepDefinition& step, const std::string& data) {
  try {
    return step.applies(data);
  } catch (const std::exception&) {
    return true;  // run the step; its own handling will report what is wrong
  }
}

Result<CommandMessage> call_make(const CommandAction& action, const std::string& data) {
  try {
    if (!action.make) return invalid_argument("no command builder");
    return action.make(data);
  } catch (const std::exception& e) {
    return invalid_argument(std::string("command builder threw: ") + e.what());
  }
}

}  // namespace saga::user_callbacks
