// Goal: docs/dsl.md shows the code that is compiled: every snippet equals its region of
// dsl/examples, the example sagas build, and the DOT in the guide is what to_dot prints.
// Method: read the guide and the example files from the source tree; compare text.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "examples.h"
#include "ftgo/create_order_saga.h"
#include "saga/diagram.h"

namespace {

std::string read_file(const std::string& relative) {
  std::ifstream in(std::string(SAGA_SOURCE_DIR) + "/" + relative);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The lines between the two `// [name]` markers, without clang-format switches.
std::string region(const std::string& file, const std::string& name) {
  const std::string marker = "// [" + name + "]";
  std::string out;
  int seen = 0;
  for (const std::string& line : lines_of(read_file(file))) {
    if (line.find(marker) != std::string::npos) {
      if (++seen == 2) return out;
      continue;
    }
    if (seen == 1 && line.find("clang-format") == std::string::npos) out += line + "\n";
  }
  return "<no region " + name + " in " + file + ">";
}

struct Snippet {
  std::string file;
  std::string name;
  std::string text;
};

// Every ``` block that follows a `<!-- snippet: file#name -->` line.
std::vector<Snippet> snippets_of_guide() {
  static const std::regex kSnippet(R"(<!-- snippet: ([^#]+)#([a-z_]+) -->)");
  std::vector<Snippet> snippets;
  const std::vector<std::string> lines = lines_of(read_file("docs/dsl.md"));
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::smatch match;
    if (!std::regex_search(lines[i], match, kSnippet)) continue;
    Snippet snippet{match[1], match[2], ""};
    std::size_t j = i + 2;  // skip the opening fence
    for (; j < lines.size() && lines[j].rfind("```", 0) != 0; ++j) snippet.text += lines[j] + "\n";
    snippets.push_back(snippet);
    i = j;
  }
  return snippets;
}

// The text of the ```<language> block that follows the line containing `heading`.
std::string block_after(const std::string& heading, const std::string& language) {
  const std::vector<std::string> lines = lines_of(read_file("docs/dsl.md"));
  std::string out;
  bool found = false;
  bool inside = false;
  for (const std::string& line : lines) {
    if (!found) {
      found = line.find(heading) != std::string::npos;
    } else if (!inside) {
      inside = line == "```" + language;
    } else if (line.rfind("```", 0) == 0) {
      return out;
    } else {
      out += line + "\n";
    }
  }
  return "<no ```" + language + " block after " + heading + ">";
}

TEST(DslDocTest, EverySnippetMatchesTheCompiledExample) {
  const std::vector<Snippet> snippets = snippets_of_guide();
  EXPECT_GE(snippets.size(), 8u);
  for (const Snippet& s : snippets) {
    EXPECT_EQ(s.text, region(s.file, s.name)) << s.file << "#" << s.name;
  }
}

TEST(DslDocTest, ExampleSagasBuild) {
  const saga::DefinitionResult place_order = examples::place_order_saga();
  EXPECT_TRUE(place_order.is_ok()) << place_order.status().to_string();
  const saga::DefinitionResult create_order = ftgo::book_create_order_definition();
  ASSERT_TRUE(create_order.is_ok()) << create_order.status().to_string();
  EXPECT_EQ(create_order.value()->steps.size(), 6u);
}

TEST(DslDocTest, GuideShowsTheCurrentDiagram) {
  const saga::DefinitionResult create_order = ftgo::book_create_order_definition();
  ASSERT_TRUE(create_order.is_ok());
  EXPECT_EQ(block_after("<!-- dot: create_order -->", "dot"), saga::to_dot(*create_order.value()));
  EXPECT_EQ(block_after("<!-- mermaid: create_order -->", "mermaid"),
            saga::to_mermaid(*create_order.value()));
  EXPECT_NE(read_file("docs/images/create_order.svg").find("<svg"), std::string::npos)
      << "render it: dsl_examples_print | dot -Tsvg -o docs/images/create_order.svg";
}

}  // namespace
