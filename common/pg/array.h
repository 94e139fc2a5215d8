#pragma once

// PostgreSQL array literals. A text[] literal ({"a","b\"c"}) with every element quoted and escaped,
// so a list can be bound as ONE parameter: `WHERE sku = ANY($1::text[])`. Never splice it into SQL.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace paymesh::pg {

std::string TextArrayLiteral(const std::vector<std::string>& values);
// A bigint[] literal, {1,NULL,-3}: nullopt is NULL.
std::string Int64ArrayLiteral(const std::vector<std::optional<int64_t>>& values);

}  // namespace paymesh::pg
