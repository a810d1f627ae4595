// JsonWriter: the one JSON writer of the project's tools and exports (sagactl --json, the
// inspection API's users), over rapidjson's Writer, so that no caller escapes strings by hand.
//
// Values are written in call order; the caller keeps objects and arrays balanced and writes a
// key before each value inside an object (rapidjson's contract; a violation throws
// std::runtime_error in debug and release builds alike, as cereal configures rapidjson).
// Strings are bytes: quotes, backslashes and control characters are escaped, other bytes (UTF-8)
// pass through unchanged. Not thread-safe; cheap to create.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace saga {

class JsonWriter {
 public:
  // pretty: indented by two spaces, one member per line; otherwise one line.
  explicit JsonWriter(bool pretty = false);
  ~JsonWriter();
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view v);
  JsonWriter& value(const char* v) { return value(std::string_view(v)); }
  JsonWriter& value(const std::string& v) { return value(std::string_view(v)); }
  JsonWriter& value(std::int64_t v);
  JsonWriter& value(std::uint64_t v);
  JsonWriter& value(std::uint32_t v) { return value(static_cast<std::uint64_t>(v)); }
  JsonWriter& value(std::int32_t v) { return value(static_cast<std::int64_t>(v)); }
  JsonWriter& value(double v);
  JsonWriter& value(bool v);
  JsonWriter& null();
  // An already-encoded JSON value (an object, array, string or number), copied as is. The
  // caller vouches for it: use is_json() first for text from elsewhere.
  JsonWriter& raw(std::string_view json);
  template <typename T>
  JsonWriter& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }

  // The document so far, with a final newline.
  std::string str() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// True when `text` is one well-formed JSON value (RFC 8259, UTF-8).
bool is_json(std::string_view text);

}  // namespace saga
