// Prints a saga of docs/dsl.md as a diagram:
//   dsl_examples_print [--mermaid] [place_order|create_order]
// docs/images/create_order.svg is `dsl_examples_print | dot -Tsvg`. Exits 1 if a definition
// does not build (so that running it checks the examples).
#include <cstdio>
#include <string_view>

#include "examples.h"
#include "ftgo/create_order_saga.h"
#include "saga/diagram.h"

int main(int argc, char** argv) {
  bool mermaid = false;
  std::string_view which = "create_order";
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--mermaid") {
      mermaid = true;
    } else {
      which = arg;
    }
  }
  for (const auto& [name, definition] :
       {std::pair{std::string_view("place_order"), examples::place_order_saga()},
        std::pair{std::string_view("create_order"), ftgo::book_create_order_definition()}}) {
    if (!definition) {
      std::fprintf(stderr, "%s: %s\n", std::string(name).c_str(),
                   definition.status().to_string().c_str());
      return 1;
    }
    if (name == which) {
      const std::string text =
          mermaid ? saga::to_mermaid(*definition.value()) : saga::to_dot(*definition.value());
      std::fputs(text.c_str(), stdout);
    }
  }
  return 0;
}
