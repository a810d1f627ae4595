// Typed payload codecs: encode_body<T> / decode_body<T> over cereal.
//
// Commands, replies and saga data are plain structs with a cereal `serialize` member. Two body
// encodings exist, chosen by ContentType:
//   kCerealBinary  cereal's portable binary archive (default for C++ peers; endian-independent)
//   kJson          a JSON object whose members are the struct's fields, named by the
//                  CEREAL_NVP / make_nvp names in `serialize` (for peers in other languages).
// For JSON, a struct's fields sit at the top level of the object ({"consumer_id": 7}); write
// `serialize` with named fields so that other languages see names, not value0, value1.
// An empty body decodes as a default-constructed T for empty structs only.
//
// Neither function throws: a cereal or rapidjson error becomes a kMalformed Status naming the
// type. Thread-safe.
#pragma once

// Hostile JSON must not crash the parser (docs/protocol.md, "Implementation notes and cost"):
// cereal's default flags (full precision, recursive descent) crash Debian's rapidjson 1.1.0 on
// a long number or deep nesting, so JSON is parsed iteratively, in normal precision. This
// header sets that itself; no build define is needed. Include it before any rapidjson or
// cereal JSON header (or define RAPIDJSON_PARSE_DEFAULT_FLAGS=kParseIterativeFlag): the
// static_assert below rejects a translation unit where rapidjson got other default flags.
#ifndef RAPIDJSON_PARSE_DEFAULT_FLAGS
#define RAPIDJSON_PARSE_DEFAULT_FLAGS kParseIterativeFlag
#endif
#include <cereal/archives/json.hpp>
#include <cereal/archives/portable_binary.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <cstring>
#include <exception>
#include <istream>
#include <sstream>
#include <streambuf>
#include <string>
#include <string_view>
#include <type_traits>

#include "saga/detail/bounded_binary_archive.h"
#include "saga/envelope.h"
#include "saga/status.h"

static_assert(
    rapidjson::kParseDefaultFlags == rapidjson::kParseIterativeFlag,
    "RAPIDJSON_PARSE_DEFAULT_FLAGS must be kParseIterativeFlag: include saga/body_codec.h "
    "before rapidjson or cereal/archives/json.hpp (docs/protocol.md)");

namespace saga {
namespace detail {

// A read-only std::streambuf over bytes that it does not own (no copy of the body).
class MemoryReadBuffer : public std::streambuf {
 public:
  explicit MemoryReadBuffer(std::string_view bytes) {
    char* begin = const_cast<char*>(bytes.data());  // never written through: read-only buffer
    setg(begin, begin, begin + bytes.size());
  }
};

template <typename T, typename Archive>
void serialize_root(Archive& archive, T& value) {
  if constexpr (std::is_class_v<T> && requires { value.serialize(archive); }) {
    value.serialize(archive);  // fields at the top level of the JSON object
  } else {
    archive(cereal::make_nvp("value", value));
  }
}

}  // namespace detail

template <typename T>
Result<std::string> encode_body(const T& value, ContentType type = ContentType::kCerealBinary) {
  try {
    std::ostringstream out;
    if (type == ContentType::kJson) {
      cereal::JSONOutputArchive archive(out, cereal::JSONOutputArchive::Options::NoIndent());
      detail::serialize_root(archive, const_cast<T&>(value));  // cereal saves through T&
    } else {
      cereal::PortableBinaryOutputArchive archive(out);
      archive(value);
    }
    return std::move(out).str();
  } catch (const std::exception& e) {
    return Status(StatusCode::kInvalidArgument, std::string("encode body: ") + e.what());
  }
}

template <typename T>
Result<T> decode_body(std::string_view bytes, ContentType type = ContentType::kCerealBinary) {
  static_assert(std::is_default_constructible_v<T>, "body types are default-constructible");
  if (bytes.empty() && std::is_empty_v<T>) return T{};
  try {
    T value{};
    if (type == ContentType::kJson) {
      detail::MemoryReadBuffer buffer(bytes);
      std::istream in(&buffer);
      cereal::JSONInputArchive archive(in);
      detail::serialize_root(archive, value);
    } else {
      detail::BoundedBinaryInputArchive archive(bytes);
      archive(value);
    }
    return value;
  } catch (const std::exception& e) {  // cereal::Exception, RapidJSONException, bad_alloc
    return malformed(std::string("decode body (") + std::string(to_string(type)) +
                     "): " + e.what());
  }
}

}  // namespace saga
