// Result<T>: either a value or the non-OK Status that explains its absence.
#ifndef SESSIONKEEPER_RESULT_H_
#define SESSIONKEEPER_RESULT_H_

#include <cstdlib>
#include <optional>
#include <type_traits>
#include <utility>

#include "sessionkeeper/status.h"

namespace sessionkeeper {

template <typename T>
class [[nodiscard]] Result {
 public:
  // A value.
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  // An error; `status` must not be OK (an OK status carries no value).
  Result(Status status)  // NOLINT: implicit by design
      : status_(std::move(status)) {
    if (status_.ok()) {
      status_ = Status::Internal("Result constructed from an OK status");
    }
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  // Precondition: ok(). Violations abort: they are programming errors.
  const T& value() const& {
    CheckOk();
    return *value_;
  }
  T& value() & {
    CheckOk();
    return *value_;
  }
  T&& value() && {
    CheckOk();
    return std::move(*value_);
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  template <typename U>
  T value_or(U&& fallback) const& {
    return ok() ? *value_ : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  void CheckOk() const {
    if (!value_.has_value()) std::abort();
  }

  Status status_;
  std::optional<T> value_;
};

}  // namespace sessionkeeper

// Evaluates `expr` (a Status); returns it from the enclosing function when it
// is not OK.
#define SK_RETURN_IF_ERROR(expr)                 \
  do {                                           \
    ::sessionkeeper::Status sk_status_ = (expr); \
    if (!sk_status_.ok()) return sk_status_;     \
  } while (false)

#endif  // SESSIONKEEPER_RESULT_H_
