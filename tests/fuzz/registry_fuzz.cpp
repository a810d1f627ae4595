// libFuzzer target: the participant registry's config parser (saga/participant_registry.h) on
// arbitrary text. Property: a registry that parses, written back as `name = endpoint` lines,
// parses to the same entries.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_input.h"
#include "saga/participant_registry.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  saga::Result<saga::ParticipantRegistry> parsed =
      saga::parse_participant_registry(text, "fuzz.conf");
  if (!parsed) {
    if (parsed.status().message().rfind("fuzz.conf", 0) != 0) {
      saga::fuzz::property_failed("an error that does not name the source");
    }
    return 0;
  }
  std::string written;
  for (const auto& [name, endpoint] : parsed.value().entries()) {
    written += name + " = " + endpoint + "\n";
  }
  saga::Result<saga::ParticipantRegistry> again =
      saga::parse_participant_registry(written, "written");
  if (!again) saga::fuzz::property_failed("a parsed registry does not parse once written");
  if (again.value().entries() != parsed.value().entries()) {
    saga::fuzz::property_failed("a written registry parses to other entries");
  }
  return 0;
}
