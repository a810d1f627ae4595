# Runs a workshop check on a kept wrong solution: the check must FAIL, and its output must
# contain the learner-facing message EXPECT (a regular expression), so that a check that fails
# for another reason (a crash, a build of the wrong file) does not count.
#   cmake -DEXPECT=<regex> -P expect_failure.cmake -- <command> [args...]
set(command)
set(seen_separator FALSE)
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE ${last})
  if(seen_separator)
    list(APPEND command "${CMAKE_ARGV${i}}")
  elseif("${CMAKE_ARGV${i}}" STREQUAL "--")
    set(seen_separator TRUE)
  endif()
endforeach()
execute_process(COMMAND ${command} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(rc EQUAL 0)
  message(FATAL_ERROR "the check PASSED on a wrong solution")
endif()
if(NOT "${out}${err}" MATCHES "${EXPECT}")
  message(FATAL_ERROR "the check failed, but without the expected message: ${EXPECT}")
endif()
