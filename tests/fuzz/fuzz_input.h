// Shared by the libFuzzer targets: how an input becomes frames, and how a target fails.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace saga::fuzz {

// The input as up to three frames: cut at the first two 0xff bytes (tag, header, body).
inline std::vector<std::string_view> split_frames(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> frames;
  while (frames.size() < 2) {
    const std::size_t cut = input.find('\xff');
    if (cut == std::string_view::npos) break;
    frames.push_back(input.substr(0, cut));
    input.remove_prefix(cut + 1);
  }
  frames.push_back(input);
  return frames;
}

// A broken property (not a crash): report it and abort, so libFuzzer saves the input.
[[noreturn]] inline void property_failed(const char* what) {
  std::fprintf(stderr, "fuzz property failed: %s\n", what);
  std::abort();
}

}  // namespace saga::fuzz
