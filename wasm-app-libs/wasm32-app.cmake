# CMake toolchain file for wasm apps built with this SDK (it lives in the
# SDK's root, which it finds by its own location, so the SDK may be moved):
#   cmake -S my-app -B build -DCMAKE_TOOLCHAIN_FILE=<sdk>/wasm32-app.cmake
# Every add_executable(name ...) then gives name.wasm: clang --target=wasm32,
# no libc but the runtime's libc-builtin, linked with libapp_framework.a and
# exporting what the app manager calls. Same flags as the README's command.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR wasm32)

set(WASM_APP_SDK_DIR ${CMAKE_CURRENT_LIST_DIR})
set(WASM_APP_SYSROOT ${WASM_APP_SDK_DIR}/libc-builtin-sysroot)

if(NOT CMAKE_C_COMPILER)
  find_program(WASM_APP_CLANG NAMES clang clang-16 clang-15 clang-14 REQUIRED)
  set(CMAKE_C_COMPILER ${WASM_APP_CLANG})
endif()
set(CMAKE_C_COMPILER_TARGET wasm32)
set(CMAKE_SYSROOT ${WASM_APP_SYSROOT})
# Archives of wasm objects need an indexer that understands them.
find_program(CMAKE_AR NAMES llvm-ar llvm-ar-16 llvm-ar-15 llvm-ar-14)
find_program(CMAKE_RANLIB NAMES llvm-ranlib llvm-ranlib-16 llvm-ranlib-15 llvm-ranlib-14)

# Nothing can be linked before the app defines on_init.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# Include path and link rule are set so that a user's CMAKE_C_FLAGS or
# CMAKE_EXE_LINKER_FLAGS add to them instead of replacing them.
set(CMAKE_C_STANDARD_INCLUDE_DIRECTORIES ${WASM_APP_SDK_DIR}/include)
set(WASM_APP_LINK_FLAGS
    "-nostdlib -Wl,--no-entry -Wl,--allow-undefined-file=${WASM_APP_SYSROOT}/share/defined-symbols.txt -Wl,--export=on_init -Wl,--export-if-defined=on_destroy -Wl,--export=__heap_base -Wl,--export=__data_end -Wl,-z,stack-size=8192")
set(CMAKE_C_LINK_EXECUTABLE
    "<CMAKE_C_COMPILER> <FLAGS> <CMAKE_C_LINK_FLAGS> ${WASM_APP_LINK_FLAGS} <LINK_FLAGS> <OBJECTS> -o <TARGET> <LINK_LIBRARIES> ${WASM_APP_SDK_DIR}/lib/libapp_framework.a")
set(CMAKE_USER_MAKE_RULES_OVERRIDE ${WASM_APP_SDK_DIR}/wasm32-app-rules.cmake) # the .wasm suffix

set(CMAKE_FIND_ROOT_PATH ${WASM_APP_SDK_DIR})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
