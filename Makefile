# The README's commands as thin wrappers over cmake/ctest. Each installs any
# missing Debian package first, so a fresh Debian 12 machine needs nothing else.
PACKAGES := cmake clang lld llvm wasi-libc libclang-rt-14-dev-wasm32 wabt libuv1-dev \
            libcjson-dev libmbedtls-dev
JOBS ?= $(shell nproc)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
TEST_DIR := build/test
TSAN_DIR := build/tsan
# What the ThreadSanitizer build needs: the thread tests and their runners.
TSAN_TARGETS := vmlib iwasm thread_test spawn_thread spawn_thread_wasm wasm-spectest
RELEASE_DIR := build/release
# The interpreter's switch build, for compilers without computed goto.
SWITCH_DIR := build/switch
# The minimal runtime (runtime_lib.cmake, WAMR_BUILD_MINI=1): make test builds
# the whole tree against it (everything must link) and runs the suites of what
# MINI keeps: core spec, test/mini's embedder, the embedding API, libc-builtin
# and the unit tests. make bench prints its text size.
MINI_DIR := build/mini
MINI_CONFIG := -DCMAKE_BUILD_TYPE=Release -DWAMR_BUILD_MINI=1
MINI_TESTS := ^(spec-core|mini-embed|api-.*|libc-builtin-.*|unit-.*)$$

.PHONY: all deps test demo bench fuzz clean

all: deps
	cmake -S . -B $(RELEASE_DIR) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(RELEASE_DIR) -j $(JOBS) -- --no-print-directory

deps:
	@missing=""; for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing missing packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# Sanitizer build (ASan + UBSan) for everything, plus the spec suite once
# more on the Release build, since optimisation changes float and UB paths,
# plus the thread tests (and samples/spawn-thread, spec-threads) in a
# ThreadSanitizer build, where any report fails a test (exit code 66), and
# the spec suites on the interpreter's switch-dispatch build, the MINI_TESTS on
# the WAMR_BUILD_MINI build, and each libFuzzer target of test/fuzz for 20 s
# (clang, build/fuzz; the committed corpus never grows).
test: deps
	cmake -S . -B $(TEST_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWR_SANITIZE=ON
	cmake --build $(TEST_DIR) -j $(JOBS)
	cmake -S . -B $(RELEASE_DIR) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(RELEASE_DIR) -j $(JOBS) -- --no-print-directory
	cd $(RELEASE_DIR) && ctest --output-on-failure -j $(JOBS) -R '^spec-'
	cd $(TEST_DIR) && ctest --output-on-failure -j $(JOBS)
	cmake -S . -B $(TSAN_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWR_TSAN=ON
	cmake --build $(TSAN_DIR) -j $(JOBS) --target $(TSAN_TARGETS)
	cd $(TSAN_DIR) && TSAN_OPTIONS="halt_on_error=1 exitcode=66" \
	  ctest --output-on-failure -j $(JOBS) -R 'threads|spawn'
	cmake -S . -B $(SWITCH_DIR) -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS=-DWR_COMPUTED_GOTO=0
	cmake --build $(SWITCH_DIR) -j $(JOBS) --target wasm-spectest -- --no-print-directory
	cd $(SWITCH_DIR) && ctest --output-on-failure -j $(JOBS) -R '^spec-(core|threads)$$'
	cmake -S . -B $(MINI_DIR) $(MINI_CONFIG)
	cmake --build $(MINI_DIR) -j $(JOBS) -- --no-print-directory
	cd $(MINI_DIR) && ctest --output-on-failure -j $(JOBS) -R '$(MINI_TESTS)'
	CC=clang cmake -S . -B $(FUZZ_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWR_FUZZ=ON
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target fuzz_all -- --no-print-directory
	cd $(FUZZ_DIR) && ctest --output-on-failure -j 2 -R '^fuzz-'

# libFuzzer targets of test/fuzz, one after the other, FUZZ_TIME seconds each,
# into persistent corpora build/fuzz/corpus-<name> (never committed); prints
# executions and coverage per target. Crashers: build/fuzz/corpus-<name>-*.
FUZZ_DIR := build/fuzz
FUZZ_TIME ?= 600
FUZZ_NAMES := loader link attr json_attr
fuzz: deps
	CC=clang cmake -S . -B $(FUZZ_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWR_FUZZ=ON
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target fuzz_all -- --no-print-directory
	@status=0; for n in $(FUZZ_NAMES); do \
	  f=$(FUZZ_DIR)/test/fuzz/fuzz_$$n; \
	  if [ ! -x $$f ]; then echo "fuzz_$$n: not built (see the cmake output)"; continue; fi; \
	  sh test/fuzz/run_fuzz.sh long $$f test/fuzz/corpus/$$n $(FUZZ_DIR)/corpus-$$n \
	    $(FUZZ_TIME) || status=1; \
	done; exit $$status

demo: all
	sh samples/simple/run.sh $(RELEASE_DIR)

# Benchmark kernels native vs iwasm (and BENCH_PEERS="name=cmd ..."), see
# test/bench/bench.c. BENCH_ARGS passes more options, e.g. "--runs 3 fib".
# The text sizes include the WAMR_BUILD_MINI library and test/mini's embedder.
# Then the device's link figures (test/link/link_measure.c).
bench: deps
	cmake -S . -B $(RELEASE_DIR) -DCMAKE_BUILD_TYPE=Release -DWR_BENCH=ON
	cmake --build $(RELEASE_DIR) -j $(JOBS) -- --no-print-directory
	cmake -S . -B $(MINI_DIR) $(MINI_CONFIG)
	cmake --build $(MINI_DIR) -j $(JOBS) --target vmlib mini-embed -- --no-print-directory
	$(RELEASE_DIR)/test/bench/wasm-bench --iwasm $(RELEASE_DIR)/runtime/iwasm \
	  --native-dir $(RELEASE_DIR)/test/bench/native --wasm-dir $(RELEASE_DIR)/test/bench/wasm \
	  --loadstat $(RELEASE_DIR)/test/bench/wasm-loadstat \
	  --vmlib $(RELEASE_DIR)/runtime/libvmlib.a --minilib $(MINI_DIR)/runtime/libvmlib.a \
	  --miniembed $(MINI_DIR)/test/mini/mini-embed $(BENCH_ARGS)
	$(RELEASE_DIR)/test/link/link-measure $(RELEASE_DIR)/samples/simple/simple \
	  $(RELEASE_DIR)/host-tool/host_tool $(RELEASE_DIR)/samples/simple/wasm-apps \
	  $(RELEASE_DIR)/test/link/big_app.wasm

clean:
	rm -rf build
