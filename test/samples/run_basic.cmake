# cmake -P script of the sample-basic test: configure and build samples/basic
# as a standalone project, run it in its build directory, and require its
# standard output to equal the expected file exactly.
# Inputs: SOURCE_DIR BUILD_DIR C_COMPILER C_FLAGS BUILD_TYPE EXPECTED.

function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "sample-basic: ${what} failed (${rc}):\n${out}\n${err}")
  endif()
endfunction()

run_step("configure" ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${BUILD_DIR}
         -DCMAKE_C_COMPILER=${C_COMPILER} "-DCMAKE_C_FLAGS=${C_FLAGS}"
         -DCMAKE_BUILD_TYPE=${BUILD_TYPE})
cmake_host_system_information(RESULT jobs QUERY NUMBER_OF_LOGICAL_CORES)
run_step("build" ${CMAKE_COMMAND} --build ${BUILD_DIR} --parallel ${jobs})

execute_process(COMMAND ${BUILD_DIR}/basic wasm-apps/testapp.wasm
                WORKING_DIRECTORY ${BUILD_DIR}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}")
if(err)
  message("stderr:\n${err}")
endif()
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "sample-basic: basic exited with ${rc}")
endif()
file(READ ${EXPECTED} expected)
if(NOT out STREQUAL expected)
  message(FATAL_ERROR "sample-basic: the output differs from ${EXPECTED}:\n--- expected\n${expected}--- got\n${out}")
endif()
message("sample-basic: output matches ${EXPECTED}")
