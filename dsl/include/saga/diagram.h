// Diagrams of a saga definition, for docs, reviews and `sagactl`: Graphviz DOT and Mermaid.
//
// Both show the same picture:
//   - the forward steps as one chain, from a start dot to "completed", each labelled with its
//     number, name and what it does ("kitchen: CreateTicket", "local", or for a wait step
//     "waits for event TicketAccepted" and what its time limit means: "after 300000 ms:
//     compensate", "... go on", "... skip to <step>");
//   - each compensation as a dashed node beside its step; dashed edges in the reverse
//     direction show which compensations run, in order, when a step fails ("fails" edges from
//     every step up to the pivot, then compensation to compensation, ending in "compensated");
//   - the pivot as a hexagon in its own "pivot: point of no return" cluster;
//   - the compensatable steps and the retriable tail each in their own cluster;
//   - a parallel group as a cluster "parallel: <name>" inside its kind's cluster: the step before
//     it fans out to every branch and every branch leads to the step after it; a failing
//     branch leads to the compensation of the group's last compensatable branch (the branches
//     that ran are compensated, last first).
// Only the structure is drawn (names, kinds, participants, commands, local, conditional); the
// callbacks are opaque. The output is deterministic: equal definitions give equal text.
// Render DOT with `dot -Tsvg saga.dot -o saga.svg`; paste Mermaid into a ```mermaid block.
#pragma once

#include <string>

#include "saga/definition.h"
#include "saga/store_records.h"

namespace saga {

// What to draw besides the structure.
struct DiagramOptions {
  // Saga control (docs/dsl.md section 6): a "scheduled" node before the start (a start with
  // not_before waits there; cancel or the saga deadline ends it "compensated"), and from every
  // step before the point of no return a dotted "cancel / deadline" edge to the compensation
  // that runs first (the step's own: its outcome is unknown while its command is out). Past the
  // pivot no such edge: a cancel is refused and a deadline only finishes the steps.
  bool control = false;
};

// The definition as a Graphviz `digraph`.
std::string to_dot(const SagaDefinition& definition, const DiagramOptions& options = {});

// The definition as a Mermaid `flowchart TD`.
std::string to_mermaid(const SagaDefinition& definition, const DiagramOptions& options = {});

// The structure of a recorded definition (saga/store_records.h), for the diagrams: names,
// kinds, participants, commands and attempts as recorded; the callbacks are stand-ins that only
// say whether the step has one (never call them). Precondition: record.steps is set (records
// from before schema v5 have no steps: check first).
SagaDefinition structure_of(const DefinitionRecord& record);

}  // namespace saga
