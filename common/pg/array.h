#pragma once

// A PostgreSQL text[] literal ({"a","b\"c"}) with every element quoted and escaped, so a list
// can be bound as ONE parameter: `WHERE sku = ANY($1::text[])`. Never splice it into SQL.

#include <string>
#include <vector>

namespace paymesh::pg {

std::string TextArrayLiteral(const std::vector<std::string>& values);

}  // namespace paymesh::pg
