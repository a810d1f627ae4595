# Installs the build tree into WORK_DIR/prefix, then configures, builds and runs the consumer
# project in tests/install/consumer against it with find_package(saga COMPONENTS engine), with
# CMake's default generator and GoogleTest hidden (CMAKE_DISABLE_FIND_PACKAGE_GTest): a consumer
# of the engine needs neither Ninja nor GoogleTest. A control asks for the testing component
# the same way and must fail to configure. Then the getting-started project,
# tests/install/book_trip (run_book_trip.cmake).
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "cmake --install failed: ${rc}")
endif()
set(default_generator ${CMAKE_COMMAND} -E env --unset=CMAKE_GENERATOR ${CMAKE_COMMAND})
execute_process(COMMAND ${default_generator} -S ${SOURCE_DIR}/tests/install/consumer
                  -B ${WORK_DIR}/build -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix
                  -DCMAKE_DISABLE_FIND_PACKAGE_GTest=TRUE
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "configuring the consumer failed: ${rc}")
endif()
file(READ ${WORK_DIR}/build/CMakeCache.txt cache)
if(NOT cache MATCHES "CMAKE_GENERATOR:INTERNAL=Unix Makefiles")
  message(FATAL_ERROR "the consumer did not use CMake's default generator (Unix Makefiles)")
endif()
# The control: the testing component does need GoogleTest.
file(WRITE ${WORK_DIR}/testing_consumer/CMakeLists.txt
  "cmake_minimum_required(VERSION 3.21)\nproject(t LANGUAGES CXX)\n"
  "find_package(saga REQUIRED COMPONENTS testing)\n")
execute_process(COMMAND ${default_generator} -S ${WORK_DIR}/testing_consumer
                  -B ${WORK_DIR}/testing_consumer/build -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix
                  -DCMAKE_DISABLE_FIND_PACKAGE_GTest=TRUE
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT rc OR NOT err MATCHES "GTest")
  message(FATAL_ERROR "COMPONENTS testing configured without GoogleTest (${rc}): ${err}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/build RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "building the consumer failed: ${rc}")
endif()
execute_process(COMMAND ${WORK_DIR}/build/consumer RESULT_VARIABLE rc OUTPUT_VARIABLE out)
message(STATUS "consumer printed: ${out}")
if(rc OR NOT out MATCHES "saga/1 round trip ok")
  message(FATAL_ERROR "the consumer failed: ${rc}")
endif()

# The admin component: a service that turns the admin server on links saga::admin alone (its
# cpp-httplib comes through the package's pkg-config lookup).
file(WRITE ${WORK_DIR}/admin_consumer/CMakeLists.txt
  "cmake_minimum_required(VERSION 3.21)\nproject(a LANGUAGES CXX)\n"
  "find_package(saga REQUIRED COMPONENTS admin)\n"
  "add_executable(admin_consumer main.cpp)\n"
  "target_link_libraries(admin_consumer PRIVATE saga::admin)\n")
file(WRITE ${WORK_DIR}/admin_consumer/main.cpp
  "#include <saga/admin.h>\n#include <cstdio>\n"
  "int main() {\n"
  "  saga::AdminOptions o;\n"
  "  o.database_path = \"/nonexistent/engine.db\";\n"
  "  o.read_token = \"read-token-0123456789\";\n"
  "  o.write_token = \"write-token-0123456789\";\n"
  "  auto s = saga::AdminServer::start(o);\n"
  "  if (s || s.status().code() != saga::StatusCode::kNotFound) return 1;\n"
  "  std::puts(\"admin consumer ok\");\n"
  "  return 0;\n}\n")
execute_process(COMMAND ${default_generator} -S ${WORK_DIR}/admin_consumer
                  -B ${WORK_DIR}/admin_consumer/build -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix
                  -DCMAKE_DISABLE_FIND_PACKAGE_GTest=TRUE
                RESULT_VARIABLE rc)
if(NOT rc)
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/admin_consumer/build
                  RESULT_VARIABLE rc)
endif()
if(NOT rc)
  execute_process(COMMAND ${WORK_DIR}/admin_consumer/build/admin_consumer RESULT_VARIABLE rc
                  OUTPUT_VARIABLE out)
endif()
if(rc OR NOT out MATCHES "admin consumer ok")
  message(FATAL_ERROR "the admin consumer failed: ${rc}")
endif()

include(${CMAKE_CURRENT_LIST_DIR}/run_book_trip.cmake)
