#pragma once

// Duplicate keys in a JSON text. RFC 8259 leaves their meaning open and parsers disagree (Boost
// keeps the last one), so a body naming a field twice could show one reader another value than
// the next: the gateway refuses it like an unknown field.

#include <optional>
#include <string>
#include <string_view>

namespace paymesh::gateway {

// The first key an object of `text` repeats (compared after unescaping), or nullopt when there is
// none or `text` is not JSON (the real parse reports that).
std::optional<std::string> FirstDuplicateKey(std::string_view text);

}  // namespace paymesh::gateway
