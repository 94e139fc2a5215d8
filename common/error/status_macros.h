#pragma once

// Early-return helpers for absl::Status / absl::StatusOr<T>, as used across every layer.

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define PAYMESH_CONCAT_INNER(a, b) a##b
#define PAYMESH_CONCAT(a, b) PAYMESH_CONCAT_INNER(a, b)

// RETURN_IF_ERROR(expr): returns the status of `expr` from the enclosing function if not OK.
#define RETURN_IF_ERROR(expr)                          \
  do {                                                 \
    ::absl::Status paymesh_status_ = (expr);           \
    if (!paymesh_status_.ok()) return paymesh_status_; \
  } while (0)

// ASSIGN_OR_RETURN(lhs, expr): evaluates a StatusOr, returns its status if not OK, otherwise
// assigns (or declares, e.g. `auto x`) lhs from its value.
#define ASSIGN_OR_RETURN(lhs, expr) \
  PAYMESH_ASSIGN_OR_RETURN_IMPL(PAYMESH_CONCAT(paymesh_statusor_, __LINE__), lhs, expr)
#define PAYMESH_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()
