#!/bin/sh
# Runs one libFuzzer target, for ctest and for `make fuzz`:
#   run_fuzz.sh test FUZZER SEED_DIR WORK_DIR SECONDS
#       fuzzes a fresh copy of the seeds in WORK_DIR/corpus (the committed
#       corpus never grows); any crash, leak, timeout or OOM fails.
#   run_fuzz.sh long FUZZER SEED_DIR CORPUS_DIR SECONDS
#       fuzzes into the persistent CORPUS_DIR (seeds read alongside), logs to
#       CORPUS_DIR.log and prints executions and coverage.
# <name>.dict beside this script is passed as -dict. FUZZ_FLAGS adds
# libFuzzer options. Crashers land next to the corpus as
# crash-*, leak-*, timeout-*, oom-*: add them to SEED_DIR once fixed.
set -u
mode=$1 fuzzer=$2 seeds=$3 dir=$4 seconds=$5
name=$(basename "$fuzzer")
# One process, one job: the machine is shared (see test/fuzz/README.md).
# stdout is closed: wasm printf output (libc-builtin writes there) would
# flood the log; libFuzzer reports on stderr.
flags="-max_total_time=$seconds -timeout=10 -rss_limit_mb=2048 -print_final_stats=1"
flags="$flags -close_fd_mask=1"
# A dictionary next to this script, <name>.dict, when the target has one.
dict="$(dirname "$0")/${name#fuzz_}.dict"
[ -f "$dict" ] && flags="$flags -dict=$dict"

case $mode in
test)
    rm -rf "$dir" && mkdir -p "$dir/corpus" || exit 1
    if [ -n "$(ls -A "$seeds" 2>/dev/null)" ]; then
        cp "$seeds"/* "$dir/corpus/" || exit 1
    fi
    # shellcheck disable=SC2086 # flags are words on purpose
    "$fuzzer" $flags ${FUZZ_FLAGS:-} -artifact_prefix="$dir/" "$dir/corpus"
    rc=$?
    if [ $rc -ne 0 ]; then
        echo "$name failed (exit $rc); reproducer(s):"
        ls "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-* 2>/dev/null
    fi
    exit $rc
    ;;
long)
    mkdir -p "$dir" || exit 1
    log="$dir.log"
    # New inputs go to the first folder only: the seeds stay as they are.
    # shellcheck disable=SC2086
    "$fuzzer" $flags ${FUZZ_FLAGS:-} -artifact_prefix="$dir-" "$dir" "$seeds" >"$log" 2>&1
    rc=$?
    execs=$(grep -a '^stat::number_of_executed_units:' "$log" | tail -n 1 | tr -dc 0-9)
    last=$(grep -a -E '^#[0-9]+.*cov: ' "$log" | tail -n 1)
    cov=$(printf '%s\n' "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
    ft=$(printf '%s\n' "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    units=$(ls "$dir" | wc -l)
    printf '%-18s %6ss  execs %-10s cov %-6s ft %-7s corpus %s files  exit %s\n' \
        "$name" "$seconds" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$units" "$rc"
    if [ $rc -ne 0 ]; then
        grep -a -E 'ERROR|SUMMARY|Test unit written|property failed' "$log" | head -n 5
        echo "  full log: $log"
    fi
    exit $rc
    ;;
*)
    echo "usage: run_fuzz.sh test|long FUZZER SEED_DIR DIR SECONDS" >&2
    exit 2
    ;;
esac
