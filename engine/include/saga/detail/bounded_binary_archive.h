// BoundedBinaryInputArchive: reads cereal's portable binary format from untrusted bytes.
//
// cereal's PortableBinaryInputArchive trusts the length prefixes of strings and containers and
// resizes before it reads: a flipped bit in a prefix asks for gigabytes. This archive reads the
// same format but refuses a length larger than the bytes left, which bounds every allocation by
// the size of the body. Everything else matches cereal's reader, endianness handling included.
#pragma once

#include <cereal/archives/portable_binary.hpp>
#include <cereal/cereal.hpp>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

namespace saga::detail {

class BoundedBinaryInputArchive
    : public cereal::InputArchive<BoundedBinaryInputArchive, cereal::AllowEmptyClassElision> {
 public:
  explicit BoundedBinaryInputArchive(std::string_view bytes)
      : InputArchive(this), data_(bytes.data()), left_(bytes.size()) {
    std::uint8_t stream_little_endian = 0;
    (*this)(stream_little_endian);
    swap_ = (stream_little_endian != 0) != cereal::portable_binary_detail::is_little_endian();
  }

  template <std::streamsize kElementSize>
  void load_binary(void* out, std::size_t size) {
    if (size > left_) {
      throw cereal::Exception("truncated: needs " + std::to_string(size) + " bytes, " +
                              std::to_string(left_) + " left");
    }
    if (size == 0) return;  // an empty body may have no data pointer at all
    std::memcpy(out, data_, size);
    data_ += size;
    left_ -= size;
    if (swap_) {
      auto* p = static_cast<std::uint8_t*>(out);
      for (std::size_t i = 0; i < size; i += kElementSize) {
        cereal::portable_binary_detail::swap_bytes<kElementSize>(p + i);
      }
    }
  }

  // A container or string of `count` elements needs at least `count` bytes (or none at all for
  // empty elements, which cereal elides); more than what is left is a corrupt prefix.
  void check_count(std::uint64_t count) const {
    if (count > left_) {
      throw cereal::Exception("length prefix " + std::to_string(count) + " exceeds the " +
                              std::to_string(left_) + " bytes left");
    }
  }

 private:
  const char* data_;
  std::size_t left_;
  bool swap_ = false;
};

template <class T>
std::enable_if_t<std::is_arithmetic_v<T>> CEREAL_LOAD_FUNCTION_NAME(BoundedBinaryInputArchive& ar,
                                                                    T& t) {
  ar.template load_binary<sizeof(T)>(std::addressof(t), sizeof(t));
}

template <class T>
void CEREAL_SERIALIZE_FUNCTION_NAME(BoundedBinaryInputArchive& ar, cereal::NameValuePair<T>& t) {
  ar(t.value);
}

template <class T>
void CEREAL_SERIALIZE_FUNCTION_NAME(BoundedBinaryInputArchive& ar, cereal::SizeTag<T>& t) {
  ar(t.size);
  ar.check_count(static_cast<std::uint64_t>(t.size));
}

template <class T>
void CEREAL_LOAD_FUNCTION_NAME(BoundedBinaryInputArchive& ar, cereal::BinaryData<T>& bd) {
  using Element = std::remove_pointer_t<T>;
  ar.template load_binary<sizeof(Element)>(bd.data, static_cast<std::size_t>(bd.size));
}

}  // namespace saga::detail

CEREAL_REGISTER_ARCHIVE(saga::detail::BoundedBinaryInputArchive)

namespace cereal::traits::detail {
template <>
struct get_output_from_input<saga::detail::BoundedBinaryInputArchive> {
  using type = cereal::PortableBinaryOutputArchive;
};
}  // namespace cereal::traits::detail
