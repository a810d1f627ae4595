# docs/getting-started.md, run as written: configures and builds tests/install/book_trip (the
# files the guide quotes) against the prefix run_consumer.cmake installed, runs the saga's
# tests and the orchestrator, then looks at its database with the installed sagactl.
# Included by run_consumer.cmake (WORK_DIR, SOURCE_DIR, GENERATOR, COMPILER and LAUNCHER, maybe empty, are set).
function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(rc)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()

function(expect_output what)
  foreach(pattern IN LISTS ARGN)
    if(NOT out MATCHES "${pattern}")
      message(FATAL_ERROR "${what}: no \"${pattern}\" in its output:\n${out}")
    endif()
  endforeach()
endfunction()

set(trip ${WORK_DIR}/book_trip)
run_step("configuring book_trip"
  ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/install/book_trip -B ${trip} -G ${GENERATOR}
  -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_CXX_COMPILER=${COMPILER}
  -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER}
  "-DCMAKE_CXX_FLAGS=-Wall -Wextra -Werror")
run_step("building book_trip" ${CMAKE_COMMAND} --build ${trip})

run_step("trip_test" ${trip}/trip_test)
expect_output("trip_test" "3 tests.*PASSED")

run_step("book_trip" ${trip}/book_trip ${WORK_DIR}/trip-run)
message(STATUS "book_trip printed:\n${out}")
expect_output("book_trip"
  "trip-1: completed \\(hotel 'H-trip-1', flight 'F-trip-1', charge 'C-trip-1', declined ''\\)"
  "trip-2: compensated \\(hotel 'H-trip-2', flight 'F-trip-2', charge '', declined 'over the card's limit'\\)")

set(sagactl ${WORK_DIR}/prefix/bin/sagactl --db ${WORK_DIR}/trip-run/trip.db)
run_step("sagactl list" ${sagactl} list)
expect_output("sagactl list" "trip-2 +book_trip v1 +compensated" "trip-1 +book_trip v1 +completed")
run_step("sagactl show" ${sagactl} show trip-2)
expect_output("sagactl show" "card_declined" "CancelFlight" "CancelHotel")
run_step("sagactl stats" ${sagactl} stats)
expect_output("sagactl stats" "book_trip +0 +0 +1 +1 +0 +2")
