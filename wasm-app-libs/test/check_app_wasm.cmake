# Checks a wasm app against the device contract (app-framework.md 4.2, 5):
#   cmake -DWASM=app.wasm -DOBJDUMP=wasm-objdump -DLIBC_SYMBOLS=defined-symbols.txt
#         [-DEXPECT=on_request,on_timer_callback] -P check_app_wasm.cmake
# - every import is a function of module "env": a section-5 native with
#   exactly its wasm type, or a libc-builtin symbol; nothing else (a
#   misspelled native fails here instead of at install time);
# - the exports include on_init, memory, __heap_base, __data_end and EXPECT;
#   every exported callback has the type the app manager calls it with.
# Prints the imports, the exports and the size of the file.

cmake_minimum_required(VERSION 3.16)

# The natives of contract section 5 as wasm types ($ * ~ i are all i32).
set(natives
  "wasm_register_resource=(i32) -> nil"
  "wasm_response_send=(i32, i32) -> i32"
  "wasm_post_request=(i32, i32) -> nil"
  "wasm_sub_event=(i32) -> nil"
  "wasm_create_timer=(i32, i32, i32) -> i32"
  "wasm_timer_destroy=(i32) -> nil"
  "wasm_timer_cancel=(i32) -> nil"
  "wasm_timer_restart=(i32, i32) -> nil"
  "wasm_get_sys_tick_ms=() -> i32"
  "wasm_sensor_open=(i32, i32) -> i32"
  "wasm_sensor_config=(i32, i32, i32, i32) -> i32"
  "wasm_sensor_config_with_attr_container=(i32, i32, i32) -> i32"
  "wasm_sensor_close=(i32) -> i32"
  "wasm_open_connection=(i32, i32, i32) -> i32"
  "wasm_close_connection=(i32) -> nil"
  "wasm_send_on_connection=(i32, i32, i32) -> i32"
  "wasm_config_connection=(i32, i32, i32) -> i32")
# The callbacks of contract 4.2 as wasm types.
set(callbacks
  "on_init=() -> nil"
  "on_destroy=() -> nil"
  "on_request=(i32, i32) -> nil"
  "on_response=(i32, i32) -> nil"
  "on_timer_callback=(i32) -> nil"
  "on_sensor_event=(i32, i32, i32) -> nil"
  "on_connection_data=(i32, i32, i32) -> nil")

foreach(var WASM OBJDUMP LIBC_SYMBOLS)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_app_wasm.cmake: -D${var}=... is required")
  endif()
endforeach()

function(lookup table key out)
  set(${out} "" PARENT_SCOPE)
  foreach(entry ${${table}})
    string(FIND "${entry}" "=" eq)
    string(SUBSTRING "${entry}" 0 ${eq} k)
    if(k STREQUAL key)
      math(EXPR eq "${eq} + 1")
      string(SUBSTRING "${entry}" ${eq} -1 v)
      set(${out} "${v}" PARENT_SCOPE)
      return()
    endif()
  endforeach()
endfunction()

file(STRINGS ${LIBC_SYMBOLS} libc_symbols REGEX "^[A-Za-z_]")
execute_process(COMMAND ${OBJDUMP} -x ${WASM} OUTPUT_VARIABLE dump RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${OBJDUMP} -x ${WASM} failed")
endif()
string(REPLACE ";" "," dump "${dump}")
string(REPLACE "\n" ";" lines "${dump}")

set(errors 0)
set(section "")
set(imports "")
set(exports "")
foreach(line ${lines})
  if(line MATCHES "^([A-Za-z]+)\\[[0-9]+\\]:")
    set(section ${CMAKE_MATCH_1})
  elseif(section STREQUAL "Type" AND line MATCHES "^ - type\\[([0-9]+)\\] (.*)$")
    set(type_${CMAKE_MATCH_1} "${CMAKE_MATCH_2}")
  elseif(section STREQUAL "Import")
    if(line MATCHES "^ - func\\[([0-9]+)\\] sig=([0-9]+) .*<- ([^.]+)\\.(.+)$")
      set(func_sig_${CMAKE_MATCH_1} ${CMAKE_MATCH_2})
      set(mod ${CMAKE_MATCH_3})
      set(name ${CMAKE_MATCH_4})
      set(type "${type_${CMAKE_MATCH_2}}")
      list(APPEND imports "${mod}.${name} ${type}")
      lookup(natives ${name} want)
      if(NOT mod STREQUAL "env")
        message(SEND_ERROR "import ${mod}.${name}: module is not \"env\"")
        math(EXPR errors "${errors} + 1")
      elseif(want)
        if(NOT type STREQUAL want)
          message(SEND_ERROR "import ${name} has type ${type}, the contract says ${want}")
          math(EXPR errors "${errors} + 1")
        endif()
      elseif(NOT name IN_LIST libc_symbols)
        message(SEND_ERROR "import env.${name} is neither a section-5 native nor a libc-builtin symbol")
        math(EXPR errors "${errors} + 1")
      endif()
    elseif(line MATCHES "^ - ")
      message(SEND_ERROR "unexpected non-function import: ${line}")
      math(EXPR errors "${errors} + 1")
    endif()
  elseif(section STREQUAL "Function" AND line MATCHES "^ - func\\[([0-9]+)\\] sig=([0-9]+)")
    set(func_sig_${CMAKE_MATCH_1} ${CMAKE_MATCH_2})
  elseif(section STREQUAL "Export" AND line MATCHES "^ - ([a-z]+)\\[([0-9]+)\\].* -> \"(.*)\"$")
    set(kind ${CMAKE_MATCH_1})
    set(name ${CMAKE_MATCH_3})
    set(export_kind_${name} ${kind})
    set(desc "${name} (${kind})")
    if(kind STREQUAL "func")
      set(type "${type_${func_sig_${CMAKE_MATCH_2}}}")
      set(desc "${name} ${type}")
      lookup(callbacks ${name} want)
      if(want AND NOT type STREQUAL want)
        message(SEND_ERROR "export ${name} has type ${type}, the app manager calls ${want}")
        math(EXPR errors "${errors} + 1")
      endif()
    endif()
    list(APPEND exports "${desc}")
  endif()
endforeach()

set(required "on_init=func" "memory=memory" "__heap_base=global" "__data_end=global")
string(REPLACE "," ";" expect "${EXPECT}")
foreach(name ${expect})
  list(APPEND required "${name}=func")
endforeach()
foreach(entry ${required})
  string(REPLACE "=" ";" pair "${entry}")
  list(GET pair 0 name)
  list(GET pair 1 kind)
  if(NOT "${export_kind_${name}}" STREQUAL kind)
    message(SEND_ERROR "missing export ${name} (${kind})")
    math(EXPR errors "${errors} + 1")
  endif()
endforeach()

file(SIZE ${WASM} size)
get_filename_component(base ${WASM} NAME)
list(JOIN imports "\n  " imports_text)
list(JOIN exports "\n  " exports_text)
message("${base}: ${size} bytes\nimports:\n  ${imports_text}\nexports:\n  ${exports_text}")
if(errors GREATER 0)
  message(FATAL_ERROR "${base}: ${errors} contract violation(s)")
endif()
message("${base}: imports and exports match the contract")
