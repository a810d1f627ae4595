// What sagactl's commands share: opening the database, errors, phase names, step labels and
// the JSON of an instance.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "commands.h"
#include "saga/inspection.h"
#include "saga/json_writer.h"

namespace sagactl {

// Prints "sagactl: error: <message>" and returns kExitError.
int fail(Context& c, const std::string& message);

// The inspector over --db with `access`, with a plain message for a file that is not an engine
// database.
saga::Result<std::unique_ptr<saga::Inspector>> open(Context& c, saga::StoreAccess access);

std::optional<saga::Phase> parse_phase(std::string_view name);
std::string_view wait_name(saga::Wait wait);

// A step as people read it, numbered from 1 as the Create Order demo's timeline and the
// diagrams do: "3 create_ticket" for index 2; "-" for no step (-1). `name` may be empty.
std::string step_label(std::int32_t step, const std::string& name);

// Writes the JSON document to stdout; returns kExitOk.
int print(Context& c, const saga::JsonWriter& j);

// The fields every JSON view of an instance has (id, type, phase, step index, ...).
void instance_json(saga::JsonWriter& j, const saga::SagaInstance& i);

}  // namespace sagactl
