#!/bin/sh
# make demo: starts the demo device (samples/simple) on a free loopback port
# and walks through contract section 8 with host_tool, showing each command
# and its output, then stops the device. Argument: the build directory.
set -u
build=${1:-build/release}
simple=$build/samples/simple/simple
host_tool=$build/host-tool/host_tool
apps=$build/samples/simple/wasm-apps
for f in "$simple" "$host_tool" "$apps/request_handler.wasm" "$apps/event_publisher.wasm"; do
    [ -e "$f" ] || { echo "demo: $f is missing (build first)" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'kill $device 2>/dev/null; wait $device 2>/dev/null; rm -rf "$work"' EXIT INT TERM

# The device prints "listening on ADDR:PORT" first; its log goes to a file.
"$simple" -s -p 0 >"$work/device.out" 2>"$work/device.log" &
device=$!
i=0
until grep -q '^listening on ' "$work/device.out" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 300 ] || ! kill -0 $device 2>/dev/null; then
        echo "demo: the device did not start" >&2
        cat "$work/device.log" >&2
        exit 1
    fi
    sleep 0.1
done
port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$work/device.out")
echo "device: $simple -s -p 0   ->   $(head -n 1 "$work/device.out")"

step() {
    echo
    echo "\$ host_tool $*"
    "$host_tool" -P "$port" "$@"
    rc=$?
    echo
    echo "  (exit code $rc)"
}

step -q
step -i request_handler -f "$apps/request_handler.wasm"
step -q
step -r /app/request_handler/url1 -A GET
step -r /url1 -A GET
step -i event_publisher -f "$apps/event_publisher.wasm"
step -s /alert/overheat -a 3000
step -u request_handler
step -u event_publisher
step -q

kill -TERM $device
wait $device
echo
echo "device stopped (exit code $?); its log:"
sed 's/^/  /' "$work/device.log"
