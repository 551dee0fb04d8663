#pragma once
// A small expected-like type for the CAF-free core: a value or an error with a code and text.

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace dsdn {

/// An error from the core or the DA layer: a machine-readable code and a human-readable text.
/// `Code` is an enum of the component that produced it.
template <class Code>
struct failure {
  Code code;
  std::string message;
};

/// Either a `T` or a `failure<Code>`. Deliberately minimal: `ok()`, `value()`, `error()`.
template <class T, class Code>
class result {
 public:
  result(T value) : data_(std::move(value)) {}          // NOLINT: implicit by design
  result(failure<Code> err) : data_(std::move(err)) {}  // NOLINT: implicit by design
  result(Code code, std::string message) : data_(failure<Code>{code, std::move(message)}) {}

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(data_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(data_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(data_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const failure<Code>& error() const {
    assert(!ok());
    return std::get<1>(data_);
  }

 private:
  std::variant<T, failure<Code>> data_;
};

}  // namespace dsdn
