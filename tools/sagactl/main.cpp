// sagactl: inspect an engine's database and ask the engine for operator actions.
// See docs/operations.md. Argument parsing only; the commands are declared in commands.h.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstdlib>
#include <iostream>

#include "commands.h"

namespace {

using sagactl::Context;

void add_action(CLI::App& app, const char* name, const char* help, sagactl::ActionArgs& args) {
  CLI::App* sc = app.add_subcommand(name, help);
  sc->add_option("id", args.id, "saga id")->required();
  sc->add_option("--reason", args.reason, "why (required; recorded in the saga's history)")
      ->required();
  sc->add_option("--by", args.requested_by, "who asks (default: $USER)");
  sc->add_flag("--wait", args.wait, "wait until the engine applied or rejected the request");
  sc->add_option("--timeout", args.timeout, "with --wait: how long (default 30s)");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "sagactl: inspect a saga engine's database and repair failed sagas.\n"
      "Safe while the engine runs: queries open the database read-only; retry, "
      "compensate, skip and release-lock only queue an operator request that the engine "
      "applies itself."};
  app.footer(
      "Exit codes: 0 ok, 1 request rejected or not applied in time (check: problems found), "
      "2 error.\n"
      "Steps are numbered from 1 (\"3 create_ticket\"); in --json, \"step\" is the stored index, "
      "from 0.");
  Context c;
  c.out = &std::cout;
  c.err = &std::cerr;
  app.add_option("--db", c.database,
                 "the engine's database file, or a postgresql:// URI (docs/scale-out.md)")
      ->envname("SAGA_DB");
  app.add_flag("--json", c.json, "output JSON for scripts");
  app.fallthrough();  // --db and --json may also follow the command
  app.require_subcommand(1);

  sagactl::ListArgs list_args;
  CLI::App* list = app.add_subcommand("list", "sagas, newest first");
  list->add_option("--phase", list_args.phase,
                   "executing, compensating, completed, compensated, failed or scheduled");
  list->add_option("--type", list_args.type, "saga type (definition name)");
  list->add_option("--older-than", list_args.older_than, "created at least this long ago (10m)");
  list->add_option("--newer-than", list_args.newer_than, "created at most this long ago (1h)");
  list->add_option("--limit", list_args.limit, "rows per page (default 20)");
  list->add_option("--page", list_args.page, "page number, from 1");

  sagactl::ShowArgs show_args;
  CLI::App* show = app.add_subcommand("show", "one saga: state, outstanding command, history");
  show->add_option("id", show_args.id, "saga id")->required();
  show->add_option("--history-limit", show_args.history_limit,
                   "history entries to print (default: the last 40; JSON: all; 0: all)");
  show->add_option("--history-offset", show_args.history_offset,
                   "print the history from this entry (0: the oldest)");

  CLI::App* stats = app.add_subcommand("stats", "counts by phase and type, retries, timeouts");
  CLI::App* definitions =
      app.add_subcommand("definitions", "definitions the engine registered, running instances");

  sagactl::ActionArgs retry_args, compensate_args, skip_args, cancel_args;
  cancel_args.action = saga::OperatorAction::kCancel;
  retry_args.action = saga::OperatorAction::kRetry;
  compensate_args.action = saga::OperatorAction::kCompensate;
  skip_args.action = saga::OperatorAction::kSkip;
  add_action(app, "retry",
             "failed saga: send the failed step or compensation again; compensating saga: "
             "resend its compensation now",
             retry_args);
  add_action(app, "compensate", "failed saga: give up going forward and roll back",
             compensate_args);
  add_action(app, "skip",
             "failed saga: count the failed step or compensation as done; compensating saga: "
             "count its compensation as done",
             skip_args);
  add_action(app, "cancel",
             "executing saga before its pivot: stop and roll back; scheduled saga: never start",
             cancel_args);

  CLI::App* locks = app.add_subcommand("locks", "semantic locks held, their holders and queues");
  sagactl::ActionArgs release_args;
  release_args.action = saga::OperatorAction::kReleaseLock;
  CLI::App* release = app.add_subcommand(
      "release-lock", "take a lock key away from its (stuck) holder; the next in line gets it");
  release->add_option("key", release_args.id, "lock key (sagactl locks)")->required();
  release->add_option("--holder", release_args.holder,
                      "only if this saga still holds it (default: whoever does)");
  release->add_option("--reason", release_args.reason, "why (required; in the holder's history)")
      ->required();
  release->add_option("--by", release_args.requested_by, "who asks (default: $USER)");
  release->add_flag("--wait", release_args.wait, "wait until the engine applied or rejected it");
  release->add_option("--timeout", release_args.timeout, "with --wait: how long (default 30s)");

  sagactl::RequestsArgs requests_args;
  CLI::App* requests = app.add_subcommand("requests", "operator requests, newest first");
  requests->add_option("--state", requests_args.state, "pending, applied, rejected or all");
  requests->add_option("--limit", requests_args.limit, "rows (default 20)");

  std::size_t refused_limit = 20;
  CLI::App* refused = app.add_subcommand(
      "refused-events", "events committed in a service's transaction that the engine refused");
  refused->add_option("--limit", refused_limit, "rows (default 20; 0: all)");

  sagactl::PruneArgs prune_args;
  CLI::App* prune = app.add_subcommand(
      "prune", "remove completed and compensated sagas and their history after an age");
  prune->add_option("--older-than", prune_args.older_than, "finished at least this long ago (30d)")
      ->required();
  prune->add_option("--batch", prune_args.batch, "sagas per transaction (default 100)");
  prune->add_option("--archive", prune_args.archive, "append each saga to this JSON-lines file");
  prune->add_flag("--all", prune_args.all, "batch after batch until nothing is due");

  std::string diagram_name;
  std::uint32_t diagram_version = 0;
  bool diagram_control = false;
  CLI::App* dot = app.add_subcommand("dot", "Graphviz DOT of a recorded definition");
  CLI::App* mermaid = app.add_subcommand("mermaid", "Mermaid flowchart of a recorded definition");
  for (CLI::App* sc : {dot, mermaid}) {
    sc->add_option("name", diagram_name, "definition name")->required();
    sc->add_option("--version", diagram_version, "definition version (default: the newest)");
    sc->add_flag("--control", diagram_control,
                 "also draw scheduled start, cancel and saga deadline paths");
  }

  std::string check_file;
  std::size_t check_max = 100;
  CLI::App* check = app.add_subcommand(
      "check", "PRAGMA integrity_check of a SQLite file (engine or participant): 0 ok, 1 damaged");
  check->add_option("file", check_file, "the database file (default: --db)");
  check->add_option("--max", check_max, "report at most this many problems (default 100)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    (void)app.exit(e);
    return sagactl::kExitError;
  }
  c.style.colour = !c.json && isatty(STDOUT_FILENO) != 0 && std::getenv("NO_COLOR") == nullptr;

  if (check->parsed()) {
    return sagactl::check(c, check_file.empty() ? c.database : check_file, check_max);
  }
  if (list->parsed()) return sagactl::list(c, list_args);
  if (show->parsed()) return sagactl::show(c, show_args);
  if (stats->parsed()) return sagactl::stats(c);
  if (definitions->parsed()) return sagactl::definitions(c);
  if (app.got_subcommand("retry")) return sagactl::act(c, retry_args);
  if (app.got_subcommand("compensate")) return sagactl::act(c, compensate_args);
  if (app.got_subcommand("skip")) return sagactl::act(c, skip_args);
  if (app.got_subcommand("cancel")) return sagactl::act(c, cancel_args);
  if (locks->parsed()) return sagactl::locks(c);
  if (release->parsed()) return sagactl::act(c, release_args);
  if (requests->parsed()) return sagactl::requests(c, requests_args);
  if (prune->parsed()) return sagactl::prune(c, prune_args);
  if (refused->parsed()) return sagactl::refused_events(c, refused_limit);
  if (dot->parsed()) {
    return sagactl::diagram(c, diagram_name, diagram_version, false, diagram_control);
  }
  if (mermaid->parsed()) {
    return sagactl::diagram(c, diagram_name, diagram_version, true, diagram_control);
  }
  return sagactl::kExitError;
}
