#!/bin/sh
# make demo: runs the demo wasm program through iwasm, showing each command
# and its output. Argument: the build directory.
set -u
build=${1:-build/release}
iwasm=$build/runtime/iwasm
wasm=$build/samples/demo/demo.wasm

run() {
    echo "\$ iwasm $*"
    "$iwasm" "$@"
    echo "  (exit code $?)"
    echo
}

"$iwasm" --version
echo
run -f fib "$wasm" 30
run -f count_primes "$wasm" 1000000
run -f hash64 "$wasm" 100000
run -f newton_sqrt "$wasm" 2
run -f divide "$wasm" 100 7
run -f divide "$wasm" 1 0
