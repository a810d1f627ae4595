// Goal: every C++ snippet in README.md and docs/*.md is code that the build compiles, so the
// guides cannot drift from the code.
// Method: read each guide; a ```cpp block either follows `<!-- snippet: file#region -->` (its
// region is checked by dsl_doc_test) or opens with `// from <path>`, and then its other lines
// must stand, in order and consecutively, in <path> (leading spaces ignored).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

std::vector<std::string> lines_of(const fs::path& file) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string trimmed(const std::string& line) {
  const auto start = line.find_first_not_of(' ');
  return start == std::string::npos ? "" : line.substr(start);
}

// True when `block` stands in `file` as consecutive lines.
bool contains_block(const std::vector<std::string>& file, const std::vector<std::string>& block) {
  if (block.empty()) return false;
  auto same = [](const std::string& a, const std::string& b) { return trimmed(a) == trimmed(b); };
  return std::search(file.begin(), file.end(), block.begin(), block.end(), same) != file.end();
}

std::vector<fs::path> guides() {
  const fs::path root(SAGA_SOURCE_DIR);
  std::vector<fs::path> out{root / "README.md", root / "examples/create_order/README.md"};
  for (const auto& entry : fs::directory_iterator(root / "docs")) {
    if (entry.path().extension() == ".md") out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(DocSnippetsTest, EveryCppSnippetStandsInACompiledFile) {
  const fs::path root(SAGA_SOURCE_DIR);
  int checked = 0;
  for (const fs::path& guide : guides()) {
    const std::vector<std::string> lines = lines_of(guide);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (lines[i] != "```cpp") continue;
      const std::string where = guide.filename().string() + ":" + std::to_string(i + 1);
      std::vector<std::string> block;
      std::size_t j = i + 1;
      for (; j < lines.size() && lines[j].rfind("```", 0) != 0; ++j) block.push_back(lines[j]);
      const bool marked = i > 0 && lines[i - 1].rfind("<!-- snippet: ", 0) == 0;
      i = j;
      if (marked) continue;  // dsl_doc_test compares it with its region
      ASSERT_FALSE(block.empty()) << where << ": empty snippet";
      const std::string prefix = "// from ";
      ASSERT_EQ(block[0].rfind(prefix, 0), 0u)
          << where << ": a C++ snippet must open with `// from <compiled file>`";
      std::string path = block[0].substr(prefix.size());
      path = path.substr(0, path.find_first_of(" :("));
      ASSERT_TRUE(fs::exists(root / path)) << where << ": no file " << path;
      block.erase(block.begin());
      EXPECT_TRUE(contains_block(lines_of(root / path), block))
          << where << ": the snippet is no longer in " << path;
      ++checked;
    }
  }
  EXPECT_GE(checked, 10);  // the guides do show code
}

}  // namespace
