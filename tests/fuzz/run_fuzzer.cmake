# Runs one libFuzzer target for SECONDS on the checked-in corpus CORPUS (never written: new
# inputs go to WORK, crashes to ARTIFACTS). Fails when the fuzzer finds a crash, a leak, a
# timeout or a broken property (libFuzzer's exit code is then non-zero).
file(MAKE_DIRECTORY ${WORK} ${ARTIFACTS})
execute_process(
  COMMAND ${FUZZER} -max_total_time=${SECONDS} -timeout=10 -rss_limit_mb=2048
          -print_final_stats=1 -artifact_prefix=${ARTIFACTS} ${WORK} ${CORPUS}
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${FUZZER} failed (${result}): the input is in ${ARTIFACTS}; add it to "
                      "${CORPUS} once fixed (docs/testing.md)")
endif()
