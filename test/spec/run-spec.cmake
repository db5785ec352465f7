# Runs wasm-spectest for ctest and checks more than its exit status:
#   MODE=suite      the whole core suite; exit status 0 and a last line equal to EXPECT
#   MODE=bad-input  broken inputs written to WORK; exit status 1, the right messages
# Usage: cmake -DMODE=... -DRUNNER=<wasm-spectest> [-DSPEC_DATA=... -DEXPECT=...]
#        [-DRUNNER_ARGS=...] [-DWORK=...] -P run-spec.cmake
# RUNNER_ARGS (a ;-list) go to the runner before the folder, e.g. "--bounds;software".

# Runs the runner, echoes what it printed, and returns its stdout and status.
function(run_runner out_var rc_var)
  execute_process(COMMAND "${RUNNER}" ${ARGN}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message("${out}${err}")
  if(err MATCHES "Sanitizer|runtime error:")
    message(FATAL_ERROR "FAIL: sanitizer report (see above)")
  endif()
  set(${out_var} "${out}" PARENT_SCOPE)
  set(${rc_var} "${rc}" PARENT_SCOPE)
endfunction()

function(last_line text out_var)
  string(STRIP "${text}" text)
  string(FIND "${text}" "\n" pos REVERSE)
  math(EXPR pos "${pos} + 1")
  string(SUBSTRING "${text}" ${pos} -1 line)
  set(${out_var} "${line}" PARENT_SCOPE)
endfunction()

function(run_suite)
  if(NOT IS_DIRECTORY "${SPEC_DATA}/json")
    message(FATAL_ERROR "FAIL: spec data missing: '${SPEC_DATA}/json' does not exist. "
                        "Set the CMake cache variable WR_SPEC_DATA to the spec-data folder.")
  endif()
  # SUBDIR picks another suite under SPEC_DATA (the threads proposal).
  if(NOT DEFINED SUBDIR)
    set(SUBDIR "json")
  endif()
  if(NOT IS_DIRECTORY "${SPEC_DATA}/${SUBDIR}")
    message(FATAL_ERROR "FAIL: spec data missing: '${SPEC_DATA}/${SUBDIR}' does not exist.")
  endif()
  run_runner(out rc --skip-simd ${RUNNER_ARGS} "${SPEC_DATA}/${SUBDIR}")
  last_line("${out}" line)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "FAIL: wasm-spectest exited with '${rc}'; last line: '${line}'")
  endif()
  if(NOT line STREQUAL EXPECT)
    message(FATAL_ERROR "FAIL: last line is '${line}', expected '${EXPECT}'")
  endif()
endfunction()

function(run_bad_input)
  file(REMOVE_RECURSE "${WORK}")
  file(WRITE "${WORK}/broken.json" "{\"commands\": [ {\"type\": \"module\", ")
  file(WRITE "${WORK}/not-object.json" "[1, 2]")
  file(WRITE "${WORK}/missing.json"
       "{\"commands\": [\n"
       " {\"type\": \"module\", \"line\": 1, \"filename\": \"missing.0.wasm\"},\n"
       " {\"type\": \"assert_return\", \"line\": 2, \"action\": {\"type\": \"invoke\", "
       "\"field\": \"f\", \"args\": []}, \"expected\": []},\n"
       " {\"type\": \"assert_invalid\", \"line\": 3, \"filename\": \"missing.1.wasm\", "
       "\"text\": \"type mismatch\", \"module_type\": \"binary\"}]}\n")
  # Not wasm at all: the loader must reject it (any message) without crashing.
  file(WRITE "${WORK}/garbage.0.wasm" "not wasm")
  file(WRITE "${WORK}/garbage.json"
       "{\"commands\": [{\"type\": \"assert_malformed\", \"line\": 1, "
       "\"filename\": \"garbage.0.wasm\", \"text\": \"\", \"module_type\": \"binary\"}]}\n")
  run_runner(out rc "${WORK}")
  last_line("${out}" line)
  set(expect "1 passed, 4 failed, 0 skipped")
  if(NOT rc EQUAL 1 OR NOT line STREQUAL expect)
    message(FATAL_ERROR "FAIL: exit status '${rc}', last line '${line}'; "
                        "expected 1 and '${expect}'")
  endif()
  foreach(text "broken: malformed JSON" "not-object: no \"commands\" array"
               "cannot read ${WORK}/missing.0.wasm" "cannot read ${WORK}/missing.1.wasm")
    string(FIND "${out}" "${text}" pos)
    if(pos EQUAL -1)
      message(FATAL_ERROR "FAIL: output lacks '${text}'")
    endif()
  endforeach()
endfunction()

if(MODE STREQUAL "suite")
  run_suite()
elseif(MODE STREQUAL "bad-input")
  run_bad_input()
else()
  message(FATAL_ERROR "run-spec.cmake: unknown MODE '${MODE}'")
endif()
