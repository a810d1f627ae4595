// Damages a real SQLite file for the open-time check tests: its last page overwritten with a
// pattern that is no b-tree page (PRAGMA quick_check then fails; the file stays its size).
#pragma once

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <string>

namespace saga::test {

inline void damage_last_page(const std::string& path) {
  constexpr std::size_t kPage = 4096;
  const auto size = std::filesystem::file_size(path);
  std::fstream file(path, std::ios::binary | std::ios::in | std::ios::out);
  file.seekp(static_cast<std::streamoff>(size - kPage));
  std::string garbage(kPage, '\0');
  for (std::size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>(i * 7 + 13);
  file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
}

}  // namespace saga::test
