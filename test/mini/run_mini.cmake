# Runs mini-embed and checks its stdout and stderr apart (ctest would mix
# them): cmake -DEMBED=<mini-embed> -DWASM=<module> -DMINI=0|1 -P run_mini.cmake
execute_process(COMMAND "${EMBED}" --spawn "${WASM}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("stdout:\n${out}stderr:\n${err}")
if(MINI)
  # no thread manager: spawning fails, saying why
  set(expect_out "fib(24) = 46368\nspawn: not built in\n")
  set(expect_err "^\\[wasm error\\] spawn: the thread manager is not built into this runtime \\(WAMR_BUILD_MINI=1\\)\n$")
else()
  set(expect_out "fib(24) = 46368\nspawn: ok\n")
  set(expect_err "^$")
endif()
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "FAIL: mini-embed exited with '${rc}'")
endif()
if(NOT out STREQUAL expect_out)
  message(FATAL_ERROR "FAIL: stdout is not\n${expect_out}")
endif()
if(NOT err MATCHES "${expect_err}")
  message(FATAL_ERROR "FAIL: stderr does not match ${expect_err}")
endif()
