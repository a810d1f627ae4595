// JsonWriter over rapidjson (saga/json_writer.h).
#include "saga/json_writer.h"

// cereal's json.hpp configures rapidjson (its assertion throws); include it with rapidjson as
// wire/envelope.cpp does, so that every translation unit sees rapidjson configured the same way.
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cereal/archives/json.hpp>
#include <type_traits>
#include <variant>

namespace saga {

class JsonWriter::Impl {
 public:
  explicit Impl(bool pretty) {
    if (pretty) {
      writer_.emplace<Pretty>(buffer_).SetIndent(' ', 2);
    } else {
      writer_.emplace<Compact>(buffer_);
    }
  }
  // Calls `f` with whichever writer this is.
  template <typename F>
  void with(F&& f) {
    std::visit(
        [&](auto& w) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(w)>, std::monostate>) f(w);
        },
        writer_);
  }
  std::string str() const {
    std::string out(buffer_.GetString(), buffer_.GetSize());
    out += '\n';
    return out;
  }

 private:
  using Compact = rapidjson::Writer<rapidjson::StringBuffer>;
  using Pretty = rapidjson::PrettyWriter<rapidjson::StringBuffer>;
  rapidjson::StringBuffer buffer_;
  std::variant<std::monostate, Compact, Pretty> writer_;
};

namespace {

rapidjson::SizeType size_of(std::string_view s) {
  return static_cast<rapidjson::SizeType>(s.size());
}

}  // namespace

JsonWriter::JsonWriter(bool pretty) : impl_(std::make_unique<Impl>(pretty)) {}
JsonWriter::~JsonWriter() = default;

JsonWriter& JsonWriter::begin_object() {
  impl_->with([](auto& w) { w.StartObject(); });
  return *this;
}
JsonWriter& JsonWriter::end_object() {
  impl_->with([](auto& w) { w.EndObject(); });
  return *this;
}
JsonWriter& JsonWriter::begin_array() {
  impl_->with([](auto& w) { w.StartArray(); });
  return *this;
}
JsonWriter& JsonWriter::end_array() {
  impl_->with([](auto& w) { w.EndArray(); });
  return *this;
}
JsonWriter& JsonWriter::key(std::string_view k) {
  impl_->with([&](auto& w) { w.Key(k.data(), size_of(k), true); });
  return *this;
}
JsonWriter& JsonWriter::value(std::string_view v) {
  impl_->with([&](auto& w) { w.String(v.data(), size_of(v), true); });
  return *this;
}
JsonWriter& JsonWriter::value(std::int64_t v) {
  impl_->with([&](auto& w) { w.Int64(v); });
  return *this;
}
JsonWriter& JsonWriter::value(std::uint64_t v) {
  impl_->with([&](auto& w) { w.Uint64(v); });
  return *this;
}
JsonWriter& JsonWriter::value(double v) {
  impl_->with([&](auto& w) { w.Double(v); });
  return *this;
}
JsonWriter& JsonWriter::value(bool v) {
  impl_->with([&](auto& w) { w.Bool(v); });
  return *this;
}
JsonWriter& JsonWriter::null() {
  impl_->with([](auto& w) { w.Null(); });
  return *this;
}
JsonWriter& JsonWriter::raw(std::string_view json) {
  impl_->with([&](auto& w) { w.RawValue(json.data(), json.size(), rapidjson::kObjectType); });
  return *this;
}

std::string JsonWriter::str() const { return impl_->str(); }

bool is_json(std::string_view text) {
  rapidjson::Document d;
  // Iterative, in normal precision, as everywhere (engine/CMakeLists.txt says why).
  d.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(text.data(),
                                                                                  text.size());
  return !d.HasParseError();
}

}  // namespace saga
