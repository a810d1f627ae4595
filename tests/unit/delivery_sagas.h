// Two small sagas for the child saga tests (decide_child_test.cpp, engine_child_test.cpp): a
// parent, order_with_delivery (reserve, deliver = a child step, approve = the pivot), and its
// child, delivery (book_courier, dispatch = the pivot); plus links of a chain of children
// (depth). Data are plain text: a command's body is
// "<saga data>|<step name>", the child's data "<parent data>|child".
#pragma once

#include <string>
#include <string_view>

#include "saga/definition.h"

namespace saga::delivery_sagas {

inline CommandAction text_command(const std::string& participant, const std::string& name,
                                  const std::string& step_name) {
  CommandAction a;
  a.participant = participant;
  a.command_name = name;
  a.make = [name, step_name](std::string_view data) -> Result<CommandMessage> {
    return CommandMessage{name, ContentType::kJson, std::string(data) + "|" + step_name};
  };
  return a;
}

inline StepDefinition text_step(const std::string& name, StepKind kind) {
  StepDefinition s;
  s.name = name;
  s.kind = kind;
  return s;
}

// stock: Reserve, compensated by Release.
inline StepDefinition reserve_step() {
  StepDefinition reserve = text_step("reserve", StepKind::kCompensatable);
  reserve.action = text_command("stock", "Reserve", "reserve");
  reserve.compensation = text_command("stock", "Release", "reserve");
  return reserve;
}

inline ChildSaga child_of_type(const std::string& type) {
  ChildSaga child;
  child.type = type;
  child.make_data = [](std::string_view data) -> Result<std::string> {
    return std::string(data) + "|child";
  };
  return child;
}

inline SagaDefinition order_with_delivery() {
  SagaDefinition def;
  def.name = "order_with_delivery";
  def.version = 1;
  StepDefinition reserve = reserve_step();
  StepDefinition deliver = text_step("deliver", StepKind::kCompensatable);
  deliver.child = child_of_type("delivery");
  deliver.child->on_end = [](std::string_view data, std::string_view child_data) {
    return DataUpdate{false, {}, std::string(data) + "delivered(" + std::string(child_data) + ")"};
  };
  StepDefinition approve = text_step("approve", StepKind::kPivot);
  approve.action = text_command("order", "Approve", "approve");
  def.steps = {reserve, deliver, approve};
  return def;
}

inline SagaDefinition delivery() {
  SagaDefinition def;
  def.name = "delivery";
  def.version = 1;
  StepDefinition book = text_step("book_courier", StepKind::kCompensatable);
  book.action = text_command("courier", "Book", "book_courier");
  book.compensation = text_command("courier", "CancelBooking", "book_courier");
  StepDefinition dispatch = text_step("dispatch", StepKind::kPivot);
  dispatch.action = text_command("courier", "Dispatch", "dispatch");
  def.steps = {book, dispatch};
  return def;
}

// One link of a chain of child sagas: reserve, then (when `child_type` is not empty) a child
// step "nest" starting `child_type`. link("nesting", "nesting") starts itself: a loop.
inline SagaDefinition link(const std::string& name, const std::string& child_type) {
  SagaDefinition def;
  def.name = name;
  def.version = 1;
  StepDefinition reserve = reserve_step();
  def.steps = {reserve};
  if (!child_type.empty()) {
    StepDefinition nest = text_step("nest", StepKind::kCompensatable);
    nest.child = child_of_type(child_type);
    def.steps.push_back(nest);
  }
  return def;
}

}  // namespace saga::delivery_sagas
