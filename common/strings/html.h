#pragma once

// Text placed into HTML (an element's content or a quoted attribute value).

#include <string>
#include <string_view>

namespace paymesh::strings {

// & < > " ' as character references; everything else as it is.
std::string EscapeHtml(std::string_view text);

}  // namespace paymesh::strings
