// ftgo_asyncapi: prints the saga/1 contracts of FTGO's Create, Cancel and Revise Order sagas as
// an AsyncAPI document (saga/asyncapi.h). docs/contracts/ftgo.asyncapi.json is its output; the
// test contracts_up_to_date compares the two.
//
//   ftgo_asyncapi > docs/contracts/ftgo.asyncapi.json
//   ftgo_asyncapi --samples    a JSON array of sample messages made by the C++ codec: for every
//                              command of every step and every reply it declares, {"header":
//                              frame 2 as encode_header writes it, "body": frame 3 (JSON)}
#include <cstdio>
#include <string_view>

#include "ftgo/cancel_order_saga.h"
#include "ftgo/create_order_saga.h"
#include "ftgo/revise_order_saga.h"
#include "saga/asyncapi.h"
#include "saga/json_writer.h"

namespace {

// Appends {"header": ..., "body": ...} for `e`; false when the header does not encode.
bool add_sample(saga::JsonWriter& w, const saga::Envelope& e) {
  auto header = saga::encode_header(e);
  if (!header) {
    std::fprintf(stderr, "ftgo_asyncapi: %s\n", header.status().to_string().c_str());
    return false;
  }
  w.begin_object().key("header").raw(header.value());
  w.key("body").raw(e.body.empty() ? std::string_view("null") : std::string_view(e.body));
  w.end_object();
  return true;
}

int print_samples(const std::vector<const saga::SagaDefinition*>& definitions) {
  saga::JsonWriter w(true);
  w.begin_array();
  int n = 0;
  for (const saga::SagaDefinition* d : definitions) {
    for (const saga::StepDefinition& step : d->steps) {
      for (const auto* action : {&step.action, &step.compensation}) {
        if (!action->has_value()) continue;
        saga::Envelope command;
        command.message_id = d->name + "-1/" + std::to_string(++n);
        command.saga_id = d->name + "-1";
        command.saga_type = d->name;
        command.step = step.name;
        command.name = (*action)->command.name;
        command.compensation = action == &step.compensation;
        command.content_type = saga::ContentType::kJson;
        command.trace_id = "trace-1";
        command.body = (*action)->command.example;
        if (!add_sample(w, command)) return 1;
        for (const saga::MessageContract& reply : (*action)->replies) {
          saga::Envelope r = saga::make_reply_to(command);
          r.message_id = command.message_id + ":reply";
          r.name = reply.name;
          r.body = reply.example;
          if (!add_sample(w, r)) return 1;
        }
        saga::Envelope failed = saga::make_reply_to(command);
        failed.message_id = command.message_id + ":failure";
        failed.name = "Failure";
        failed.outcome = saga::Outcome::kFailure;
        failed.reason = "handler_error";
        if (!add_sample(w, failed)) return 1;
      }
    }
  }
  w.end_array();
  std::fputs(w.str().c_str(), stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const bool samples = argc > 1 && std::string_view(argv[1]) == "--samples";
  std::vector<std::shared_ptr<const saga::SagaDefinition>> definitions;
  for (auto make : {&ftgo::create_order_definition, &ftgo::cancel_order_definition,
                    &ftgo::revise_order_definition}) {
    auto definition = make(ftgo::SagaTiming{});
    if (!definition) {
      std::fprintf(stderr, "ftgo_asyncapi: %s\n", definition.status().to_string().c_str());
      return 1;
    }
    definitions.push_back(std::move(definition).value());
  }
  std::vector<const saga::SagaDefinition*> pointers;
  for (const auto& d : definitions) pointers.push_back(d.get());
  if (samples) return print_samples(pointers);
  saga::AsyncApiInfo info;
  info.title = "FTGO order sagas (saga/1)";
  info.description =
      "The commands and replies of FTGO's Create, Cancel and Revise Order sagas (Richardson, "
      "Microservices Patterns, ch. 4) between the orchestrator and the Order, Consumer, Kitchen "
      "and Accounting services. Frames, header and rules: docs/protocol.md.";
  auto document = saga::to_asyncapi(pointers, info);
  if (!document) {
    std::fprintf(stderr, "ftgo_asyncapi: %s\n", document.status().to_string().c_str());
    return 1;
  }
  std::fputs(document.value().c_str(), stdout);
  return 0;
}
