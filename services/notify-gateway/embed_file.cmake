# cmake -DINPUT=<file> -DOUTPUT=<file.cpp> -DFUNCTION=<qualified name> -P embed_file.cmake
# Writes a C++ source defining `std::string_view FUNCTION()` that returns INPUT's bytes. Hex
# bytes, so nothing in the input (quotes, raw-string delimiters, @VAR@) can break the source.
file(READ "${INPUT}" hex HEX)
get_filename_component(input_name "${INPUT}" NAME)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REPEAT "[0-9a-f][0-9a-f]" 16 line_of_hex)
string(REGEX REPLACE "(${line_of_hex})" "\\1\n    " hex "${hex}")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
string(REGEX MATCH "^(.*)::([^:]+)$" qualified "${FUNCTION}")
set(namespace "${CMAKE_MATCH_1}")
set(name "${CMAKE_MATCH_2}")
file(WRITE "${OUTPUT}"
"// Generated from ${input_name} by embed_file.cmake; edit that file instead.
#include <string_view>

namespace ${namespace} {
namespace {
constexpr char kData[${size} + 1] = {
    ${bytes}'\\0'};
}  // namespace

std::string_view ${name}() { return std::string_view(kData, ${size}); }

}  // namespace ${namespace}
")
