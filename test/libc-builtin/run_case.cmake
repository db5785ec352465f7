# Runs one wasm program under iwasm and checks what it did (cmake -P).
#   IWASM, WASM          the runner and the module
#   IWASM_OPTS, ARGS     iwasm options and program arguments (space separated)
#   NATIVE               a native build of the same program: stdouts must match
#   EXPECTED             a file the stdout must equal
#   RC                   the exit code iwasm must return
#   STDERR_HAS           text stderr must contain
#   STDOUT_HAS, STDOUT_LACKS   text stdout must / must not contain
# A sanitizer report anywhere fails the case.
separate_arguments(opts UNIX_COMMAND "${IWASM_OPTS}")
separate_arguments(args UNIX_COMMAND "${ARGS}")
get_filename_component(name "${WASM}" NAME_WE)
string(MAKE_C_IDENTIFIER "${name}_${ARGS}" tag)
set(work "${CMAKE_CURRENT_BINARY_DIR}/${tag}")

execute_process(COMMAND "${IWASM}" ${opts} "${WASM}" ${args}
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
message("exit code ${rc}\n--- stdout (first 2000 bytes)")
string(SUBSTRING "${out}" 0 2000 head)
message("${head}\n--- stderr\n${err}")
set(failed "")

foreach(text "Sanitizer" "runtime error:")
  string(FIND "${out}${err}" "${text}" at)
  if(NOT at EQUAL -1)
    string(APPEND failed "a sanitizer reported a problem\n")
  endif()
endforeach()

# Writes both texts and shows their difference.
function(compare what want got)
  if(NOT want STREQUAL got)
    file(WRITE "${work}.want" "${want}")
    file(WRITE "${work}.got" "${got}")
    execute_process(COMMAND diff -u "${work}.want" "${work}.got" OUTPUT_VARIABLE d)
    message("--- ${what} differs (want, got):\n${d}")
    set(failed "${failed}stdout differs from ${what}\n" PARENT_SCOPE)
  endif()
endfunction()

if(NATIVE)
  execute_process(COMMAND "${NATIVE}" ${args} OUTPUT_VARIABLE native_out RESULT_VARIABLE native_rc)
  if(NOT native_rc EQUAL 0)
    string(APPEND failed "the native build exited with ${native_rc}\n")
  endif()
  compare("the native build's" "${native_out}" "${out}")
endif()
if(EXPECTED)
  file(READ "${EXPECTED}" expected_out)
  compare("${EXPECTED}" "${expected_out}" "${out}")
endif()
if(DEFINED RC AND NOT rc STREQUAL RC)
  string(APPEND failed "exit code ${rc}, want ${RC}\n")
endif()
if(DEFINED STDERR_HAS)
  string(FIND "${err}" "${STDERR_HAS}" at)
  if(at EQUAL -1)
    string(APPEND failed "stderr lacks \"${STDERR_HAS}\"\n")
  endif()
endif()
if(DEFINED STDOUT_HAS)
  string(FIND "${out}" "${STDOUT_HAS}" at)
  if(at EQUAL -1)
    string(APPEND failed "stdout lacks \"${STDOUT_HAS}\"\n")
  endif()
endif()
if(DEFINED STDOUT_LACKS)
  string(FIND "${out}" "${STDOUT_LACKS}" at)
  if(NOT at EQUAL -1)
    string(APPEND failed "stdout has \"${STDOUT_LACKS}\"\n")
  endif()
endif()

if(failed)
  message(FATAL_ERROR "${failed}")
endif()
