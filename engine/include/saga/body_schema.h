// body_schema<T>(): the JSON Schema of a message body, read from the type's cereal `serialize`.
//
// The schema describes the JSON body (application/json, saga/body_codec.h) of T: an object
// with one property per CEREAL_NVP field, in declaration order, every field required (the C++
// decoder needs them all); members it does not know are allowed, as the decoder ignores them.
// Field types map as
//   bool -> boolean; signed/unsigned integers -> integer with "format" int8..int64/uint8..uint64
//   and their bounds; float/double -> number ("format" float/double); std::string -> string;
//   std::vector<U> -> array of U; a struct with `serialize` -> a nested object, the same way.
// The "format" words also give the field's fixed size in the cereal portable binary body
// (docs/protocol.md, "Bodies"). Another type gives an unconstrained schema ({}).
//
// Documentation, optional, next to the type's serialize function (no saga header needed):
//   static constexpr std::string_view kDescription = "what the message asks or says";
//   static constexpr std::string_view kFieldDescriptions[][2] = {{"order_id", "the order"}};
// A field named in kFieldDescriptions that the type does not serialize is a programming error
// and throws std::logic_error from body_schema<T>().
//
// body_example<T>(): a sample value of T (every field set: integers 1, 2, 3..., strings
// "<field>-1", one element per vector) encoded by the C++ JSON codec: the example of the body
// that exports show next to its schema. Both are deterministic and thread-safe.
#pragma once

#include <cereal/details/helpers.hpp>
#include <concepts>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "saga/body_codec.h"
#include "saga/json_writer.h"

namespace saga {
namespace detail {

template <typename T>
struct IsVector : std::false_type {};
template <typename U, typename A>
struct IsVector<std::vector<U, A>> : std::true_type {
  using element = U;
};

template <typename T>
concept HasKDescription = requires {
  { T::kDescription } -> std::convertible_to<std::string_view>;
};
template <typename T>
concept HasFieldDescriptions = requires {
  T::kFieldDescriptions[0][1];
};

// The writer's document without its final newline.
inline std::string json_text(const JsonWriter& w) {
  std::string out = w.str();
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

template <typename T>
std::string_view field_description(std::string_view field) {
  if constexpr (HasFieldDescriptions<T>) {
    for (const auto& entry : T::kFieldDescriptions) {
      if (std::string_view(entry[0]) == field) return entry[1];
    }
  }
  return {};
}

template <std::integral I>
std::string integer_format() {
  if constexpr (std::same_as<I, bool>) {
    return "bool";
  } else {
    return std::string(std::is_signed_v<I> ? "int" : "uint") + std::to_string(sizeof(I) * 8);
  }
}

// Walks a struct's serialize(): one (name, schema) per field.
class SchemaArchive {
 public:
  template <typename... Items>
  void operator()(Items&&... items) {
    (add(std::forward<Items>(items)), ...);
  }
  std::vector<std::pair<std::string, std::string>> fields;

 private:
  template <typename V>
  void add(cereal::NameValuePair<V>&& nvp) {
    fields.emplace_back(nvp.name, schema_of(nvp.value));
  }
  template <typename V>
  void add(V& value) {
    fields.emplace_back("value" + std::to_string(fields.size()), schema_of(value));
  }

 public:
  template <typename V>
  static std::string schema_of(V& value);
};

template <typename T>
std::string object_schema(T& value) {
  SchemaArchive archive;
  value.serialize(archive);
  JsonWriter w;
  w.begin_object().field("type", "object");
  if constexpr (HasKDescription<T>) w.field("description", std::string_view(T::kDescription));
  w.key("properties").begin_object();
  for (const auto& [name, schema] : archive.fields) {
    const std::string_view text = field_description<T>(name);
    if (text.empty()) {
      w.key(name).raw(schema);
    } else {  // the field's schema with its description added as the first member
      JsonWriter description;
      description.value(text);
      w.key(name).raw("{\"description\":" + json_text(description) + "," + schema.substr(1));
    }
  }
  w.end_object().key("required").begin_array();
  for (const auto& field : archive.fields) w.value(field.first);
  w.end_array().end_object();
  if constexpr (HasFieldDescriptions<T>) {
    for (const auto& entry : T::kFieldDescriptions) {
      bool found = false;
      for (const auto& field : archive.fields) found = found || field.first == entry[0];
      if (!found) {
        throw std::logic_error("kFieldDescriptions names '" + std::string(entry[0]) +
                               "', which is not a field");
      }
    }
  }
  return json_text(w);
}

template <typename V>
std::string SchemaArchive::schema_of(V& value) {
  using T = std::remove_cvref_t<V>;
  JsonWriter w;
  if constexpr (std::same_as<T, bool>) {
    w.begin_object().field("type", "boolean").end_object();
  } else if constexpr (std::integral<T>) {
    w.begin_object().field("type", "integer").field("format", integer_format<T>());
    if constexpr (std::is_signed_v<T>) {
      w.field("minimum", static_cast<std::int64_t>(std::numeric_limits<T>::min()))
          .field("maximum", static_cast<std::int64_t>(std::numeric_limits<T>::max()));
    } else {
      w.field("minimum", std::int64_t{0})
          .field("maximum", static_cast<std::uint64_t>(std::numeric_limits<T>::max()));
    }
    w.end_object();
  } else if constexpr (std::floating_point<T>) {
    w.begin_object().field("type", "number");
    w.field("format", sizeof(T) == 4 ? "float" : "double").end_object();
  } else if constexpr (std::same_as<T, std::string>) {
    w.begin_object().field("type", "string").end_object();
  } else if constexpr (IsVector<T>::value) {
    typename IsVector<T>::element element{};
    w.begin_object().field("type", "array").key("items").raw(schema_of(element)).end_object();
  } else if constexpr (requires(T & t, SchemaArchive & a) { t.serialize(a); }) {
    return object_schema(const_cast<T&>(value));
  } else {
    w.begin_object().end_object();
  }
  return json_text(w);
}

// Fills a struct's fields with sample values through its serialize().
class SampleArchive {
 public:
  template <typename... Items>
  void operator()(Items&&... items) {
    (fill(std::forward<Items>(items)), ...);
  }

 private:
  template <typename V>
  void fill(cereal::NameValuePair<V>&& nvp) {
    set(nvp.value, nvp.name);
  }
  template <typename V>
  void fill(V& value) {
    set(value, "value");
  }
  template <typename T>
  void set(T& value, std::string_view name) {
    if constexpr (std::same_as<T, bool>) {
      value = true;
    } else if constexpr (std::is_arithmetic_v<T>) {
      value = static_cast<T>(++counter_);
    } else if constexpr (std::same_as<T, std::string>) {
      value = std::string(name) + "-" + std::to_string(++counter_);
    } else if constexpr (IsVector<T>::value) {
      value.resize(1);
      set(value.front(), name);
    } else if constexpr (requires(T & t, SampleArchive & a) { t.serialize(a); }) {
      value.serialize(*this);
    }
  }
  std::int64_t counter_ = 0;
};

}  // namespace detail

// The JSON Schema of T's JSON body (see the file comment). Throws std::logic_error when T's
// kFieldDescriptions names a field T does not have.
template <typename T>
std::string body_schema() {
  T value{};
  return detail::object_schema(value);
}

// A sample T with every field set.
template <typename T>
T sample_value() {
  T value{};
  detail::SampleArchive archive;
  value.serialize(archive);
  return value;
}

// sample_value<T>() as a JSON body, encoded by the C++ codec (encode_body).
template <typename T>
Result<std::string> body_example() {
  return encode_body(sample_value<T>(), ContentType::kJson);
}

}  // namespace saga
