# Part of wasm32-app.cmake, which points CMAKE_USER_MAKE_RULES_OVERRIDE
# here: CMake's Generic platform clears the executable suffix after the
# toolchain file has run, and this hook runs after that.
set(CMAKE_EXECUTABLE_SUFFIX .wasm)
