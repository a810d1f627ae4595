// Child saga steps in the DSL (docs/dsl.md, "Child sagas"): the typed functions of
// StepBuilder::start_child<ChildData>() turned into ChildSaga's byte-level callbacks.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "saga/definition.h"
#include "saga/dsl/callbacks.h"

namespace saga {

// `ChildData make(const Data&)`: the child saga's data from the parent's.
template <typename F, typename Data, typename ChildData>
concept ChildDataFactory = std::is_invocable_r_v<ChildData, const F&, const Data&>;

// `void|bool|Status fn(Data&, const ChildData&)`: takes the done child's data into the parent's.
template <typename F, typename Data, typename ChildData>
concept ChildEndHandler = std::is_invocable_v<const F&, Data&, const ChildData&> &&
    StepOutcome<std::invoke_result_t<const F&, Data&, const ChildData&>>;

namespace detail {

struct ChildAction {};  // StepBuilder's Action tag for a child step

template <typename Data, typename ChildData, typename F>
ChildSaga make_child(std::string type, std::uint32_t version, F make) {
  ChildSaga child;
  child.type = std::move(type);
  child.version = version;
  child.make_data = [make = std::move(make)](std::string_view bytes) -> Result<std::string> {
    Result<Data> data = decode_data<Data>(bytes);
    if (!data) return data.status();
    return encode_data<ChildData>(std::invoke(make, data.value()));
  };
  return child;
}

template <typename Data, typename ChildData, typename F>
std::function<DataUpdate(std::string_view, std::string_view)> make_child_end(F fn) {
  return [fn = std::move(fn)](std::string_view parent, std::string_view child) {
    Result<ChildData> decoded = decode_data<ChildData>(child);
    if (!decoded) return failed_update("bad_child_data: " + decoded.status().message());
    return update_data<Data>(
        parent, [&](Data& data) { return std::invoke(fn, data, decoded.value()); },
        "child_end_rejected");
  };
}

}  // namespace detail
}  // namespace saga
