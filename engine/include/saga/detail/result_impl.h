// Out-of-line members of Result<T>; included by status.h only.
#pragma once

#include "saga/check.h"

namespace saga {

template <typename T>
Result<T>::Result(Status status) : state_(std::move(status)) {
  SAGA_CHECK(!std::get<Status>(state_).is_ok(), "Result built from an OK Status");
}

template <typename T>
T& Result<T>::value() & {
  SAGA_CHECK(is_ok(), std::get<Status>(state_).message().c_str());
  return std::get<T>(state_);
}

template <typename T>
const T& Result<T>::value() const& {
  SAGA_CHECK(is_ok(), std::get<Status>(state_).message().c_str());
  return std::get<T>(state_);
}

template <typename T>
T&& Result<T>::value() && {
  SAGA_CHECK(is_ok(), std::get<Status>(state_).message().c_str());
  return std::get<T>(std::move(state_));
}

}  // namespace saga
