# Helpers shared by every module's CMakeLists.txt.

# paymesh_test(NAME <name> LABEL unit|integration|e2e SOURCES ... LIBS ...)
# Builds a GoogleTest binary and registers each test case with ctest under the given label.
function(paymesh_test)
  cmake_parse_arguments(T "" "NAME;LABEL" "SOURCES;LIBS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  set_target_properties(${T_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  gtest_discover_tests(${T_NAME}
    DISCOVERY_MODE PRE_TEST
    PROPERTIES LABELS ${T_LABEL} TIMEOUT 300
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
endfunction()

# paymesh_embed_migrations(<target> <dir>): compiles every <dir>/NNNN_*.sql into the target as
# `const std::vector<paymesh::pg::Migration>& <target>_migrations()`, so that a binary carries
# its own schema and needs no files at run time.
function(paymesh_embed_migrations target dir)
  file(GLOB sql_files CONFIGURE_DEPENDS ${dir}/*.sql)
  list(SORT sql_files)
  # The SQL is read at configure time: re-run configure when any file changes, not only when
  # one is added.
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${sql_files})
  set(body "")
  foreach(f ${sql_files})
    get_filename_component(name ${f} NAME)
    file(READ ${f} sql)
    string(APPEND body "      {\"${name}\", R\"paymesh_sql(${sql})paymesh_sql\"},\n")
  endforeach()
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${target}_migrations.cpp)
  file(CONFIGURE OUTPUT ${out} CONTENT
"// Generated from ${dir}; edit the .sql files instead.
#include <vector>
#include \"common/pg/migrate.h\"
const std::vector<paymesh::pg::Migration>& ${target}_migrations() {
  static const std::vector<paymesh::pg::Migration> kMigrations = {
${body}  };
  return kMigrations;
}
" @ONLY)
  target_sources(${target} PRIVATE ${out})
endfunction()
