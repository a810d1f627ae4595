#include "order_change_parts.h"

#include "saga/body_codec.h"

namespace workshop {

using namespace ftgo;  // NOLINT: the example's messages

saga::DefinitionResult revise_order_with_lock_mode(LockModeOf mode) {
  saga::DefinitionResult example = revise_order_definition();
  if (!example) return example;
  auto changed = std::make_shared<saga::SagaDefinition>(*example.value());
  for (saga::LockDeclaration& lock : changed->locks) {
    lock.mode = [mode](std::string_view data) {
      saga::Result<ReviseOrderData> d = saga::decode_body<ReviseOrderData>(data);
      return d.is_ok() ? mode(d.value()) : saga::LockMode::kWait;
    };
  }
  return std::shared_ptr<const saga::SagaDefinition>(std::move(changed));
}

saga::DefinitionResult create_order_with_authorize_timeout(saga::Millis reply_timeout) {
  saga::DefinitionResult example = create_order_definition();
  if (!example) return example;
  auto changed = std::make_shared<saga::SagaDefinition>(*example.value());
  for (saga::StepDefinition& step : changed->steps) {
    if (step.name == "authorize_card") step.reply_timeout = reply_timeout;
  }
  return std::shared_ptr<const saga::SagaDefinition>(std::move(changed));
}

}  // namespace workshop
