# Compiles FILE with COMPILER and FLAGS (a ;-list) and passes only when the compilation fails
# and the compiler's output contains the text of FILE's `// Expect: <text>` line: the misuse
# must be refused with a message that states the rule it breaks (tests/compile_fail/README.md).
file(STRINGS ${FILE} expect_lines REGEX "^// Expect: ")
list(LENGTH expect_lines n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "${FILE}: needs exactly one '// Expect: <text>' line")
endif()
string(REGEX REPLACE "^// Expect: " "" expected "${expect_lines}")
execute_process(COMMAND ${COMPILER} ${FLAGS} ${FILE}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "${FILE} compiled, but it must not")
endif()
string(FIND "${out}${err}" "${expected}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "${FILE} failed to compile, but the output lacks \"${expected}\":\n${err}")
endif()
message(STATUS "refused with \"${expected}\"")
