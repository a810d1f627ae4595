# Goal: the demo can be run again on an existing --data-dir: it says it resumes the previous
# run and exits 0 without placing an order again; with --fresh it says it starts fresh and runs
# the whole walkthrough again, every scenario as expected.
# Method: runs the demo binary three times on one directory and reads its output.
#   cmake -DDEMO=<create_order_demo> -DDIR=<scratch dir> -P demo_rerun_test.cmake
file(REMOVE_RECURSE ${DIR})
function(run_demo expect_rc expect_regex)
  execute_process(COMMAND ${DEMO} --data-dir ${DIR} ${ARGN}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 180)
  if(NOT rc EQUAL expect_rc OR NOT "${out}${err}" MATCHES "${expect_regex}")
    message(FATAL_ERROR "demo ${ARGN}: exit ${rc} (expected ${expect_rc}), output should match "
                        "'${expect_regex}':\n${out}${err}")
  endif()
endfunction()
run_demo(0 "15 of 15 scenarios ended as expected")
run_demo(0 "Resuming the previous run in .*Resumed 0 unfinished saga.*Invariants across the services. databases: all hold")
run_demo(0 "Starting fresh: removed the previous run's databases.*15 of 15 scenarios ended as expected" --fresh)
file(REMOVE_RECURSE ${DIR})
