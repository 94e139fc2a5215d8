#pragma once

// Scopes travel as one space-separated string: the JWT "scope" claim, the Redis session hash
// and the SQL array_to_string() of users.scopes.

#include <string>
#include <string_view>
#include <vector>

namespace paymesh::auth {

inline std::string JoinScopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const std::string& s : scopes) {
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

inline std::vector<std::string> SplitScopes(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    size_t space = text.find(' ');
    std::string_view word = text.substr(0, space);
    if (!word.empty()) out.emplace_back(word);
    if (space == std::string_view::npos) break;
    text.remove_prefix(space + 1);
  }
  return out;
}

}  // namespace paymesh::auth
