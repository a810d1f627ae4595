// A step's command and lock request (see step_requests.h).
#include "core/step_requests.h"

#include <exception>
#include <utility>

#include "core/user_callbacks.h"

namespace saga::detail {

Result<OutgoingCommand> build_command(const SagaDefinition& def, const SagaInstance& instance,
                                      std::int32_t i, bool compensation, std::string message_id,
                                      std::uint32_t delivery) {
  const StepDefinition& st = def.steps[static_cast<size_t>(i)];
  const CommandAction& action = compensation ? *st.compensation : *st.action;
  Result<CommandMessage> command = user_callbacks::call_make(action, instance.data);
  if (!command) return command.status();
  Envelope e;
  e.kind = MessageKind::kCommand;
  e.message_id = std::move(message_id);
  e.saga_id = instance.id;
  e.saga_type = def.name;
  e.step = st.name;
  e.name = std::move(command->name);
  e.compensation = compensation;
  e.attempt = delivery;
  e.content_type = command->content_type;
  e.trace_id = instance.trace_id;
  e.body = std::move(command->body);
  return OutgoingCommand{action.participant, std::move(e)};
}

namespace {

bool has_claim(const LockRequest& request, const std::string& key) {
  for (const LockClaim& c : request.claims) {
    if (c.key == key) return true;
  }
  return false;
}

std::int32_t step_index(const SagaDefinition& def, const std::string& name) {
  if (name.empty()) return -1;
  for (std::size_t j = 0; j < def.steps.size(); ++j) {
    if (def.steps[j].name == name) return static_cast<std::int32_t>(j);
  }
  return -1;
}

}  // namespace

Result<LockRequest> lock_request(const SagaDefinition& def, std::int32_t i,
                                 const std::vector<LockDeclaration>& declared,
                                 const std::string& data) {
  LockRequest request{i, {}};
  try {
    for (const LockDeclaration& lock : declared) {
      const LockMode mode = lock.mode ? lock.mode(data) : LockMode::kWait;
      if (mode == LockMode::kNone) continue;
      const std::int32_t release_after = step_index(def, lock.release_after);
      for (std::string& key : lock.keys(data)) {
        if (key.empty() || has_claim(request, key)) continue;
        request.claims.push_back(LockClaim{std::move(key), mode, lock.lease, release_after});
      }
    }
  } catch (const std::exception& e) {
    return invalid_argument(std::string("lock keys threw: ") + e.what());
  }
  return request;
}

}  // namespace saga::detail
