#include "saga/diagram.h"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace saga {
namespace {

// The lines of a step's label, before escaping for one output format.
std::vector<std::string> step_lines(const SagaDefinition& definition, std::size_t index) {
  const StepDefinition& step = definition.steps[index];
  std::vector<std::string> lines{std::to_string(index + 1) + ". " + step.name};
  if (step.action.has_value()) {
    lines.push_back(step.action->participant + ": " + step.action->command_name);
  } else if (step.local) {
    lines.emplace_back("local");
  } else if (step.child.has_value()) {  // a call of the child definition
    const ChildSaga& c = *step.child;
    lines.push_back("runs child saga " + c.type +
                    (c.version == 0 ? std::string() : " v" + std::to_string(c.version)));
  } else if (step.wait.has_value()) {  // a wait step: its event and what its limit means
    const EventWait& w = *step.wait;
    lines.push_back("waits for event " + w.event + (w.key ? " (by key)" : ""));
    std::string limit = "after " + std::to_string(w.timeout.count()) + " ms: ";
    if (w.on_timeout == EventTimeout::kCompensate) {
      limit += "compensate";
    } else {
      limit += w.skip_to.empty() ? "go on" : "skip to " + w.skip_to;
    }
    lines.push_back(limit);
  } else {
    lines.emplace_back("(no action)");
  }
  if (step.applies) lines.emplace_back("(conditional)");
  if (step.kind == StepKind::kRetriable && !step.wait) {
    lines.push_back(step.retry.maximum_attempts == 0
                        ? std::string("retried until done")
                        : "up to " + std::to_string(step.retry.maximum_attempts) + " attempts");
  }
  return lines;
}

// Whether the step has a compensation node: its compensation, or a compensatable child step's
// (the child's own compensations).
bool undoes(const StepDefinition& step) {
  return step.compensation.has_value() ||
         (step.child.has_value() && step.kind == StepKind::kCompensatable);
}

std::vector<std::string> compensation_lines(const StepDefinition& step) {
  if (!step.compensation) {
    return {"undo " + step.name, "child " + step.child->type + ": its compensations, newest first"};
  }
  return {"undo " + step.name,
          step.compensation->participant + ": " + step.compensation->command_name};
}

// Which compensation node a failure of step `index` leads to: the nearest earlier step with a
// compensation (the failing step's own compensation is not run), or none.
std::optional<std::size_t> first_compensation_before(const SagaDefinition& definition,
                                                     std::size_t index) {
  for (std::size_t j = index; j-- > 0;) {
    if (undoes(definition.steps[j])) return j;
  }
  return std::nullopt;
}

// Whether a failure of step `index` rolls the saga back (it runs an action or a local function
// at or before the pivot).
bool can_fail_backwards(const SagaDefinition& definition, std::size_t index) {
  const std::optional<std::size_t> pivot = definition.pivot_index();
  const StepDefinition& step = definition.steps[index];
  return pivot.has_value() && index <= *pivot &&
         (step.action.has_value() || step.local || step.wait.has_value() || step.child.has_value());
}

std::string dot_quote(const std::vector<std::string>& lines) {
  std::string out = "\"";
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out += "\\n";
    for (const char c : lines[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
  }
  return out + "\"";
}

std::string mermaid_quote(const std::vector<std::string>& lines) {
  std::string out = "\"";
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out += "<br/>";
    for (const char c : lines[i]) {
      switch (c) {
        case '"':
          out += "#quot;";
          break;
        case '<':
          out += "#lt;";
          break;
        case '>':
          out += "#gt;";
          break;
        default:
          out += c;
      }
    }
  }
  return out + "\"";
}

std::string node_id(char prefix, std::size_t index) { return prefix + std::to_string(index); }

// Saga control paths (DiagramOptions::control): for each step before the point of no return
// (the first pivot or retriable step) that sends a command or waits for an event, where a cancel
// or a saga deadline while it is out (or waiting) leads: its own compensation, else the nearest
// earlier one, else the end.
struct ControlEdge {
  std::string from;
  std::string to;
};
std::vector<ControlEdge> control_edges(const SagaDefinition& d) {
  std::vector<ControlEdge> edges;
  for (std::size_t i = 0; i < d.steps.size(); ++i) {
    const StepDefinition& step = d.steps[i];
    if (step.kind != StepKind::kCompensatable) break;
    // A step that sends a command, a wait step while it waits for its event, a child step
    // while its child runs (the cancel reaches the child).
    if (!step.action.has_value() && !step.wait.has_value() && !step.child.has_value()) continue;
    std::optional<std::size_t> target =
        undoes(step) ? std::optional(i) : first_compensation_before(d, i);
    edges.push_back({node_id('s', i), target ? node_id('c', *target) : "compensated"});
  }
  return edges;
}
bool in_group(const SagaDefinition& d, std::size_t i) { return !d.steps[i].group.empty(); }
bool group_starts(const SagaDefinition& d, std::size_t i) {
  return in_group(d, i) && (i == 0 || d.steps[i - 1].group != d.steps[i].group);
}
bool group_ends(const SagaDefinition& d, std::size_t i) {
  return in_group(d, i) && (i + 1 == d.steps.size() || d.steps[i + 1].group != d.steps[i].group);
}
// The last step of the unit (a step, or a parallel group) holding step i.
std::size_t unit_last(const SagaDefinition& d, std::size_t i) {
  while (in_group(d, i) && !group_ends(d, i)) ++i;
  return i;
}
// The steps of the unit starting at `first`: one step, or every branch of a group.
std::vector<std::string> unit_nodes(const SagaDefinition& d, std::size_t first) {
  std::vector<std::string> out;
  if (first >= d.steps.size()) return {"completed"};
  for (std::size_t j = first; j <= unit_last(d, first); ++j) out.push_back(node_id('s', j));
  return out;
}
// The forward edges (from, to), in order: start, then every unit to the next one.
std::vector<std::pair<std::string, std::string>> forward_edges(const SagaDefinition& d) {
  std::vector<std::pair<std::string, std::string>> edges;
  for (const std::string& to : unit_nodes(d, 0)) edges.emplace_back("start", to);
  for (std::size_t i = 0; i < d.steps.size(); ++i) {
    for (const std::string& to : unit_nodes(d, unit_last(d, i) + 1)) {
      edges.emplace_back(node_id('s', i), to);
    }
  }
  return edges;
}
// Where a failure of step i enters the compensations: for a branch, the group's last
// compensation (its siblings may have run), else the nearest one before the step.
std::optional<std::size_t> failure_target(const SagaDefinition& d, std::size_t i) {
  return first_compensation_before(d, in_group(d, i) ? unit_last(d, i) + 1 : i);
}

const char* const kCompensationEdge = " [style=dashed, color=firebrick, fontcolor=firebrick";

void dot_steps(const SagaDefinition& d, StepKind kind, std::string& out) {
  for (std::size_t i = 0; i < d.steps.size(); ++i) {
    const StepDefinition& step = d.steps[i];
    if (step.kind != kind) continue;
    if (group_starts(d, i)) {
      out += "    subgraph cluster_group_" + std::to_string(i) +
             " {\n      label=" + dot_quote({"parallel: " + step.group}) +
             "; style=bold; color=steelblue;\n";
    }
    out += "    " + node_id('s', i) + " [label=" + dot_quote(step_lines(d, i));
    if (kind == StepKind::kPivot)
      out += ", shape=hexagon, style=\"filled,bold\", fillcolor=\"#ffe8b0\"";
    if (kind != StepKind::kPivot && step.child) out += ", shape=component";  // a call
    out += "];\n";
    if (undoes(step)) {
      out += "    " + node_id('c', i) + " [label=" + dot_quote(compensation_lines(step)) +
             ", style=\"rounded,dashed\", color=firebrick, fontcolor=firebrick];\n";
      out += "    { rank=same; " + node_id('s', i) + "; " + node_id('c', i) + "; }\n";
    }
    if (group_ends(d, i)) out += "    }\n";
  }
}

bool has_kind(const SagaDefinition& d, StepKind kind) {
  for (const StepDefinition& step : d.steps) {
    if (step.kind == kind) return true;
  }
  return false;
}

void dot_cluster(const SagaDefinition& d, StepKind kind, std::string_view id,
                 std::string_view label, std::string_view style, std::string& out) {
  if (!has_kind(d, kind)) return;
  out += "  subgraph " + std::string(id) + " {\n";
  out += "    label=\"" + std::string(label) + "\"; " + std::string(style) + "\n";
  dot_steps(d, kind, out);
  out += "  }\n";
}

}  // namespace

std::string to_dot(const SagaDefinition& d, const DiagramOptions& options) {
  std::string out = "digraph " + dot_quote({d.name}) + " {\n";
  out += "  graph [label=" + dot_quote({d.name + " v" + std::to_string(d.version)}) +
         ", labelloc=t, fontname=\"Helvetica\", nodesep=0.5];\n";
  out += "  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=11];\n";
  out += "  edge [fontname=\"Helvetica\", fontsize=10];\n";
  out += "  start [shape=circle, label=\"\", width=0.2, style=filled, fillcolor=black];\n";
  out += "  completed [shape=doublecircle, label=\"completed\", color=forestgreen];\n";
  out += "  compensated [shape=doublecircle, label=\"compensated\", color=firebrick];\n";
  dot_cluster(d, StepKind::kCompensatable, "cluster_compensatable", "compensatable",
              "style=\"rounded,dashed\"; color=gray50;", out);
  dot_cluster(d, StepKind::kPivot, "cluster_pivot", "pivot: point of no return",
              "style=bold; color=darkorange;", out);
  dot_cluster(d, StepKind::kRetriable, "cluster_retriable", "retriable: retried, never compensated",
              "style=rounded; color=forestgreen;", out);

  // The forward chain (a parallel group fans out and in).
  for (const auto& [from, to] : forward_edges(d)) out += "  " + from + " -> " + to + ";\n";

  // The way back: failures enter the compensation chain, which runs in reverse order.
  for (std::size_t i = 0; i < d.steps.size(); ++i) {
    if (!can_fail_backwards(d, i)) continue;
    const std::optional<std::size_t> target = failure_target(d, i);
    out += "  " + node_id('s', i) + " -> " + (target ? node_id('c', *target) : "compensated") +
           kCompensationEdge + ", label=\"fails\", constraint=false];\n";
  }
  for (std::size_t i = 0; i < d.steps.size(); ++i) {
    if (!undoes(d.steps[i])) continue;
    const std::optional<std::size_t> next = first_compensation_before(d, i);
    out += "  " + node_id('c', i) + " -> " + (next ? node_id('c', *next) : "compensated") +
           kCompensationEdge + (next ? ", constraint=false" : "") + "];\n";
  }
  if (options.control) {
    const char* const style = " [style=dotted, color=purple, fontcolor=purple";
    out +=
        "  scheduled [shape=box, style=\"rounded,dotted\", color=purple, "
        "label=\"scheduled\\n(not before T)\"];\n";
    out += "  scheduled -> start" + std::string(style) + ", label=\"time comes\"];\n";
    out += "  scheduled -> compensated" + std::string(style) +
           ", label=\"cancel / deadline\", constraint=false];\n";
    for (const ControlEdge& e : control_edges(d)) {
      out += "  " + e.from + " -> " + e.to + style +
             ", label=\"cancel / deadline\", constraint=false];\n";
    }
  }
  return out + "}\n";
}

std::string to_mermaid(const SagaDefinition& d, const DiagramOptions& options) {
  std::string out = "flowchart TD\n";
  const std::vector<std::string> first = unit_nodes(d, 0);
  // One first step: the start's edge on its own line, as before groups existed.
  out += "  start((\" \"))" + (first.size() == 1 ? " --> " + first[0] : std::string()) + "\n";
  struct Cluster {
    StepKind kind;
    const char* id;
    const char* label;
  };
  const Cluster clusters[] = {
      {StepKind::kCompensatable, "cluster_compensatable", "compensatable"},
      {StepKind::kPivot, "cluster_pivot", "pivot: point of no return"},
      {StepKind::kRetriable, "cluster_retriable", "retriable: retried, never compensated"},
  };
  std::string compensation_nodes;
  for (const Cluster& cluster : clusters) {
    if (!has_kind(d, cluster.kind)) continue;
    out += "  subgraph " + std::string(cluster.id) + " [\"" + cluster.label + "\"]\n";
    for (std::size_t i = 0; i < d.steps.size(); ++i) {
      const StepDefinition& step = d.steps[i];
      if (step.kind != cluster.kind) continue;
      if (group_starts(d, i)) {
        out += "    subgraph group_" + std::to_string(i) + " [" +
               mermaid_quote({"parallel: " + step.group}) + "]\n    direction LR\n";
      }
      const std::string label = mermaid_quote(step_lines(d, i));
      std::string shape = "[" + label + "]";
      if (step.kind == StepKind::kPivot) {
        shape = "{{" + label + "}}";
      } else if (step.child) {
        shape = "[[" + label + "]]";  // a subroutine: the call of the child definition
      }
      out += "    " + node_id('s', i) + shape + "\n";
      if (undoes(step)) {
        out += "    " + node_id('c', i) + "[" + mermaid_quote(compensation_lines(step)) + "]\n";
        compensation_nodes += (compensation_nodes.empty() ? "" : ",") + node_id('c', i);
      }
      if (group_ends(d, i)) out += "    end\n";
    }
    out += "  end\n";
  }
  out += "  completed([\"completed\"])\n  compensated([\"compensated\"])\n";
  for (const auto& [from, to] : forward_edges(d)) {
    if (from != "start" || first.size() > 1) out += "  " + from + " --> " + to + "\n";
  }
  for (std::size_t i = 0; i < d.steps.size(); ++i) {
    if (!can_fail_backwards(d, i)) continue;
    const std::optional<std::size_t> target = failure_target(d, i);
    out += "  " + node_id('s', i) + " -. fails .-> " +
           (target ? node_id('c', *target) : "compensated") + "\n";
  }
  for (std::size_t i = 0; i < d.steps.size(); ++i) {
    if (!undoes(d.steps[i])) continue;
    const std::optional<std::size_t> next = first_compensation_before(d, i);
    out += "  " + node_id('c', i) + " -.-> " + (next ? node_id('c', *next) : "compensated") + "\n";
  }
  if (options.control) {
    out += "  scheduled([\"scheduled<br/>(not before T)\"]) -. time comes .-> start\n";
    out += "  scheduled -. cancel / deadline .-> compensated\n";
    for (const ControlEdge& e : control_edges(d)) {
      out += "  " + e.from + " -. cancel / deadline .-> " + e.to + "\n";
    }
  }
  out += "  classDef compensation stroke-dasharray: 5 5,stroke:#b22222,color:#b22222\n";
  out += "  classDef pivot fill:#ffe8b0,stroke:#ff8c00,stroke-width:2px\n";
  if (!compensation_nodes.empty()) out += "  class " + compensation_nodes + " compensation\n";
  if (const auto pivot = d.pivot_index(); pivot && d.steps[*pivot].kind == StepKind::kPivot) {
    out += "  class " + node_id('s', *pivot) + " pivot\n";
  }
  return out;
}

// The definition's structure from its record, for the diagrams: the callbacks are stand-ins
// that only say whether the step has one.
SagaDefinition structure_of(const DefinitionRecord& r) {
  SagaDefinition d;
  d.name = r.name;
  d.version = r.version;
  for (const StepRecord& s : *r.steps) {
    StepDefinition step;
    step.name = s.name;
    step.kind = s.kind;
    if (!s.participant.empty()) step.action = CommandAction{s.participant, s.command, {}};
    if (!s.compensation_participant.empty()) {
      step.compensation = CommandAction{s.compensation_participant, s.compensation_command, {}};
    }
    if (s.local) step.local = [](std::string_view) { return DataUpdate{}; };
    if (s.conditional) step.applies = [](std::string_view) { return true; };
    step.retry.maximum_attempts = s.maximum_attempts;
    d.steps.push_back(std::move(step));
  }
  return d;
}

}  // namespace saga
